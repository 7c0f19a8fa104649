package io.qtune.export;

import io.qtune.QtuneException;
import io.qtune.graph.DType;
import io.qtune.graph.Tensor;
import io.qtune.semantics.Int8Semantics;

/**
 * Symmetric int8 weights and the qint32 bias as TF's kernels read them. Weights are rounded half to even (Intel's
 * 2020 tool truncated toward zero, which biases every weight toward 0 by half a step on average).
 */
public final class Int8Weights {
    private Int8Weights() {}

    /** A qint8 HWIO filter and the range of each output channel (one value when per tensor). */
    public record QuantizedFilter(Tensor values, float[] range) {}

    /**
     * Which qint8 codes a filter may use: every code up to {@code limit} in magnitude that is a multiple of
     * {@code step}. All of qint8 ({@link #FULL}) is exact on CPUs with VNNI only: without it the INT8 dot product
     * ({@code vpmaddubsw}) adds two u8 x s8 products in saturating 16-bit arithmetic, which 7-bit codes never overflow:
     * 2 * 255 * 63 = 32,130 <= 32,767 ({@link #SEVEN_BIT}). On signed (qint8) input oneDNN without VNNI adds 128 to
     * the input and halves every weight (its reorder rounds w / 2): there the 7-bit codes are written doubled
     * ({@link #SEVEN_BIT_DOUBLED}), so that halving them is exact and gives back the same 7-bit products.
     */
    public record Codes(int limit, int step) {
        public static final Codes FULL = new Codes(127, 1);
        public static final Codes SEVEN_BIT = new Codes(63, 1);
        public static final Codes SEVEN_BIT_DOUBLED = new Codes(126, 2);

        /** The codes of an INT8 graph's convolution (TF's and qtune's oneDNN kernels) reading {@code tinput}. */
        public static Codes forConvolution(boolean sevenBit, DType tinput) {
            return !sevenBit ? FULL : tinput == DType.QINT8 ? SEVEN_BIT_DOUBLED : SEVEN_BIT;
        }
    }

    /**
     * Quantizes an HWIO float filter: range = max|W| over H, W, I per output channel (or over everything), weight
     * q = round_half_even(W / (range / 127)). A channel whose range is zero gets range 1 (its weights are all 0 at any
     * scale); {@code minRange} raises ranges that are too small for the bias to fit in int32 (see {@link #minFilterRange}).
     * With fewer {@link Codes} than all of qint8, max|W| lands on the largest allowed code, and the range written
     * beside the codes still stands for code 127, so TF and oneDNN read them as any other qint8 filter.
     */
    public static QuantizedFilter quantizeFilter(String node, Tensor w, boolean perChannel, float[] minRange, Codes codes) {
        if (w.dtype() != DType.FLOAT || w.rank() != 4) {
            throw new QtuneException("node '" + node + "': filter must be a float HWIO tensor, got " + w);
        }
        int oc = (int) w.dim(3);
        float[] f = w.floats();
        float[] range = new float[perChannel ? oc : 1];
        for (int i = 0; i < f.length; i++) {
            if (!Float.isFinite(f[i])) throw new QtuneException("node '" + node + "': filter has a non-finite weight at index " + i);
            int r = perChannel ? i % oc : 0;
            range[r] = Math.max(range[r], Math.abs(f[i]));
        }
        for (int r = 0; r < range.length; r++) {
            if (range[r] == 0) range[r] = 1f;
            else if (codes.limit() != 127) range[r] = (float) (range[r] * 127.0 / codes.limit());
            if (minRange != null) range[r] = Math.max(range[r], perChannel ? minRange[r] : max(minRange));
        }
        long[] q = new long[f.length];
        int step = codes.step(), limit = codes.limit();
        for (int i = 0; i < f.length; i++) {
            float scale = Int8Semantics.filterScale(-range[perChannel ? i % oc : 0], range[perChannel ? i % oc : 0]);
            double code = step == 1 ? Math.rint(f[i] / scale) : step * Math.rint(f[i] / (step * (double) scale));
            q[i] = (long) Math.max(-limit, Math.min(limit, code));
        }
        return new QuantizedFilter(Tensor.ofLongs(DType.QINT8, w.shape(), q), range);
    }

    /**
     * The smallest filter range per channel for which the channel's bias, quantized to qint32 against an input of
     * range inputRange, stays within +-2^30 (headroom for the accumulator it is added to).
     */
    public static float[] minFilterRange(float[] bias, DType tinput, float inputRange) {
        float[] m = new float[bias.length];
        for (int i = 0; i < bias.length; i++) {
            m[i] = (float) (Math.abs((double) bias[i]) * Int8Semantics.limit(tinput) * 127.0 / (inputRange * (double) (1L << 30)));
        }
        return m;
    }

    /** qint32 bias: round(b / (inputScale * filterScale[oc])) with exactly the divisor TF multiplies back. */
    public static Tensor qint32Bias(String node, float[] bias, DType tinput, float inputRange, float[] filterRange) {
        long[] q = new long[bias.length];
        for (int i = 0; i < bias.length; i++) {
            float fr = filterRange[filterRange.length == 1 ? 0 : i];
            double v = Math.rint((double) bias[i] * Int8Semantics.qint32BiasDivisor(tinput, inputRange, fr));
            if (!(Math.abs(v) <= Integer.MAX_VALUE)) {
                throw new QtuneException("node '" + node + "': bias of channel " + i + " (" + bias[i] + ") does not fit qint32");
            }
            q[i] = (long) v;
        }
        return Tensor.ofLongs(DType.QINT32, new long[] {bias.length}, q);
    }

    private static float max(float[] a) {
        float m = 0;
        for (float v : a) m = Math.max(m, v);
        return m;
    }
}
