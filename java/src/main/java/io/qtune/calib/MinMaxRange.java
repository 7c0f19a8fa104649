package io.qtune.calib;

/** The range of the data seen: [min, max] of the finite values. The fallback for every other estimator. */
public final class MinMaxRange implements RangeEstimator {
    public static final MinMaxRange INSTANCE = new MinMaxRange();

    private MinMaxRange() {}

    @Override
    public String spec() {
        return "minmax";
    }

    @Override
    public RangeEstimate estimate(ValueStats stats) {
        if (!stats.hasFiniteValues()) return RangeEstimate.failed("no finite values observed");
        return new RangeEstimate(stats.min(), stats.max(), "minmax");
    }
}
