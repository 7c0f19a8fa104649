package io.qtune.calib;

import io.qtune.QtuneException;

/** A frozen activation range: finite floats with min <= max. -0 is stored as +0. */
public record TensorRange(float min, float max) {
    public TensorRange {
        if (!Float.isFinite(min) || !Float.isFinite(max) || min > max) {
            throw new QtuneException("range [" + min + ", " + max + "] must be finite with min <= max");
        }
        min = min == 0f ? 0f : min;
        max = max == 0f ? 0f : max;
    }

    public float width() {
        return max - min;
    }

    @Override
    public String toString() {
        return "[" + min + ", " + max + "]";
    }
}
