package io.qtune.tune;

import io.qtune.calib.CalibratedRange;
import io.qtune.calib.CalibrationRanges;
import io.qtune.calib.RangeAlgorithm;
import io.qtune.calib.RangeEstimator;
import io.qtune.calib.TensorRange;
import io.qtune.graph.Graph;
import io.qtune.quant.Calibration;
import io.qtune.quant.OpPlan;
import io.qtune.quant.QuantPipeline;
import io.qtune.quant.Precision;
import io.qtune.quant.QuantPlan;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The fused graph, its quantizable ops and the calibration statistics, collected once: the ranges of every activation
 * algorithm come from the same statistics (computed on first use and kept), so a candidate maps to one plan.
 */
public final class TuningSpace {
    private final Graph fused;
    private final Calibration calibration;
    private final List<String> ops;
    private final List<String> observed;
    private final Map<String, Map<String, TensorRange>> rangesByAlgorithm = new HashMap<>();
    private final Set<String> warnings = new LinkedHashSet<>();

    public TuningSpace(Calibration calibration) {
        this.calibration = calibration;
        this.fused = calibration.fused();
        this.ops = QuantPipeline.quantizableOps(fused);
        this.observed = QuantPipeline.observedTensors(fused);
    }

    public Graph fused() {
        return fused;
    }

    /** The ops a plan decides on, in graph order. */
    public List<String> ops() {
        return List.copyOf(ops);
    }

    public synchronized Map<String, TensorRange> ranges(String algorithm) {
        return rangesByAlgorithm.computeIfAbsent(algorithm, a -> {
            RangeEstimator estimator = RangeAlgorithm.parse(a);
            CalibrationRanges r = calibration.ranges(observed, t -> estimator);
            warnings.addAll(r.warnings());
            Map<String, TensorRange> out = new TreeMap<>();
            for (Map.Entry<String, CalibratedRange> e : r.ranges().entrySet()) out.put(e.getKey(), e.getValue().range());
            return out;
        });
    }

    public QuantPlan plan(Candidate c) {
        QuantPlan p = QuantPlan.empty();
        for (String op : ops) {
            Precision prec = c.fp32Ops().contains(op) ? Precision.FP32 : c.bf16Ops().contains(op) ? Precision.BF16 : Precision.INT8;
            p = p.withOp(op, new OpPlan(prec, c.weights(), c.weightRange(), c.algorithm()));
        }
        return p.withRanges(ranges(c.algorithm()));
    }

    /** Range fallbacks and data problems seen while computing ranges (minmax used instead of a failed KL, say). */
    public synchronized List<String> warnings() {
        return List.copyOf(warnings);
    }
}
