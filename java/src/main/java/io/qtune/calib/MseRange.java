package io.qtune.calib;

import io.qtune.kernels.Kernels;
import java.util.Locale;

/**
 * The threshold that minimises the expected squared quantization error of the tensor on its target grid (255 steps
 * for uint8 data, 127 per side for signed data), computed from the 2048-bin |x| histogram with the values spread
 * uniformly inside each bin: rounding error below the threshold integrated exactly over each bin, clipping error
 * above it. Candidates are every bin edge; ties go to the smaller threshold. The search is {@link Kernels#mseSearch}.
 */
public final class MseRange implements RangeEstimator {
    private final Kernels kernels;

    public MseRange() {
        this(Kernels.standard());
    }

    /** With pinned kernels (the tests': package-private, so io.qtune.kernels stays out of the module's API). */
    MseRange(Kernels kernels) {
        this.kernels = kernels;
    }

    @Override
    public String spec() {
        return "mse";
    }

    @Override
    public RangeEstimate estimate(ValueStats s) {
        String why = Thresholds.unusable(s);
        if (why != null) return RangeEstimate.failed(why);
        Thresholds.View v = Thresholds.view(s.histogram(), s.maxAbs(), Thresholds.VIEW_BINS);
        int levels = Thresholds.levels(s);
        Kernels.Search r = kernels.mseSearch(v.counts(), v.bins(), levels);
        if (r.index() < 0) return RangeEstimate.failed("mse: empty histogram");
        double w = v.binWidth();
        double threshold = (r.index() + 1) * w;
        return Thresholds.fromThreshold(s, threshold, String.format(Locale.ROOT,
                "mse: threshold at bin edge %d of %d, %d levels, expected squared error %.6g per value",
                r.index() + 1, v.bins(), levels, r.score() * w * w));
    }
}
