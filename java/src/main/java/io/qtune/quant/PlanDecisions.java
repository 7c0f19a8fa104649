package io.qtune.quant;

import io.qtune.calib.TensorRange;
import io.qtune.export.QuantDecisions;

/** A {@link QuantPlan} as the exporter reads it: ops absent from the plan stay FP32. */
public record PlanDecisions(QuantPlan plan) implements QuantDecisions {
    @Override
    public boolean int8(String fusedNodeName) {
        OpPlan op = plan.ops().get(fusedNodeName);
        return op != null && op.precision() == Precision.INT8;
    }

    @Override
    public boolean bf16(String fusedNodeName) {
        OpPlan op = plan.ops().get(fusedNodeName);
        return op != null && op.precision() == Precision.BF16;
    }

    @Override
    public boolean perChannel(String fusedNodeName) {
        OpPlan op = plan.ops().get(fusedNodeName);
        return op == null || op.weights() == WeightGranularity.PER_CHANNEL;
    }

    @Override
    public boolean sevenBitWeights(String fusedNodeName) {
        OpPlan op = plan.ops().get(fusedNodeName);
        return op != null && op.weightRange() == WeightRange.SEVEN_BIT;
    }

    @Override
    public float[] range(String tensorName) {
        TensorRange r = plan.ranges().get(tensorName);
        return r == null ? null : new float[] {r.min(), r.max()};
    }
}
