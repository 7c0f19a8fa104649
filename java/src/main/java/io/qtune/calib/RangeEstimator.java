package io.qtune.calib;

/**
 * A way of turning collected statistics into an activation range. The built-in ones are listed in
 * {@link RangeAlgorithm}; others can be added by implementing this and registering a parser with
 * {@link RangeAlgorithm#register}, so that plans can name them.
 */
public interface RangeEstimator {
    /** The name plans use for this estimator with its settings, e.g. {@code kl} or {@code percentile:99.99}. */
    String spec();

    /** A range for data with these statistics; {@link RangeEstimate#failed} when the statistics do not allow one. */
    RangeEstimate estimate(ValueStats stats);
}
