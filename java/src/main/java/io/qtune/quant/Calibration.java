package io.qtune.quant;

import io.qtune.calib.CalibrationRanges;
import io.qtune.calib.RangeCalibrator;
import io.qtune.calib.RangeEstimator;
import io.qtune.calib.TensorStats;
import io.qtune.graph.Graph;
import java.util.Collection;
import java.util.function.Function;

/**
 * What calibrating a fused graph once gives: its streaming statistics, from which the ranges of any algorithm are
 * derived without touching the images again (the tuner asks for several algorithms, the quantizer for one).
 */
public record Calibration(Graph fused, TensorStats stats, int images, double seconds) {
    /** Ranges of {@code tensors}, each by the estimator {@code algorithmOf} names for it. */
    public CalibrationRanges ranges(Collection<String> tensors, Function<String, RangeEstimator> algorithmOf) {
        return RangeCalibrator.compute(tensors.stream().map(stats::summary).toList(), algorithmOf);
    }
}
