package io.qtune.calib;

import io.qtune.QtuneException;
import io.qtune.kernels.Kernels;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The threshold below which at least {@code percent}% of the |x| values lie: the upper edge of the histogram bin
 * holding the value of rank ceil(percent/100 * count), capped at the largest |x|. So at most (100 - percent)% of the
 * values are clipped, and the threshold is within one (power-of-two) bin width above the exact percentile.
 */
public final class PercentileRange implements RangeEstimator {
    public static final double DEFAULT_PERCENT = 99.99;

    private final double percent;
    private final Kernels kernels;

    public PercentileRange() {
        this(DEFAULT_PERCENT);
    }

    public PercentileRange(double percent) {
        this(percent, Kernels.standard());
    }

    /** With pinned kernels (the tests': package-private, so io.qtune.kernels stays out of the module's API). */
    PercentileRange(double percent, Kernels kernels) {
        if (!(percent > 0 && percent <= 100)) {
            throw new QtuneException("percentile must be in (0, 100], got " + percent);
        }
        this.percent = percent;
        this.kernels = kernels;
    }

    public double percent() {
        return percent;
    }

    @Override
    public String spec() {
        return "percentile:" + BigDecimal.valueOf(percent).stripTrailingZeros().toPlainString();
    }

    /** The 1-based rank of the percentile value among {@code total} values, computed exactly in decimal. */
    static long rank(double percent, long total) {
        long r = BigDecimal.valueOf(percent).multiply(BigDecimal.valueOf(total))
                .divide(BigDecimal.valueOf(100), 0, RoundingMode.CEILING).longValueExact();
        return Math.max(1, Math.min(total, r));
    }

    @Override
    public RangeEstimate estimate(ValueStats s) {
        String why = Thresholds.unusable(s);
        if (why != null) return RangeEstimate.failed(why);
        AbsHistogram h = s.histogram();
        long total = h.total();
        long rank = rank(percent, total);
        int bin = kernels.percentileSearch(h.counts(), h.bins(), rank);
        double threshold = (bin + 1) * h.binWidth();
        return Thresholds.fromThreshold(s, threshold, spec() + ": value " + rank + " of " + total + " lies in bin " + bin
                + " of width 2^" + h.exponent());
    }
}
