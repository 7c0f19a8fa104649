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
     * Quantizes an HWIO float filter: range = max|W| over H, W, I per output channel (or over everything), weight
     * q = round_half_even(W / (range / 127)). A channel whose range is zero gets range 1 (its weights are all 0 at any
     * scale); {@code minRange} raises ranges that are too small for the bias to fit in int32 (see {@link #minFilterRange}).
     */
    public static QuantizedFilter quantizeFilter(String node, Tensor w, boolean perChannel, float[] minRange) {
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
            if (minRange != null) range[r] = Math.max(range[r], perChannel ? minRange[r] : max(minRange));
        }
        long[] q = new long[f.length];
        for (int i = 0; i < f.length; i++) {
            float scale = Int8Semantics.filterScale(-range[perChannel ? i % oc : 0], range[perChannel ? i % oc : 0]);
            q[i] = (long) Math.max(-127, Math.min(127, Math.rint(f[i] / scale)));
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
