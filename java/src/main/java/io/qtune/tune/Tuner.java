package io.qtune.tune;

import io.qtune.AtomicFiles;
import io.qtune.Json;
import io.qtune.Sha256;

import io.qtune.InvalidSetting;
import io.qtune.QtuneException;
import io.qtune.quant.CalibrationRun;
import io.qtune.data.DataSpec;
import io.qtune.data.LabelOffset;
import io.qtune.data.LabeledImages;
import io.qtune.eval.Classifiers;
import io.qtune.eval.Metric;
import io.qtune.export.Int8GraphWriter;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.quant.Calibration;
import io.qtune.quant.OpPlan;
import io.qtune.quant.QuantPipeline;
import io.qtune.quant.QuantPlan;
import io.qtune.quant.WeightRange;
import io.qtune.platform.Machine;
import io.qtune.report.Provenance;
import io.qtune.report.TuneReportHtml;
import io.qtune.report.TuningReport;
import io.qtune.zoo.ProxyModel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Accuracy-driven tuning: calibrate once, measure the FP32 baseline once, walk plans with a {@link Strategy} until
 * one meets the {@link AccuracyCriterion} (or, for {@code fastest}, keep climbing to faster passing plans within the
 * budget), then write the INT8 graph, its plan and a JSON + HTML report. The best plan so far is written also when the
 * criterion is never met ({@link Result#exitCode()} 4) and when the JVM is asked to exit (Ctrl-C, kill).
 */
public final class Tuner {
    public static final String VERSION = "0.1.0";
    public static final int EXIT_NOT_MET = 4;
    private final Builder o;

    private Tuner(Builder b) {
        this.o = b;
    }

    public static Builder builder() {
        return new Builder();
    }

    public record Result(boolean met, String status, Trial written, double fp32Accuracy, double threshold, int trials,
                         int fullEvaluations, int subsetEvaluations, int resumed, double seconds, String stopReason,
                         TuningReport report) {
        /** 0 when the criterion was met, 4 when the best plan so far was written instead. */
        public int exitCode() {
            return met ? 0 : EXIT_NOT_MET;
        }
    }

    public Result tune() {
        long t0 = System.nanoTime();
        boolean embedded = o.model == null;
        Path modelFile = embedded ? ProxyModel.file() : o.model;
        String calibSpec = o.calibImages != null ? apiSpec(o.calibImages) : o.calib != null ? o.calib : embedded ? "fashion-mnist:train" : null;
        String evalSpec = o.evalImages != null ? apiSpec(o.evalImages) : o.eval != null ? o.eval : embedded ? ProxyModel.DEFAULT_DATA : null;
        if (calibSpec == null) throw new InvalidSetting("calib", "is required with a model of your own");
        if (evalSpec == null) throw new InvalidSetting("eval", "is required with a model of your own");
        if (o.out == null) throw new InvalidSetting("out", "is required");
        Strategy strategy = o.strategy != null ? o.strategy : o.metric instanceof Metric.TopK ? Strategy.SENSITIVITY : Strategy.BASIC;
        if (strategy.screensOnSubset() && !(o.metric instanceof Metric.TopK)) {
            throw new InvalidSetting("strategy", strategy.name() + " screens plans on the top-1/top-5 of the least confident evaluation images;"
                    + " with the metric '" + o.metric.id() + "' use basic");
        }
        // every output is checked now, not after the search: a bad path fails in a second
        io.qtune.OutputPaths.check(List.of(new io.qtune.OutputPaths.Output("out", o.out),
                new io.qtune.OutputPaths.Output("plan", sibling(o.out, ".plan.json")),
                new io.qtune.OutputPaths.Output("json", jsonFile()), new io.qtune.OutputPaths.Output("html", htmlFile())),
                java.util.Arrays.asList(modelFile, o.workdir == null ? null : o.workdir.resolve(TuningHistory.FILE)));
        Graph fused = QuantPipeline.fuse(modelFile);
        Classifiers.ScoresOutput scores = Classifiers.ScoresOutput.of(GraphDefCodec.read(modelFile));
        int size = scores.imageSize();

        Calibration calibration;
        try (LabeledImages calib = o.calibImages != null ? borrowed(o.calibImages) : DataSpec.open(calibSpec, size)) {
            int total = Math.min(o.calibSize, calib.size());
            calibration = QuantPipeline.calibrate(fused, calib, o.calibSize, o.calibBatch, n -> o.listener.calibrating(n, total));
        }
        double calibSeconds = calibration.seconds();
        TuningSpace space = new TuningSpace(calibration);
        fallback = fallbackOrder(io.qtune.engine.Bf16Speed.measure(fused, 1, 5), o.fallback);
        o.listener.message("fallback order: " + fallback.order() + ": " + fallback.why());

        try (LabeledImages evalAll = o.evalImages != null ? borrowed(o.evalImages) : DataSpec.open(evalSpec, size)) {
            LabeledImages eval = o.evalLimit > 0 && o.evalLimit < evalAll.size() ? new SpreadSubset(evalAll, o.evalLimit) : evalAll;
            // a user's metric reads its own labels: the evaluation images then need none
            LabelOffset offset = o.metric instanceof Metric.TopK ? LabelOffset.forDataset(eval, scores.classes(), OptionalInt.empty()) : null;
            Map<String, Object> options = options(calibSpec, evalSpec, strategy);
            String dataDigest = digest(eval);
            String context = Sha256.hex(Json.write(options) + "|" + Sha256.hex(modelFile) + "|" + dataDigest).substring(0, 16);
            TuningHistory history = o.workdir == null ? TuningHistory.none() : TuningHistory.open(o.workdir, context);
            if (history.tornLine() != null) o.listener.message(history.tornLine());
            try (RuntimePlanEvaluator evaluator = new RuntimePlanEvaluator(space, modelFile, eval, offset, o.metric, o.subsetSize, o.runtime,
                    Runtime.getRuntime().availableProcessors(), o.workdir == null ? null : o.workdir.resolve("scratch"))) {
                Search search = new Search(evaluator, o.criterion, space.ops(), history, o.listener, o.objective,
                        o.timeBudget == null ? 0 : o.timeBudget.toNanos(), o.maxTrials, System::nanoTime)
                        .fallbacks(fallback.order().stream().skip(1).map(p -> io.qtune.quant.Precision.valueOf(p.toUpperCase(java.util.Locale.ROOT))).toList())
                        .weightRanges(o.weightRanges);
                if (evaluator.runtimeNote() != null) o.listener.message(evaluator.runtimeNote());
                AtomicBoolean written = new AtomicBoolean();
                Provenance provenance = provenance(modelFile, calibSpec, evalSpec, dataDigest, options);
                Run run = new Run(space, search, evaluator, strategy, evalAll, calibSeconds, t0, provenance);
                Thread hook = new Thread(() -> {
                    search.requestStop("interrupted");
                    if (written.compareAndSet(false, true)) {
                        Trial best = search.bestSoFar();
                        if (best != null) write(run, best, "interrupted", "interrupted", false);
                    }
                }, "qtune-tune-shutdown");
                if (o.shutdownHook) Runtime.getRuntime().addShutdownHook(hook);
                String stopReason = null;
                try {
                    search.fp32(Stage.FULL);
                    Optional<Candidate> found = strategy.search(search);
                    if (found.isPresent() && o.objective == Search.Objective.FASTEST) {
                        search.fp32Throughput();
                        FastestSearch.climb(search, found.get(), strategy.screensOnSubset());
                    }
                } catch (Search.Stopped s) {
                    stopReason = s.getMessage();
                } finally {
                    if (o.shutdownHook) {
                        try {
                            Runtime.getRuntime().removeShutdownHook(hook);
                        } catch (IllegalStateException shuttingDown) {
                            // the hook is running and writes the outputs
                        }
                    }
                }
                if (!written.compareAndSet(false, true)) throw new QtuneException("interrupted");
                Trial best = search.bestSoFar();
                if (best == null) throw new QtuneException("no trial finished (" + stopReason + "): nothing to write");
                if (stopReason == null && search.accepted() == null) stopReason = "the strategy ran out of candidates";
                // time a plan we write when nothing was timed, so the report can show the trade-off
                if (best.stage() == Stage.FULL && Double.isNaN(best.throughput())) {
                    try {
                        best = search.speed(best);
                        search.fp32Throughput();
                    } catch (Search.Stopped ignored) {
                        // the budget is spent: the report shows no throughput
                    }
                }
                boolean met = search.accepted() != null;
                return write(run, best, met ? "met" : "not-met", stopReason, true);
            }
        }
    }

    /** What writing the outputs needs from one tuning run. */
    private record Run(TuningSpace space, Search search, RuntimePlanEvaluator evaluator, Strategy strategy, LabeledImages evalAll,
                       double calibSeconds, long t0, Provenance provenance) {}

    /** Images the caller gave: used, never closed, by the tuner. */
    private static LabeledImages borrowed(LabeledImages images) {
        return new LabeledImages() {
            @Override public int size() { return images.size(); }
            @Override public int height() { return images.height(); }
            @Override public int width() { return images.width(); }
            @Override public int numLabels() { return images.numLabels(); }
            @Override public int label(int i) { return images.label(i); }
            @Override public String id(int i) { return images.id(i); }
            @Override public void load(int i, float[] dst, int offset) { images.load(i, dst, offset); }
        };
    }

    /** How reports and histories name images given as an object: their content digest identifies them. */
    private static String apiSpec(LabeledImages images) {
        return "api:" + images.getClass().getName();
    }

    /**
     * Where ops that miss the criterion go: INT8 -> BF16 -> FP32 where the CPU runs bf16 natively (the reference
     * tool's order), else INT8 -> FP32; and INT8 -> FP32 where BF16 is clearly slower than FP32 (a Xeon without AMX):
     * there FP32 is both faster and more accurate, so BF16 is not picked for speed. {@code requested}
     * ({@code --fallback}) overrides.
     */
    static TuningReport.Fallback fallbackOrder(io.qtune.engine.Bf16Speed speed, List<io.qtune.quant.Precision> requested) {
        boolean worthIt = speed.bf16Native() && !speed.bf16ClearlySlower();
        boolean bf16 = requested != null ? requested.contains(io.qtune.quant.Precision.BF16) : worthIt;
        String why = requested != null ? "as --fallback asked; "
                : worthIt ? "the CPU runs bf16 natively; "
                : speed.bf16Native() ? "bf16 is more than 15% slower than fp32 on this CPU, so ops fall back to fp32; " : "";
        if (bf16 && !speed.bf16Native()) why += "BF16 ops run in FP32 in the oneDNN engine on this CPU; ";
        return new TuningReport.Fallback(bf16 ? List.of("int8", "bf16", "fp32") : List.of("int8", "fp32"), why + speed.describe(),
                speed.bf16Faster(), speed.bf16FloorMs(), speed.fp32FloorMs());
    }

    private TuningReport.Fallback fallback;

    private Result write(Run run, Trial best, String status, String stopReason, boolean layerErrors) {
        TuningSpace space = run.space();
        Search search = run.search();
        RuntimePlanEvaluator evaluator = run.evaluator();
        QuantPlan plan = space.plan(best.candidate());
        Int8GraphWriter.Result g = QuantPipeline.write(space.fused(), plan, o.out, Int8GraphWriter.ArgMaxOutput.CAST);
        Path planFile = sibling(o.out, ".plan.json");
        plan.write(planFile);
        double fp32Acc = search.fp32(Stage.FULL).accuracy();
        TuningReport.Fp32 fp32 = new TuningReport.Fp32(fp32Acc, search.fp32(Stage.FULL).images(), searchFp32Throughput(search));
        TuningReport.Int8 int8 = new TuningReport.Int8(best.candidate().key(), best.stage().id(), best.m().accuracy(), best.m().images(),
                best.throughput(), plan.ops().size() - best.candidate().fallbackOps().size(), new ArrayList<>(best.candidate().fp32Ops()),
                new ArrayList<>(best.candidate().bf16Ops()));
        List<Trial> trials = search.trials();
        TuningReport.Counts counts = new TuningReport.Counts(trials.size(), search.fullEvaluations(), search.subsetEvaluations(),
                search.resumedTrials());
        List<TuningReport.PlanRow> planRows = new ArrayList<>();
        for (String op : space.ops()) {
            OpPlan p = plan.op(op);
            planRows.add(new TuningReport.PlanRow(op, p.precision().name(),
                    (p.weights() == io.qtune.quant.WeightGranularity.PER_CHANNEL ? "per-channel/" : "per-tensor/") + p.weightRange().spec(),
                    p.activationAlgorithm()));
        }
        List<TuningReport.LayerErrorRow> layers = new ArrayList<>();
        Integer layerErrorImages = null;
        if (layerErrors && o.layerErrorImages > 0) {
            Graph fused = space.fused();
            String input = fused.placeholders().get(0).name();
            LabeledImages eval = run.evalAll();
            int n = Math.min(o.layerErrorImages, eval.size());
            int px = eval.height() * eval.width() * 3;
            float[] imgs = new float[n * px];
            int[] idx = CalibrationRun.pick(eval.size(), n);
            for (int i = 0; i < n; i++) eval.load(idx[i], imgs, i * px);
            // the reference interpreters read BF16 ops as FP32 ops on the bf16-rounded weights
            Graph written = new io.qtune.graph.passes.ReadBf16().apply(g.graph());
            for (LayerErrors.LayerError e : LayerErrors.compute(fused, written, plan, input, new long[] {n, eval.height(), eval.width(), 3}, imgs)) {
                layers.add(new TuningReport.LayerErrorRow(e.op(), e.precision(), e.sqnrDb(), e.cosine()));
            }
            layerErrorImages = n;
        }
        List<TuningReport.TrialRow> trialRows = new ArrayList<>();
        for (Trial t : trials) {
            // the subset is the least confident images, so its own top-1 is far below the full set's; show the prediction
            trialRows.add(trialRow(t, t.stage() == Stage.SUBSET ? search.predictedFull(t) : null));
        }
        TuningReport.Seconds secs = new TuningReport.Seconds(run.calibSeconds(), (System.nanoTime() - run.t0()) / 1e9);
        TuningReport.Outputs outputs = new TuningReport.Outputs(o.out.toString(), planFile.toString(), jsonFile().toString(),
                htmlFile().toString(), o.workdir == null ? null : o.workdir.resolve(TuningHistory.FILE).toString());
        List<String> warnings = new ArrayList<>(space.warnings());
        warnings.addAll(g.warnings());
        TuningReport r = new TuningReport(status, "met".equals(status), stopReason, o.criterion.spec(), o.metric.id(),
                search.fullThreshold(), run.strategy().name(), o.objective.id(), evaluator.runtime(), evaluator.runtimeNote(), fp32, int8,
                counts, planRows, layerErrorImages, layers, trialRows, secs, outputs, warnings, run.provenance(), Machine.current(), fallback);
        AtomicFiles.write(jsonFile(), (r.toJson() + "\n").getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(htmlFile(), TuneReportHtml.render(r).getBytes(StandardCharsets.UTF_8));
        return new Result("met".equals(status), status, best, fp32Acc, search.fullThreshold(), trials.size(), search.fullEvaluations(),
                search.subsetEvaluations(), search.resumedTrials(), (System.nanoTime() - run.t0()) / 1e9, stopReason, r);
    }

    private static TuningReport.TrialRow trialRow(Trial t, Double predictedFull) {
        Measurement m = t.m();
        return new TuningReport.TrialRow(t.index(), t.phase(), t.stage().id(), t.candidate().algorithm(),
                t.candidate().weightsName() + "/" + t.candidate().weightRange().spec(),
                new ArrayList<>(t.candidate().fp32Ops()), m.accuracy(), m.images(), m.divergence(), m.disagreements(), m.seconds(),
                t.throughput(), t.passed(), t.resumed(), predictedFull, new ArrayList<>(t.candidate().bf16Ops()));
    }

    /** FP32 throughput if it was measured (the fastest objective or a timed written plan); never measured here. */
    private static double searchFp32Throughput(Search s) {
        try {
            return s.fp32ThroughputIfMeasured();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private Path jsonFile() {
        return o.json != null ? o.json : sibling(o.out, ".tune.json");
    }

    private Path htmlFile() {
        return o.html != null ? o.html : sibling(jsonFile(), ".html");
    }

    /** model.pb -> model.plan.json; report.json -> report.html. */
    static Path sibling(Path p, String suffix) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return p.resolveSibling(stem + suffix);
    }

    private Map<String, Object> options(String calibSpec, String evalSpec, Strategy strategy) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("calib", calibSpec);
        m.put("calib_size", o.calibSize);
        m.put("eval", evalSpec);
        m.put("eval_limit", o.evalLimit);
        m.put("subset", o.subsetSize);
        m.put("criterion", o.criterion.spec());
        m.put("strategy", strategy.name());
        m.put("objective", o.objective.id());
        m.put("runtime", o.runtime.id());
        // the order asked for, not the one measured: a default order decided by timing may come out otherwise on a
        // rerun under load, and trials name their precisions anyway (absent when not asked, so older histories resume)
        if (o.fallback != null) m.put("fallback", o.fallback.stream().map(p -> p.name().toLowerCase(java.util.Locale.ROOT)).toList());
        // absent for top-1, so histories written before there were metrics still resume
        if (o.metric != Metric.TOP1) m.put("metric", o.metric.id());
        m.put("weight_ranges", o.weightRanges.stream().map(WeightRange::spec).toList());
        return m;
    }

    private Provenance provenance(Path model, String calibSpec, String evalSpec, String dataDigest, Map<String, Object> options) {
        Map<String, Object> opts = new LinkedHashMap<>(options);
        opts.put("time_budget_s", o.timeBudget == null ? null : o.timeBudget.toMillis() / 1000.0);
        opts.put("max_trials", o.maxTrials);
        opts.put("workdir", o.workdir == null ? null : o.workdir.toString());
        return new Provenance("qtune " + VERSION, System.getProperty("java.version"), model.toString(), Sha256.hex(model), calibSpec,
                evalSpec, dataDigest, "sha256 over every label and id and the decoded pixels of up to 256 images spread over the set", opts);
    }

    /** Digest of the evaluation data as the model sees it (any source: files, synthetic, a subset view). */
    static String digest(LabeledImages d) {
        MessageDigest md = Sha256.digest();
        ByteBuffer bb = ByteBuffer.allocate(8);
        for (int i = 0; i < d.size(); i++) {
            md.update(bb.clear().putInt(d.label(i)).array(), 0, 4);
            md.update(d.id(i).getBytes(StandardCharsets.UTF_8));
        }
        int px = d.height() * d.width() * 3;
        float[] img = new float[px];
        ByteBuffer pb = ByteBuffer.allocate(px * 4);
        for (int i : CalibrationRun.pick(d.size(), 256)) {
            d.load(i, img, 0);
            pb.clear();
            pb.asFloatBuffer().put(img);
            md.update(pb.array());
        }
        return Sha256.hex(md);
    }


    /** Every setting is typed (the CLI parses its strings into these); data comes as spec strings or as images. */
    public static final class Builder {
        private Path model, out, json, html, workdir;
        private String calib, eval;
        private LabeledImages calibImages, evalImages;
        private Strategy strategy;
        private TrialRuntime runtime = TrialRuntime.AUTO;
        private Metric metric = Metric.TOP1;
        private AccuracyCriterion criterion = new AccuracyCriterion(AccuracyCriterion.Kind.RELATIVE, 0.01);
        private Search.Objective objective = Search.Objective.FIRST_PASS;
        private Duration timeBudget;
        private int maxTrials, calibSize = CalibrationRun.DEFAULT_SIZE, calibBatch = 50, subsetSize = 1000, evalLimit, layerErrorImages = 4;
        private boolean shutdownHook;
        private List<io.qtune.quant.Precision> fallback;
        private List<WeightRange> weightRanges = List.of(WeightRange.DEFAULT);
        private TuningListener listener = new TuningListener() {};

        /** Null: the embedded proxy model (with fashion-mnist:train / fashion-mnist:test unless given). */
        public Builder model(Path p) { this.model = p; return this; }
        /** Calibration images as a data spec ({@link DataSpec#FORMS}). */
        public Builder calib(String spec) { this.calib = spec; this.calibImages = null; return this; }
        /** Calibration images of your own (labels unused); the tuner reads them and leaves them open. */
        public Builder calib(LabeledImages images) { this.calibImages = images; this.calib = null; return this; }
        /** Evaluation images as a data spec; labeled for top-1/top-5. */
        public Builder eval(String spec) { this.eval = spec; this.evalImages = null; return this; }
        /**
         * Evaluation images of your own, read and left open: labeled for top-1/top-5; with a user's metric they serve
         * only the runtime probe, the timing runs and the per-layer errors, and need no labels.
         */
        public Builder eval(LabeledImages images) { this.evalImages = images; this.eval = null; return this; }
        public Builder out(Path p) { this.out = p; return this; }
        /** The JSON report; default beside --out as NAME.tune.json. */
        public Builder json(Path p) { this.json = p; return this; }
        /** The HTML report; default beside the JSON report. */
        public Builder html(Path p) { this.html = p; return this; }
        public Builder workdir(Path p) { this.workdir = p; return this; }
        /** The criterion applies to the metric's score: relative to FP32's score, or an absolute drop in its units. */
        public Builder criterion(AccuracyCriterion c) { this.criterion = java.util.Objects.requireNonNull(c, "criterion"); return this; }
        /** Default: sensitivity for top-1/top-5, basic for a user's metric (which cannot be screened on a subset). */
        public Builder strategy(Strategy s) { this.strategy = s; return this; }
        public Builder runtime(TrialRuntime r) { this.runtime = java.util.Objects.requireNonNull(r, "runtime"); return this; }
        /** {@link Metric#TOP1} (default), {@link Metric#TOP5}, or {@link Metric#custom} with your own evaluation. */
        public Builder metric(Metric m) { this.metric = java.util.Objects.requireNonNull(m, "metric"); return this; }
        public Builder objective(Search.Objective obj) { this.objective = java.util.Objects.requireNonNull(obj, "objective"); return this; }

        public Builder timeBudget(Duration d) { this.timeBudget = d; return this; }

        public Builder maxTrials(int n) {
            if (n < 0) throw new InvalidSetting("maxTrials", "must be 0 (no limit) or more, got " + n);
            this.maxTrials = n;
            return this;
        }

        public Builder calibSize(int n) {
            if (n < 1) throw new InvalidSetting("calibSize", "must be at least 1, got " + n);
            this.calibSize = n;
            return this;
        }

        public Builder subsetSize(int n) {
            if (n < 1) throw new InvalidSetting("subset", "must be at least 1, got " + n);
            this.subsetSize = n;
            return this;
        }

        /** Evaluate on this many images spread over the set (0: all). */
        public Builder evalLimit(int n) {
            if (n < 0) throw new InvalidSetting("evalLimit", "must be 0 (all) or more, got " + n);
            this.evalLimit = n;
            return this;
        }

        public Builder layerErrorImages(int n) { this.layerErrorImages = Math.max(0, n); return this; }
        public Builder shutdownHook(boolean b) { this.shutdownHook = b; return this; }
        /** Where ops out of INT8 go, in order: [BF16, FP32] or [FP32]; null: BF16 first where the CPU runs it natively. */
        public Builder fallback(List<io.qtune.quant.Precision> order) {
            if (order != null && !(order.equals(List.of(io.qtune.quant.Precision.FP32))
                    || order.equals(List.of(io.qtune.quant.Precision.BF16, io.qtune.quant.Precision.FP32)))) {
                throw new InvalidSetting("fallback", "must be bf16,fp32 or fp32, got " + order.toString().toLowerCase(java.util.Locale.ROOT));
            }
            this.fallback = order == null ? null : List.copyOf(order);
            return this;
        }
        /**
         * The weight ranges the model-wide configs take, in the order they are tried (default: [7bit]). 8-bit weights
         * are exact only on a CPU with VNNI (WeightRange); a tuned model is deployed wherever it is, so 8bit is opt-in.
         */
        public Builder weightRanges(List<WeightRange> ranges) {
            if (ranges == null || ranges.isEmpty() || new java.util.HashSet<>(ranges).size() != ranges.size()) {
                throw new InvalidSetting("weightRanges", "must name 7bit and/or 8bit, each once, got "
                        + (ranges == null ? "none" : String.join(",", ranges.stream().map(WeightRange::spec).toList())));
            }
            this.weightRanges = List.copyOf(ranges);
            return this;
        }
        public Builder listener(TuningListener l) { this.listener = l; return this; }

        public Tuner build() {
            return new Tuner(this);
        }
    }

    /** Parses 90s, 10m, 2h or 1h30m. */
    public static Duration parseDuration(String s) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?").matcher(s == null ? "" : s.trim());
        if (s == null || s.isBlank() || !m.matches()) throw new InvalidSetting("timeBudget", "'" + s + "': use e.g. 90s, 10m, 2h or 1h30m");
        long secs = 0;
        if (m.group(1) != null) secs += Long.parseLong(m.group(1)) * 3600;
        if (m.group(2) != null) secs += Long.parseLong(m.group(2)) * 60;
        if (m.group(3) != null) secs += Long.parseLong(m.group(3));
        if (secs == 0) throw new InvalidSetting("timeBudget", "'" + s + "' is zero");
        return Duration.ofSeconds(secs);
    }
}
