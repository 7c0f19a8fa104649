package io.qtune.calib;

import io.qtune.kernels.Kernels;
import java.util.Locale;

/**
 * Entropy calibration as in Intel's 2020 tool and TensorRT: over a 2048-bin histogram of |x|, candidate i keeps bins
 * [0, i) and folds the rest into bin i-1 (the reference distribution P); the kept bins merged into 255 levels
 * (uint8 data) or 127 (signed data, symmetric int8) and spread back over P's nonzero bins give Q; the threshold is
 * (i + 0.5) bin widths for the i of least KL(P || Q), i from int(2047 * 0.7) to 2047. A candidate whose bin i-1 is
 * empty is skipped (as in Intel's tool), which keeps Q > 0 wherever P > 0, so no smoothing of zero bins is needed.
 * When every candidate is skipped, the threshold keeps the bins up to the highest nonzero one below the window
 * (Intel's fallback). The search is {@link Kernels#klSearch}.
 */
public final class KlRange implements RangeEstimator {
    private final Kernels kernels;

    public KlRange() {
        this(Kernels.standard());
    }

    /** With pinned kernels (the tests': package-private, so io.qtune.kernels stays out of the module's API). */
    KlRange(Kernels kernels) {
        this.kernels = kernels;
    }

    @Override
    public String spec() {
        return "kl";
    }

    @Override
    public RangeEstimate estimate(ValueStats s) {
        String why = Thresholds.unusable(s);
        if (why != null) return RangeEstimate.failed(why);
        Thresholds.View v = Thresholds.view(s.histogram(), s.maxAbs(), Thresholds.VIEW_BINS);
        int n = v.bins();
        int levels = Thresholds.levels(s);
        if (n <= levels) return RangeEstimate.failed("histogram has " + n + " bins, not more than the " + levels + " levels");
        int start = (int) ((n - 1) * 0.7);
        Kernels.Search r = kernels.klSearch(v.counts(), n, levels, Math.max(start, levels), n - 1);
        int kept = r.index();
        String note;
        if (kept >= 0) {
            note = String.format(Locale.ROOT, "kl: kept %d of %d bins, %d levels, divergence %.6g", kept, n, levels, r.score());
        } else {
            int j = start - 1;
            while (j >= 0 && v.counts()[j] == 0) j--;
            if (j < 0) return RangeEstimate.failed("kl: no nonzero bin below the search window");
            kept = j + 1;
            note = String.format(Locale.ROOT, "kl: bins %d..%d all empty; kept the %d bins up to the last nonzero one",
                    start, n - 2, kept);
        }
        return Thresholds.fromThreshold(s, (kept + 0.5) * v.binWidth(), note);
    }
}
