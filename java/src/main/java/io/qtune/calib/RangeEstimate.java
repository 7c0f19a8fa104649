package io.qtune.calib;

/**
 * What a {@link RangeEstimator} proposes for one tensor, with a note on how it got there. It may be unusable
 * (NaN, infinite, empty, one-sided for two-sided data): {@link RangeCalibrator} checks it and falls back to min/max.
 */
public record RangeEstimate(double min, double max, String note) {
    /** An estimator that cannot give a range says why. */
    public static RangeEstimate failed(String why) {
        return new RangeEstimate(Double.NaN, Double.NaN, why);
    }

    public boolean isFailed() {
        return Double.isNaN(min) && Double.isNaN(max);
    }
}
