package io.qtune.tune;

import io.qtune.calib.CalibratedRange;
import io.qtune.calib.CalibrationRanges;
import io.qtune.quant.CalibrationRun;
import io.qtune.calib.RangeAlgorithm;
import io.qtune.calib.RangeCalibrator;
import io.qtune.calib.TensorRange;
import io.qtune.calib.TensorStats;
import io.qtune.calib.TensorSummary;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.quant.OpPlan;
import io.qtune.quant.Precision;
import io.qtune.quant.QuantPlan;
import java.util.ArrayList;
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
    private final List<String> ops = new ArrayList<>();
    private final List<TensorSummary> summaries;
    private final Map<String, Map<String, TensorRange>> rangesByAlgorithm = new HashMap<>();
    private final Set<String> warnings = new LinkedHashSet<>();

    public TuningSpace(Graph fused, TensorStats stats) {
        this.fused = fused;
        for (Node n : fused.nodes()) {
            if (QuantPlan.isQuantizable(n.op())) ops.add(n.name());
        }
        summaries = CalibrationRun.observedTensors(fused).stream().map(stats::summary).toList();
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
            CalibrationRanges r = RangeCalibrator.compute(summaries, t -> RangeAlgorithm.parse(a));
            warnings.addAll(r.warnings());
            Map<String, TensorRange> out = new TreeMap<>();
            for (Map.Entry<String, CalibratedRange> e : r.ranges().entrySet()) out.put(e.getKey(), e.getValue().range());
            return out;
        });
    }

    public QuantPlan plan(Candidate c) {
        QuantPlan p = QuantPlan.empty();
        for (String op : ops) {
            Precision prec = c.fp32Ops().contains(op) ? Precision.FP32 : Precision.INT8;
            p = p.withOp(op, new OpPlan(prec, c.weights(), c.algorithm()));
        }
        return p.withRanges(ranges(c.algorithm()));
    }

    /** Range fallbacks and data problems seen while computing ranges (minmax used instead of a failed KL, say). */
    public synchronized List<String> warnings() {
        return List.copyOf(warnings);
    }
}
