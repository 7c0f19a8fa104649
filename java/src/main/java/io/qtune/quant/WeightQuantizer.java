package io.qtune.quant;

import io.qtune.QtuneException;
import io.qtune.kernels.Kernels;
import java.util.Arrays;

/**
 * Symmetric int8 weight quantization: scale = max|W| / 127 over the whole tensor or per output channel (the last axis:
 * max over H, W, I of an HWIO filter), q = round-half-to-even(w / scale), clamped to [-127, 127].
 * Intel's 2020 tool truncated w / scale toward zero; rounding halves the worst-case error (0.5 instead of 1 step).
 * A channel whose weights are all zero gets scale 1 (any positive scale gives q = 0; 1 keeps later divisions finite).
 * Weights must be finite: a NaN or infinity is an error naming the tensor and the index.
 */
public final class WeightQuantizer {
    private final Kernels kernels;

    public WeightQuantizer() {
        this(Kernels.standard());
    }

    public WeightQuantizer(Kernels kernels) {
        this.kernels = kernels;
    }

    public QuantizedWeights quantize(String name, float[] weights, int outChannels, WeightGranularity granularity) {
        return granularity == WeightGranularity.PER_CHANNEL ? perChannel(name, weights, outChannels) : perTensor(name, weights, outChannels);
    }

    /** One scale per channel of the last axis. */
    public QuantizedWeights perChannel(String name, float[] weights, int outChannels) {
        check(name, weights, outChannels);
        int rows = weights.length / outChannels;
        float[] lo = new float[outChannels], hi = new float[outChannels];
        Arrays.fill(lo, Float.POSITIVE_INFINITY);
        Arrays.fill(hi, Float.NEGATIVE_INFINITY);
        long[] nonFinite = new long[3];
        kernels.minmaxChannels(weights, 0, rows, outChannels, lo, hi, nonFinite);
        rejectNonFinite(name, weights, nonFinite, outChannels);
        float[] scales = new float[outChannels];
        for (int c = 0; c < outChannels; c++) scales[c] = scaleFor(Math.max(Math.abs(lo[c]), Math.abs(hi[c])));
        byte[] q = new byte[weights.length];
        kernels.quantize(weights, 0, rows, outChannels, scales, q, 0, -127, 127);
        return new QuantizedWeights(q, scales, WeightGranularity.PER_CHANNEL, outChannels);
    }

    /** One scale for the whole tensor; {@code outChannels} is kept for indexing. */
    public QuantizedWeights perTensor(String name, float[] weights, int outChannels) {
        check(name, weights, outChannels);
        float[] mm = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        long[] nonFinite = new long[3];
        kernels.minmax(weights, 0, weights.length, mm, nonFinite);
        rejectNonFinite(name, weights, nonFinite, outChannels);
        float[] scale = {scaleFor(Math.max(Math.abs(mm[0]), Math.abs(mm[1])))};
        byte[] q = new byte[weights.length];
        kernels.quantize(weights, 0, weights.length, 1, scale, q, 0, -127, 127);
        return new QuantizedWeights(q, scale, WeightGranularity.PER_TENSOR, outChannels);
    }

    private static float scaleFor(float maxAbs) {
        // an all-zero channel (or, with no weights at all, min/max still at +-inf) keeps scale 1
        return maxAbs > 0f && maxAbs <= Float.MAX_VALUE ? maxAbs / 127f : 1f;
    }

    private static void check(String name, float[] weights, int outChannels) {
        if (weights == null) throw new QtuneException("weights '" + name + "': no data");
        if (outChannels < 1 || weights.length % outChannels != 0) {
            throw new QtuneException("weights '" + name + "': " + weights.length + " values do not split into "
                    + outChannels + " output channels");
        }
    }

    private static void rejectNonFinite(String name, float[] w, long[] counts, int channels) {
        if (counts[0] + counts[1] + counts[2] == 0) return;
        for (int i = 0; i < w.length; i++) {
            if (!Float.isFinite(w[i])) {
                throw new QtuneException("weights '" + name + "': value " + w[i] + " at index " + i + " (output channel "
                        + (i % channels) + "); weights must be finite");
            }
        }
    }
}
