package io.qtune.graph;

import java.util.Arrays;

/**
 * A constant tensor: shape plus values. Float-like types keep {@link #floats} (bfloat16 values widened exactly to
 * float), integer types keep {@link #longs}.
 * Immutable by convention: never write into the arrays of a tensor you did not just create.
 */
public final class Tensor {
    private final DType dtype;
    private final long[] shape;
    private final float[] floats;
    private final long[] longs;

    private Tensor(DType dtype, long[] shape, float[] floats, long[] longs) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.floats = floats;
        this.longs = longs;
        long n = elementCount(shape);
        int have = floats != null ? floats.length : longs.length;
        if (n != have) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got " + have);
        }
    }

    public static Tensor ofFloats(long[] shape, float[] values) {
        return new Tensor(DType.FLOAT, shape, values, null);
    }

    /** A bfloat16 tensor of the given values, each rounded to bfloat16 (nearest, ties to even) as TF's Cast does. */
    public static Tensor ofBfloat16(long[] shape, float[] values) {
        float[] r = new float[values.length];
        for (int i = 0; i < r.length; i++) r[i] = Bfloat16.round(values[i]);
        return new Tensor(DType.BFLOAT16, shape, r, null);
    }

    public static Tensor ofLongs(DType dtype, long[] shape, long[] values) {
        if (dtype != DType.INT32 && dtype != DType.INT64 && dtype != DType.INT8 && dtype != DType.UINT8
                && dtype != DType.QINT8 && dtype != DType.QUINT8 && dtype != DType.QINT32 && dtype != DType.BOOL) {
            throw new IllegalArgumentException("not an integer type: " + dtype);
        }
        return new Tensor(dtype, shape, null, values);
    }

    public static Tensor scalar(float v) {
        return ofFloats(new long[0], new float[] {v});
    }

    public static Tensor vectorInt32(long... values) {
        return ofLongs(DType.INT32, new long[] {values.length}, values.clone());
    }

    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public DType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i];
    }

    public int size() {
        return floats != null ? floats.length : longs.length;
    }

    public boolean isFloat() {
        return floats != null;
    }

    /** The float values (no copy). */
    public float[] floats() {
        if (floats == null) throw new IllegalStateException("tensor of " + dtype + " has no float values");
        return floats;
    }

    /** The integer values (no copy). */
    public long[] longs() {
        if (longs == null) throw new IllegalStateException("tensor of " + dtype + " has no integer values");
        return longs;
    }

    @Override
    public String toString() {
        return "Tensor(" + dtype + " " + Arrays.toString(shape) + ")";
    }
}
