package io.qtune.quant;

import io.qtune.QtuneException;
import io.qtune.calib.RangeAlgorithm;

/**
 * How one op (by node name) is quantized: its precision, its weights (symmetric int8: granularity and
 * {@link WeightRange}), and the algorithm that freezes its activation ranges, as a canonical spec ({@code minmax},
 * {@code kl}, {@code mse}, {@code percentile:99.99}, or a registered one). Precision and algorithm are kept for
 * FP32/BF16 ops too, so that a tuner can switch an op back to INT8 without losing its settings.
 */
public record OpPlan(Precision precision, WeightGranularity weights, WeightRange weightRange, String activationAlgorithm) {
    public OpPlan {
        if (precision == null) throw new QtuneException("op plan: precision is missing");
        if (weights == null) throw new QtuneException("op plan: weight granularity is missing");
        if (weightRange == null) throw new QtuneException("op plan: weight range is missing");
        activationAlgorithm = RangeAlgorithm.parse(activationAlgorithm).spec();
    }

    /** An op plan with the default {@link WeightRange}. */
    public OpPlan(Precision precision, WeightGranularity weights, String activationAlgorithm) {
        this(precision, weights, WeightRange.DEFAULT, activationAlgorithm);
    }

    /** The default for a quantizable op: INT8, per-channel weights in the default range, min/max activation ranges. */
    public static OpPlan int8() {
        return new OpPlan(Precision.INT8, WeightGranularity.PER_CHANNEL, "minmax");
    }

    public OpPlan withPrecision(Precision p) {
        return new OpPlan(p, weights, weightRange, activationAlgorithm);
    }

    public OpPlan withWeights(WeightGranularity g) {
        return new OpPlan(precision, g, weightRange, activationAlgorithm);
    }

    public OpPlan withWeightRange(WeightRange r) {
        return new OpPlan(precision, weights, r, activationAlgorithm);
    }

    public OpPlan withActivationAlgorithm(String spec) {
        return new OpPlan(precision, weights, weightRange, spec);
    }
}
