package io.qtune.quant;

import io.qtune.QtuneException;
import io.qtune.calib.CalibrationRanges;
import io.qtune.calib.CalibrationRun;
import io.qtune.calib.RangeAlgorithm;
import io.qtune.calib.RangeCalibrator;
import io.qtune.calib.TensorStats;
import io.qtune.data.LabeledImages;
import io.qtune.export.Int8GraphWriter;
import io.qtune.export.PlanDecisions;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.passes.Passes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Post-training quantization of a frozen FP32 graph: fuse, calibrate, plan, write the INT8 GraphDef.
 * Immutable and configured through {@link #builder()}; {@link #quantize} may be called many times.
 */
public final class Quantizer {
    private final String algorithm;
    private final WeightGranularity weights;
    private final int calibSize;
    private final int batch;
    private final QuantPlan basePlan;
    private final Int8GraphWriter.ArgMaxOutput argMaxOutput;

    private Quantizer(Builder b) {
        this.algorithm = RangeAlgorithm.parse(b.algorithm).spec();
        this.weights = b.weights;
        this.calibSize = b.calibSize;
        this.batch = b.batch;
        this.basePlan = b.plan;
        this.argMaxOutput = b.argMaxOutput;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What a quantization produced: the plan used (with every range), exporter notes and warnings, timings. */
    public record Result(QuantPlan plan, Graph int8Graph, List<String> notes, List<String> warnings,
                         int calibrationImages, double calibrationSeconds) {}

    /** The plan every quantizable op of the fused graph gets by default, before ranges. */
    public QuantPlan defaultPlan(Graph fused) {
        QuantPlan p = QuantPlan.empty();
        OpPlan op = new OpPlan(Precision.INT8, weights, algorithm);
        for (Node n : fused.nodes()) {
            if (Ops.isConv(n.op()) || n.op().equals(Ops.MAX_POOL)) p = p.withOp(n.name(), op);
        }
        // a plan given by the user overrides the defaults op by op, and brings its frozen ranges
        for (Map.Entry<String, OpPlan> e : basePlan.ops().entrySet()) {
            if (!fused.contains(e.getKey())) {
                throw new QtuneException("plan names op '" + e.getKey() + "', which the fused graph does not have");
            }
            p = p.withOp(e.getKey(), e.getValue());
        }
        return p.withRanges(basePlan.ranges());
    }

    /**
     * Quantizes {@code fp32Model}, calibrating on {@code calibration} (may be null when the plan already has every
     * range), and writes the INT8 graph atomically to {@code out}.
     */
    public Result quantize(Path fp32Model, LabeledImages calibration, Path out, IntConsumer progress) {
        io.qtune.OutputPaths.check(List.of(new io.qtune.OutputPaths.Output("output", out)), List.of(fp32Model));
        Graph fused = Passes.fuseForInference(GraphDefCodec.read(fp32Model));
        QuantPlan plan = defaultPlan(fused);
        List<String> missing = CalibrationRun.observedTensors(fused).stream().filter(t -> !plan.ranges().containsKey(t)).toList();
        List<String> warnings = new ArrayList<>();
        int images = 0;
        double seconds = 0;
        if (!missing.isEmpty()) {
            if (calibration == null) {
                throw new QtuneException("no calibration data given and the plan lacks ranges for " + missing.size()
                        + " tensors (first: '" + missing.get(0) + "'): pass --calib");
            }
            long t0 = System.nanoTime();
            TensorStats stats = CalibrationRun.collect(fused, calibration, calibSize, batch, progress);
            seconds = (System.nanoTime() - t0) / 1e9;
            images = Math.min(calibSize, calibration.size());
            CalibrationRanges ranges = RangeCalibrator.compute(
                    missing.stream().map(stats::summary).toList(), t -> RangeAlgorithm.parse(algorithmFor(fused, plan, t)));
            warnings.addAll(ranges.warnings());
            Map<String, io.qtune.calib.TensorRange> found = new LinkedHashMap<>();
            ranges.ranges().forEach((t, r) -> found.put(t, r.range()));
            return finish(fused, plan.withRanges(found), out, warnings, images, seconds);
        }
        return finish(fused, plan, out, warnings, images, seconds);
    }

    private Result finish(Graph fused, QuantPlan plan, Path out, List<String> warnings, int images, double seconds) {
        Int8GraphWriter.Result r = new Int8GraphWriter(argMaxOutput).write(fused, new PlanDecisions(plan), out);
        List<String> w = new ArrayList<>(warnings);
        w.addAll(r.warnings());
        return new Result(plan, r.graph(), r.notes(), w, images, seconds);
    }

    /** A tensor's range follows its producer's algorithm; the graph input follows its first planned reader. */
    private String algorithmFor(Graph fused, QuantPlan plan, String tensor) {
        OpPlan own = plan.ops().get(tensor);
        if (own != null) return own.activationAlgorithm();
        for (Node reader : fused.consumers(tensor)) {
            OpPlan p = plan.ops().get(reader.name());
            if (p != null) return p.activationAlgorithm();
        }
        return algorithm;
    }

    public static final class Builder {
        private String algorithm = "minmax";
        private WeightGranularity weights = WeightGranularity.PER_CHANNEL;
        private int calibSize = CalibrationRun.DEFAULT_SIZE;
        private int batch = 4;
        private QuantPlan plan = QuantPlan.empty();
        private Int8GraphWriter.ArgMaxOutput argMaxOutput = Int8GraphWriter.ArgMaxOutput.CAST;

        /** Activation range algorithm: minmax (default, as Intel's MLPerf run), kl, mse, percentile[:P]. */
        public Builder algorithm(String spec) {
            this.algorithm = spec;
            return this;
        }

        public Builder weights(WeightGranularity g) {
            this.weights = g;
            return this;
        }

        public Builder calibSize(int n) {
            if (n < 1) throw new QtuneException("calibration size must be at least 1, got " + n);
            this.calibSize = n;
            return this;
        }

        /** Images per calibration batch: the statistics do not depend on it, memory does. */
        public Builder batch(int n) {
            if (n < 1) throw new QtuneException("calibration batch must be at least 1, got " + n);
            this.batch = n;
            return this;
        }

        /** Per-op settings and frozen ranges that override the defaults. */
        public Builder plan(QuantPlan p) {
            this.plan = p;
            return this;
        }

        public Builder argMaxOutput(Int8GraphWriter.ArgMaxOutput a) {
            this.argMaxOutput = a;
            return this;
        }

        public Quantizer build() {
            return new Quantizer(this);
        }
    }
}
