package io.qtune.quant;

import io.qtune.QtuneException;
import io.qtune.calib.RangeAlgorithm;

/**
 * How one op (by node name) is quantized: its precision, its weight granularity (symmetric int8), and the algorithm
 * that freezes its activation ranges, as a canonical spec ({@code minmax}, {@code kl}, {@code mse},
 * {@code percentile:99.99}, or a registered one). Precision and algorithm are kept for FP32/BF16 ops too, so that a
 * tuner can switch an op back to INT8 without losing its settings.
 */
public record OpPlan(Precision precision, WeightGranularity weights, String activationAlgorithm) {
    public OpPlan {
        if (precision == null) throw new QtuneException("op plan: precision is missing");
        if (weights == null) throw new QtuneException("op plan: weight granularity is missing");
        activationAlgorithm = RangeAlgorithm.parse(activationAlgorithm).spec();
    }

    /** The default for a quantizable op: INT8, per-channel weights, min/max activation ranges (Intel's MLPerf config). */
    public static OpPlan int8() {
        return new OpPlan(Precision.INT8, WeightGranularity.PER_CHANNEL, "minmax");
    }

    public OpPlan withPrecision(Precision p) {
        return new OpPlan(p, weights, activationAlgorithm);
    }

    public OpPlan withWeights(WeightGranularity g) {
        return new OpPlan(precision, g, activationAlgorithm);
    }

    public OpPlan withActivationAlgorithm(String spec) {
        return new OpPlan(precision, weights, spec);
    }
}
