package io.qtune.semantics;

import io.qtune.graph.DType;

/**
 * The scale arithmetic of TensorFlow's oneDNN INT8 kernels (TF 2.18 as shipped in TF Java 1.1.0, oneDNN v3 path), in
 * one place so the exporter and the Java reference use the same formulas. docs/int8-semantics.md derives them.
 * Every range is symmetric: TF only looks at max(|min|, |max|). Arithmetic is float, as in the kernels.
 */
public final class Int8Semantics {
    private Int8Semantics() {}

    /** Default of QuantizeV2's ensure_minimum_range attribute. */
    public static final float DEFAULT_ENSURE_MINIMUM_RANGE = 0.01f;

    /** The integer that stands for the range's end: 255 for quint8, 127 for qint8 (TF drops -128). */
    public static float limit(DType t) {
        return switch (t) {
            case QUINT8 -> 255f;
            case QINT8 -> 127f;
            default -> throw new IllegalArgumentException("not an 8-bit quantized type: " + t);
        };
    }

    public static float range(float min, float max) {
        return Math.max(Math.abs(min), Math.abs(max));
    }

    /** Real value of one step of a tensor of type t whose range is [min, max]: the conv's src/dst/summand scales. */
    public static float scale(DType t, float min, float max) {
        return range(min, max) / limit(t);
    }

    /** Real value of one step of a qint8 filter channel with range [min, max]. */
    public static float filterScale(float min, float max) {
        return range(min, max) / 127f;
    }

    /**
     * The constant TF divides a qint32 bias by to get the float bias the convolution adds:
     * limit(Tinput)*127 / (inputRange * filterRange), so bias_f = bias_q * inputScale * filterScale[oc].
     */
    public static float qint32BiasDivisor(DType tinput, float inputRange, float filterRange) {
        return limit(tinput) * 127f / (inputRange * filterRange);
    }

    /** The float bias TF uses for one channel of a qint32 bias. */
    public static float qint32BiasToFloat(long biasQ, DType tinput, float inputRange, float filterRange) {
        return (float) biasQ / qint32BiasDivisor(tinput, inputRange, filterRange);
    }

    /** Scale of a Dequantize (mode SCALED, narrow_range false): quint8 max/255, qint8 max(min/-128, max/127). */
    public static float dequantizeScale(DType t, float min, float max) {
        return t == DType.QINT8 ? Math.max(min / -128f, max / 127f) : max / 255f;
    }

    /**
     * What QuantizeV2 (mode SCALED) does with its min/max inputs: min is pulled to 0 or below, max nudged to at least
     * min + ensure_minimum_range * max(1, |min|, |max|); then the range is symmetric. The multiplier is 255/range for
     * quint8 but 127.5/range for qint8 (TF's kernel uses (2^8-1)/2, not 127), while the range it reports, and
     * every consumer's scale, is range/127: a qint8 QuantizeV2 output is 127.5/127 times too large.
     */
    public record QuantizeV2Range(float outMin, float outMax, float multiplier) {}

    public static QuantizeV2Range quantizeV2(DType t, float inMin, float inMax, float ensureMinimumRange) {
        float minRange = Math.min(0f, inMin);
        float epsilon = Math.max(1f, Math.max(Math.abs(inMin), Math.abs(inMax))) * ensureMinimumRange;
        float maxRange = Math.max(0f, Math.max(inMax, minRange + epsilon));
        float maxAbs = Math.max(Math.abs(minRange), Math.abs(maxRange));
        if (t == DType.QINT8) return new QuantizeV2Range(-maxAbs, maxAbs, 127.5f / maxAbs);
        if (t == DType.QUINT8) return new QuantizeV2Range(0f, maxAbs, 255f / maxAbs);
        throw new IllegalArgumentException("QuantizeV2 to " + t + " is not supported");
    }

    /** Round half to even and saturate to the type's full range (qint8 keeps -128 here, as oneDNN does). */
    public static int saturateRound(DType t, float v) {
        double r = Math.rint(v);
        double lo = t == DType.QINT8 ? -128 : 0, hi = t == DType.QINT8 ? 127 : 255;
        return (int) Math.max(lo, Math.min(hi, r));
    }
}
