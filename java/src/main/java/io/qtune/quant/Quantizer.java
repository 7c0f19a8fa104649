package io.qtune.quant;

import io.qtune.QtuneException;
import io.qtune.InvalidSetting;
import io.qtune.calib.CalibrationRanges;

import io.qtune.calib.MinMaxRange;
import io.qtune.calib.RangeAlgorithm;
import io.qtune.calib.RangeEstimator;
import io.qtune.data.DataSpec;
import io.qtune.data.LabeledImages;
import io.qtune.export.Int8GraphWriter;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Post-training quantization of a frozen FP32 graph through the {@link QuantPipeline}: fuse, calibrate, plan, write
 * the INT8 GraphDef. Immutable and configured through {@link #builder()}; {@link #quantize} may be called many times.
 * Calibration images come per call, or from the builder ({@link Builder#calibration(LabeledImages)} or a data spec).
 */
public final class Quantizer {
    private final String algorithm;
    private final WeightGranularity weights;
    private final WeightRange weightRange;
    private final int calibSize;
    private final int batch;
    private final QuantPlan basePlan;
    private final Int8GraphWriter.ArgMaxOutput argMaxOutput;
    private final LabeledImages calibration;
    private final String calibrationSpec;

    private Quantizer(Builder b) {
        this.algorithm = b.algorithm.spec();
        this.calibration = b.calibration;
        this.calibrationSpec = b.calibrationSpec;
        this.weights = b.weights;
        this.weightRange = b.weightRange;
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
        OpPlan op = new OpPlan(Precision.INT8, weights, weightRange, algorithm);
        for (String name : QuantPipeline.quantizableOps(fused)) p = p.withOp(name, op);
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
     * Quantizes {@code fp32Model} with the builder's calibration images (a {@link LabeledImages} or a data spec opened
     * at the model's input size; none is fine when the plan has every range), and writes the INT8 graph to {@code out}.
     */
    public Result quantize(Path fp32Model, Path out, IntConsumer progress) {
        if (calibration != null || calibrationSpec == null) return quantize(fp32Model, calibration, out, progress);
        io.qtune.OutputPaths.check(List.of(new io.qtune.OutputPaths.Output("output", out)), List.of(fp32Model));
        Graph fused = QuantPipeline.fuse(fp32Model);
        int size = Math.toIntExact(fused.placeholders().get(0).attrShape("shape").dims()[1]);
        try (LabeledImages images = DataSpec.open(calibrationSpec, size)) {
            return quantize(fused, images, out, progress);
        }
    }

    /**
     * Quantizes {@code fp32Model}, calibrating on {@code calibration} (may be null when the plan already has every
     * range), and writes the INT8 graph atomically to {@code out}.
     */
    public Result quantize(Path fp32Model, LabeledImages calibration, Path out, IntConsumer progress) {
        io.qtune.OutputPaths.check(List.of(new io.qtune.OutputPaths.Output("output", out)), List.of(fp32Model));
        return quantize(QuantPipeline.fuse(fp32Model), calibration, out, progress);
    }

    private Result quantize(Graph fused, LabeledImages calibration, Path out, IntConsumer progress) {
        QuantPlan plan = defaultPlan(fused);
        List<String> missing = QuantPipeline.observedTensors(fused).stream().filter(t -> !plan.ranges().containsKey(t)).toList();
        List<String> warnings = new ArrayList<>();
        QuantPlan full = plan;
        int images = 0;
        double seconds = 0;
        if (!missing.isEmpty()) {
            if (calibration == null) {
                throw new InvalidSetting("calib", "is missing and the plan lacks ranges for " + missing.size()
                        + " tensors (first: '" + missing.get(0) + "'): give calibration images");
            }
            Calibration c = QuantPipeline.calibrate(fused, calibration, calibSize, batch, progress);
            images = c.images();
            seconds = c.seconds();
            CalibrationRanges ranges = c.ranges(missing, t -> RangeAlgorithm.parse(algorithmFor(fused, plan, t)));
            warnings.addAll(ranges.warnings());
            Map<String, io.qtune.calib.TensorRange> found = new LinkedHashMap<>();
            ranges.ranges().forEach((t, r) -> found.put(t, r.range()));
            full = plan.withRanges(found);
        }
        Int8GraphWriter.Result r = QuantPipeline.write(fused, full, out, argMaxOutput);
        warnings.addAll(r.warnings());
        return new Result(full, r.graph(), r.notes(), warnings, images, seconds);
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
        private RangeEstimator algorithm = MinMaxRange.INSTANCE;
        private LabeledImages calibration;
        private String calibrationSpec;
        private WeightGranularity weights = WeightGranularity.PER_CHANNEL;
        private WeightRange weightRange = WeightRange.DEFAULT;
        private int calibSize = CalibrationRun.DEFAULT_SIZE;
        private int batch = 4;
        private QuantPlan plan = QuantPlan.empty();
        private Int8GraphWriter.ArgMaxOutput argMaxOutput = Int8GraphWriter.ArgMaxOutput.CAST;

        /** Activation range algorithm: minmax (default, as Intel's MLPerf run), kl, mse, percentile[:P]. */
        public Builder algorithm(RangeEstimator estimator) {
            this.algorithm = java.util.Objects.requireNonNull(estimator, "algorithm");
            return this;
        }

        /** Calibration images for {@link #quantize(Path, Path, IntConsumer)}; the caller keeps and closes them. */
        public Builder calib(LabeledImages images) {
            this.calibration = images;
            this.calibrationSpec = null;
            return this;
        }

        /** Calibration images as a data spec ({@link DataSpec#FORMS}), opened at the model's input size per call. */
        public Builder calib(String spec) {
            this.calibrationSpec = spec;
            this.calibration = null;
            return this;
        }

        public Builder weights(WeightGranularity g) {
            this.weights = g;
            return this;
        }

        /** 7bit (default: exact on every CPU) or 8bit (exact only where the CPU has VNNI); see {@link WeightRange}. */
        public Builder weightRange(WeightRange r) {
            this.weightRange = java.util.Objects.requireNonNull(r, "weightRange");
            return this;
        }

        public Builder calibSize(int n) {
            if (n < 1) throw new InvalidSetting("calibSize", "must be at least 1, got " + n);
            this.calibSize = n;
            return this;
        }

        /** Images per calibration batch: the statistics do not depend on it, memory does. */
        public Builder batch(int n) {
            if (n < 1) throw new InvalidSetting("batch", "must be at least 1, got " + n);
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
