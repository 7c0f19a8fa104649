package io.qtune.calib;

/**
 * Shared by the histogram estimators. They look at |x| and pick a threshold T; the range is [0, T] for
 * non-negative data (the uint8 grid, 255 steps) and [-T, T] for signed data (the symmetric int8 grid, 127 steps
 * per side), as TF's SCALED quantization uses them. T never exceeds the largest |x| seen.
 */
final class Thresholds {
    /** Bins of the view the KL and MSE searches run on, as in the reference (Intel's and TensorRT's) KL. */
    static final int VIEW_BINS = 2048;

    private Thresholds() {}

    static int levels(ValueStats s) {
        return s.signed() ? 127 : 255;
    }

    /** Why a histogram estimator cannot work on these statistics, or null. */
    static String unusable(ValueStats s) {
        if (!s.hasFiniteValues()) return "no finite values observed";
        if (!s.hasHistogram()) return "no histogram was collected";
        if (s.maxAbs() == 0f) return "every value is zero";
        return null;
    }

    static RangeEstimate fromThreshold(ValueStats s, double threshold, String note) {
        float t = (float) Math.min(threshold, s.maxAbs()); // rounding to float is monotone: still <= maxAbs
        return new RangeEstimate(s.signed() ? -t : 0.0, t, note);
    }

    /** Equal-width counts of |x| and the width of one bin. */
    record View(long[] counts, double binWidth) {
        int bins() {
            return counts.length;
        }
    }

    /**
     * The histogram as at most {@code maxBins} equal bins. When the power-of-two histogram occupies more bins than
     * that, its bins are regrouped over [0, maxAbs] by where their centres fall: deterministic, and off by at most one
     * fine bin at a boundary (a quarter of a view bin or less with 16384 fine bins). Otherwise its occupied bins are
     * used as they are.
     */
    static View view(AbsHistogram h, float maxAbs, int maxBins) {
        int occupied = h.topBin() + 1;
        double w = h.binWidth();
        if (occupied <= maxBins) {
            long[] c = new long[Math.max(occupied, 1)];
            for (int j = 0; j < occupied; j++) c[j] = h.count(j);
            return new View(c, w);
        }
        long[] c = new long[maxBins];
        double coarse = (double) maxAbs / maxBins;
        for (int j = 0; j < occupied; j++) {
            long n = h.count(j);
            if (n == 0) continue;
            double centre = (j + 0.5) * w;
            c[(int) Math.min(maxBins - 1, Math.floor(centre / coarse))] += n;
        }
        return new View(c, coarse);
    }
}
