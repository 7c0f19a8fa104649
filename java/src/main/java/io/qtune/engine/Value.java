package io.qtune.engine;

import java.util.Arrays;
import org.bytedeco.dnnl.memory;

/**
 * One tensor of a compiled program. A native value lives in oneDNN memory with a fixed physical layout
 * ({@link #desc}); several values may be views of one root buffer (Identity, Squeeze, Reshape, the in-place
 * residual sum). A host value is a small Java array (ArgMax, Cast results).
 */
final class Value {
    enum Kind { NATIVE_F32, HOST_F32, HOST_I64 }

    final int id;
    final String name;
    final long[] shape;
    final Kind kind;
    /** Physical layout, for native values. */
    final memory.desc desc;
    /** The value whose buffer this one shares; itself for a root. */
    final Value root;
    /** Buffer slot of a root, set by the slot planner. */
    int slot = -1;
    /** The plain (TensorFlow row-major) copy of this value, once one was made. */
    Value plain;

    Value(int id, String name, long[] shape, Kind kind, memory.desc desc, Value root) {
        this.id = id;
        this.name = name;
        this.shape = shape.clone();
        this.kind = kind;
        this.desc = desc;
        this.root = root == null ? this : root;
    }

    boolean isNative() {
        return kind == Kind.NATIVE_F32;
    }

    /** A native value of 8-bit integer codes (u8 or s8), as INT8 ops produce. */
    boolean isQuantized() {
        if (desc == null) return false;
        int t = desc.get_data_type().value; // JavaCPP enums from native calls must be compared by value
        return t == memory.data_type.u8.value || t == memory.data_type.s8.value;
    }

    long elements() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    long bytes() {
        return desc == null ? 0 : desc.get_size();
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + " " + kind;
    }
}
