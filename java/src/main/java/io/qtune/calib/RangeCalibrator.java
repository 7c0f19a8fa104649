package io.qtune.calib;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Turns collected statistics into frozen ranges with a chosen estimator per tensor, and checks every proposed range:
 * one that is not usable (the estimator failed, NaN or infinite, min > max, zero width for data that varies, or
 * one-sided for two-sided data) is replaced by the tensor's min/max, with a warning saying why. Warnings also report
 * tensors that held NaN or infinities (ignored by the statistics) and tensors with no finite value at all (range [0, 0]).
 */
public final class RangeCalibrator {
    private RangeCalibrator() {}

    /** Every tensor of the collector with one estimator. */
    public static CalibrationRanges compute(TensorStats stats, RangeEstimator estimator) {
        return compute(stats.summaries().values(), t -> estimator);
    }

    /** The given tensors, each with the estimator chosen for it (the plan's per-op algorithm, say). */
    public static CalibrationRanges compute(Collection<TensorSummary> summaries, Function<String, RangeEstimator> estimatorFor) {
        SortedMap<String, CalibratedRange> out = new TreeMap<>();
        List<String> warnings = new ArrayList<>();
        List<TensorSummary> sorted = new ArrayList<>(summaries);
        sorted.sort((a, b) -> a.name().compareTo(b.name()));
        for (TensorSummary s : sorted) {
            if (s.nonFiniteCount() > 0) {
                warnings.add(String.format(Locale.ROOT, "tensor '%s': %d NaN, %d +inf, %d -inf of %d values were left out of its statistics",
                        s.name(), s.nanCount(), s.posInfCount(), s.negInfCount(), s.values()));
            }
            out.put(s.name(), calibrate(s.name(), s.stats(), estimatorFor.apply(s.name()), warnings));
        }
        return new CalibrationRanges(out, warnings);
    }

    /** One range per channel of a tensor observed per channel, named {@code tensor[c]}. */
    public static List<CalibratedRange> perChannel(TensorSummary s, RangeEstimator estimator, List<String> warnings) {
        List<CalibratedRange> out = new ArrayList<>();
        for (int c = 0; c < s.channels().size(); c++) {
            out.add(calibrate(s.name() + "[" + c + "]", s.channels().get(c), estimator, warnings));
        }
        return out;
    }

    /** One tensor: the estimator's range if usable, else min/max; problems go to {@code warnings}. */
    public static CalibratedRange calibrate(String name, ValueStats stats, RangeEstimator estimator, List<String> warnings) {
        if (!stats.hasFiniteValues()) {
            warnings.add("tensor '" + name + "': no finite value observed; range set to [0, 0]");
            return new CalibratedRange(name, new TensorRange(0f, 0f), MinMaxRange.INSTANCE.spec(), "no finite values", true);
        }
        RangeEstimate e = estimator.estimate(stats);
        String problem = problem(e, stats);
        if (problem == null) {
            TensorRange r = new TensorRange((float) e.min(), (float) e.max());
            if (r.width() == 0f) warnings.add("tensor '" + name + "': every value is " + r.min() + "; the range has zero width");
            return new CalibratedRange(name, r, estimator.spec(), e.note(), false);
        }
        TensorRange r = new TensorRange(stats.min(), stats.max());
        warnings.add("tensor '" + name + "': " + estimator.spec() + " " + problem + "; using minmax " + r);
        if (r.width() == 0f) warnings.add("tensor '" + name + "': every value is " + r.min() + "; the range has zero width");
        return new CalibratedRange(name, r, MinMaxRange.INSTANCE.spec(), "fallback to minmax: " + problem, true);
    }

    /** Why a proposed range cannot be used for data with these statistics, or null. */
    static String problem(RangeEstimate e, ValueStats s) {
        if (e.isFailed()) return "gave no range (" + e.note() + ")";
        if (!Double.isFinite(e.min()) || !Double.isFinite(e.max())) return "gave a non-finite range [" + e.min() + ", " + e.max() + "]";
        float lo = (float) e.min(), hi = (float) e.max();
        if (!Float.isFinite(lo) || !Float.isFinite(hi)) return "gave a range beyond float [" + e.min() + ", " + e.max() + "]";
        if (lo > hi) return "gave an inverted range [" + lo + ", " + hi + "]";
        if (lo == hi && s.min() < s.max()) return "gave a zero-width range at " + lo + " for data in [" + s.min() + ", " + s.max() + "]";
        if (s.min() < 0f && lo >= 0f) return "gave a one-sided range [" + lo + ", " + hi + "] for data down to " + s.min();
        if (s.max() > 0f && hi <= 0f) return "gave a one-sided range [" + lo + ", " + hi + "] for data up to " + s.max();
        return null;
    }
}
