package io.qtune.engine;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;

/**
 * A oneDNN primitive with its arguments. Arguments are either program values (per-workspace memory) or
 * memory shared by all workspaces (reordered weights, bias). The primitive itself is shared: oneDNN allows
 * concurrent execution of one primitive with different memories, and scratchpads are user-provided per
 * workspace so concurrent runs never share one.
 */
final class PrimitiveStep extends Step {
    final primitive primitive;
    /** The C handle, fetched once: the hot path must not create Java wrappers. */
    final dnnl_primitive handle;
    final int[] argIds;
    /** Value or shared {@link memory}, index-aligned with {@link #argIds}. */
    final Object[] argSources;
    /** Null when the primitive needs no scratchpad. */
    final memory.desc scratchpad;
    final String implementation;

    PrimitiveStep(String node, String kind, primitive primitive, String implementation, int[] argIds,
                  Object[] argSources, memory.desc scratchpad, List<Value> reads, List<Value> writes) {
        super(node, kind, reads, writes);
        this.primitive = primitive;
        this.handle = primitive.get();
        this.argIds = argIds.clone();
        this.argSources = argSources.clone();
        this.scratchpad = scratchpad;
        this.implementation = implementation;
    }

    /** Bytes of the weights the primitive reads (its shared weights memory, in oneDNN's layout); 0 without any. */
    long weightBytes() {
        long bytes = 0;
        for (int k = 0; k < argIds.length; k++) {
            if (argIds[k] == DNNL_ARG_WEIGHTS && argSources[k] instanceof memory m) {
                try (memory.desc d = m.get_desc()) {
                    bytes += d.get_size();
                }
            }
        }
        return bytes;
    }

    /** The memories shared by all workspaces (weights, bias, compensation), in argument order. */
    List<memory> sharedMemories() {
        List<memory> shared = new ArrayList<>();
        for (Object source : argSources) {
            if (source instanceof memory m) shared.add(m);
        }
        return shared;
    }

    /** Collects a primitive's arguments in order. */
    static final class Args {
        final List<Integer> ids = new ArrayList<>();
        final List<Object> sources = new ArrayList<>();
        final List<Value> reads = new ArrayList<>();
        final List<Value> writes = new ArrayList<>();

        Args read(int arg, Value v) {
            ids.add(arg);
            sources.add(v);
            reads.add(v);
            return this;
        }

        Args write(int arg, Value v) {
            ids.add(arg);
            sources.add(v);
            writes.add(v);
            return this;
        }

        /** dst that is also read, as by a sum post-op. */
        Args readWrite(int arg, Value v) {
            ids.add(arg);
            sources.add(v);
            reads.add(v);
            writes.add(v);
            return this;
        }

        Args shared(int arg, memory m) {
            ids.add(arg);
            sources.add(m);
            return this;
        }

        int[] idArray() {
            return ids.stream().mapToInt(Integer::intValue).toArray();
        }
    }
}
