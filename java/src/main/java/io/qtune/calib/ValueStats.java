package io.qtune.calib;

/**
 * What the range algorithms see of a tensor (or of one channel): the min and max of its finite values and, when
 * collected, the histogram of their |x|. min > max means no finite value was seen. Immutable.
 */
public record ValueStats(float min, float max, AbsHistogram histogram) {
    public static ValueStats empty() {
        return new ValueStats(Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, null);
    }

    public boolean hasFiniteValues() {
        return min <= max;
    }

    /** The largest |x|; 0 when nothing finite was seen. */
    public float maxAbs() {
        return hasFiniteValues() ? Math.max(Math.abs(min), Math.abs(max)) : 0f;
    }

    /** Any negative value seen: such a tensor takes the symmetric int8 grid, otherwise the uint8 one. */
    public boolean signed() {
        return hasFiniteValues() && min < 0f;
    }

    public boolean hasHistogram() {
        return histogram != null;
    }
}
