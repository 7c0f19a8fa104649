package io.qtune.tune;

import io.qtune.AtomicFiles;
import io.qtune.Json;
import io.qtune.Sha256;

import io.qtune.QtuneException;
import io.qtune.calib.CalibrationRun;
import io.qtune.calib.TensorStats;
import io.qtune.data.DataSpec;
import io.qtune.data.LabelOffset;
import io.qtune.data.LabeledImages;
import io.qtune.eval.Classifiers;
import io.qtune.export.Int8GraphWriter;
import io.qtune.export.PlanDecisions;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.passes.Passes;
import io.qtune.quant.OpPlan;
import io.qtune.quant.QuantPlan;
import io.qtune.report.TuneReport;
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
                         Map<String, Object> report) {
        /** 0 when the criterion was met, 4 when the best plan so far was written instead. */
        public int exitCode() {
            return met ? 0 : EXIT_NOT_MET;
        }
    }

    public Result tune() {
        long t0 = System.nanoTime();
        boolean embedded = o.model == null;
        Path modelFile = embedded ? ProxyModel.file() : o.model;
        String calibSpec = o.calib != null ? o.calib : embedded ? "fashion-mnist:train" : null;
        String evalSpec = o.eval != null ? o.eval : embedded ? ProxyModel.DEFAULT_DATA : null;
        if (calibSpec == null) throw new QtuneException("--calib is required with --model");
        if (evalSpec == null) throw new QtuneException("--eval is required with --model");
        if (o.out == null) throw new QtuneException("--out is required");
        // every output is checked now, not after the search: a bad path fails in a second
        io.qtune.OutputPaths.check(List.of(new io.qtune.OutputPaths.Output("--out", o.out),
                new io.qtune.OutputPaths.Output("plan", sibling(o.out, ".plan.json")),
                new io.qtune.OutputPaths.Output("--json", jsonFile()), new io.qtune.OutputPaths.Output("--html", htmlFile())),
                java.util.Arrays.asList(modelFile, o.workdir == null ? null : o.workdir.resolve(TuningHistory.FILE)));
        Graph fused = Passes.fuseForInference(GraphDefCodec.read(modelFile));
        Classifiers.ScoresOutput scores = Classifiers.ScoresOutput.of(GraphDefCodec.read(modelFile));
        int size = scores.imageSize();

        TensorStats stats;
        long c0 = System.nanoTime();
        try (LabeledImages calib = DataSpec.open(calibSpec, size)) {
            int total = Math.min(o.calibSize, calib.size());
            stats = CalibrationRun.collect(fused, calib, o.calibSize, o.calibBatch, n -> o.listener.calibrating(n, total));
        }
        double calibSeconds = (System.nanoTime() - c0) / 1e9;
        TuningSpace space = new TuningSpace(fused, stats);

        try (LabeledImages evalAll = DataSpec.open(evalSpec, size)) {
            LabeledImages eval = o.evalLimit > 0 && o.evalLimit < evalAll.size() ? new SpreadSubset(evalAll, o.evalLimit) : evalAll;
            LabelOffset offset = LabelOffset.forDataset(eval, scores.classes(), OptionalInt.empty());
            Strategy strategy = Strategy.named(o.strategy);
            Map<String, Object> options = options(calibSpec, evalSpec, strategy);
            String dataDigest = digest(eval);
            String context = Sha256.hex(Json.write(options) + "|" + Sha256.hex(modelFile) + "|" + dataDigest).substring(0, 16);
            TuningHistory history = o.workdir == null ? TuningHistory.none() : TuningHistory.open(o.workdir, context);
            if (history.tornLine() != null) o.listener.message(history.tornLine());
            try (RuntimePlanEvaluator evaluator = new RuntimePlanEvaluator(space, modelFile, eval, offset, o.subsetSize, o.runtime,
                    Runtime.getRuntime().availableProcessors(), o.workdir == null ? null : o.workdir.resolve("scratch"))) {
                Search search = new Search(evaluator, o.criterion, space.ops(), history, o.listener, o.objective,
                        o.timeBudget == null ? 0 : o.timeBudget.toNanos(), o.maxTrials, System::nanoTime);
                if (evaluator.runtimeNote() != null) o.listener.message(evaluator.runtimeNote());
                AtomicBoolean written = new AtomicBoolean();
                Map<String, Object> provenance = provenance(modelFile, calibSpec, evalSpec, dataDigest, options);
                Thread hook = new Thread(() -> {
                    search.requestStop("interrupted");
                    if (written.compareAndSet(false, true)) {
                        Trial best = search.bestSoFar();
                        if (best != null) write(space, search, evaluator, best, "interrupted", "interrupted", calibSeconds, t0, provenance, false);
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
                return write(space, search, evaluator, best, met ? "met" : "not-met", stopReason, calibSeconds, t0, provenance, true);
            }
        }
    }

    private Result write(TuningSpace space, Search search, RuntimePlanEvaluator evaluator, Trial best, String status, String stopReason,
                         double calibSeconds, long t0, Map<String, Object> provenance, boolean layerErrors) {
        QuantPlan plan = space.plan(best.candidate());
        Int8GraphWriter.Result g = new Int8GraphWriter(Int8GraphWriter.ArgMaxOutput.CAST).write(space.fused(), new PlanDecisions(plan), o.out);
        Path planFile = sibling(o.out, ".plan.json");
        plan.write(planFile);
        double fp32Acc = search.fp32(Stage.FULL).accuracy();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("status", status);
        r.put("met", "met".equals(status));
        r.put("stop_reason", stopReason);
        r.put("criterion", o.criterion.spec());
        r.put("threshold", search.fullThreshold());
        r.put("strategy", o.strategy);
        r.put("objective", o.objective == Search.Objective.FASTEST ? "fastest" : "first-pass");
        r.put("runtime", evaluator.runtime());
        r.put("runtime_note", evaluator.runtimeNote());
        Map<String, Object> fp32 = new LinkedHashMap<>();
        fp32.put("accuracy", fp32Acc);
        fp32.put("images", search.fp32(Stage.FULL).images());
        fp32.put("throughput", searchFp32Throughput(search));
        r.put("fp32", fp32);
        Map<String, Object> int8 = new LinkedHashMap<>();
        int8.put("candidate", best.candidate().key());
        int8.put("stage", best.stage().id());
        int8.put("accuracy", best.m().accuracy());
        int8.put("images", best.m().images());
        int8.put("throughput", best.throughput());
        int8.put("int8_ops", plan.ops().size() - best.candidate().fp32Ops().size());
        int8.put("fp32_ops", new ArrayList<>(best.candidate().fp32Ops()));
        r.put("int8", int8);
        List<Trial> trials = search.trials();
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("trials", trials.size());
        counts.put("full_evaluations", search.fullEvaluations());
        counts.put("subset_evaluations", search.subsetEvaluations());
        counts.put("resumed", search.resumedTrials());
        r.put("counts", counts);
        List<Object> planRows = new ArrayList<>();
        for (String op : space.ops()) {
            OpPlan p = plan.op(op);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("op", op);
            row.put("precision", p.precision().name());
            row.put("weights", p.weights() == io.qtune.quant.WeightGranularity.PER_CHANNEL ? "per-channel" : "per-tensor");
            row.put("algorithm", p.activationAlgorithm());
            planRows.add(row);
        }
        r.put("plan", planRows);
        List<Object> layers = new ArrayList<>();
        if (layerErrors && o.layerErrorImages > 0) {
            Graph fused = space.fused();
            String input = fused.placeholders().get(0).name();
            try (LabeledImages eval = DataSpec.open(String.valueOf(provenance.get("eval_spec")), ProxyModelSize.of(fused))) {
                int n = Math.min(o.layerErrorImages, eval.size());
                int px = eval.height() * eval.width() * 3;
                float[] imgs = new float[n * px];
                int[] idx = CalibrationRun.pick(eval.size(), n);
                for (int i = 0; i < n; i++) eval.load(idx[i], imgs, i * px);
                for (LayerErrors.LayerError e : LayerErrors.compute(fused, g.graph(), plan, input, new long[] {n, eval.height(), eval.width(), 3}, imgs)) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("op", e.op());
                    row.put("precision", e.precision());
                    row.put("sqnr_db", e.sqnrDb());
                    row.put("cosine", e.cosine());
                    layers.add(row);
                }
                r.put("layer_error_images", n);
            }
        }
        r.put("layer_errors", layers);
        List<Object> trialRows = new ArrayList<>();
        for (Trial t : trials) {
            Map<String, Object> row = t.toMap();
            // the subset is the least confident images, so its own top-1 is far below the full set's; show the prediction
            if (t.stage() == Stage.SUBSET) row.put("predicted_full", search.predictedFull(t));
            trialRows.add(row);
        }
        r.put("trials", trialRows);
        Map<String, Object> secs = new LinkedHashMap<>();
        secs.put("calibration", calibSeconds);
        secs.put("total", (System.nanoTime() - t0) / 1e9);
        r.put("seconds", secs);
        Map<String, Object> outputs = new LinkedHashMap<>();
        outputs.put("model", o.out.toString());
        outputs.put("plan", planFile.toString());
        outputs.put("json", jsonFile().toString());
        outputs.put("html", htmlFile().toString());
        if (o.workdir != null) outputs.put("history", o.workdir.resolve(TuningHistory.FILE).toString());
        r.put("outputs", outputs);
        List<Object> warnings = new ArrayList<>(space.warnings());
        warnings.addAll(g.warnings());
        r.put("warnings", warnings);
        r.put("provenance", provenance);
        AtomicFiles.write(jsonFile(), (Json.write(r) + "\n").getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(htmlFile(), TuneReport.html(r).getBytes(StandardCharsets.UTF_8));
        return new Result("met".equals(status), status, best, fp32Acc, search.fullThreshold(), trials.size(), search.fullEvaluations(),
                search.subsetEvaluations(), search.resumedTrials(), (System.nanoTime() - t0) / 1e9, stopReason, r);
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
        m.put("objective", o.objective.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        m.put("runtime", o.runtime);
        return m;
    }

    private Map<String, Object> provenance(Path model, String calibSpec, String evalSpec, String dataDigest, Map<String, Object> options) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("tool", "qtune " + VERSION);
        p.put("java", System.getProperty("java.version"));
        p.put("model", model.toString());
        p.put("model_sha256", Sha256.hex(model));
        p.put("calib_spec", calibSpec);
        p.put("eval_spec", evalSpec);
        p.put("eval_content_sha256", dataDigest);
        p.put("eval_content_note", "sha256 over every label and id and the decoded pixels of up to 256 images spread over the set");
        Map<String, Object> opts = new LinkedHashMap<>(options);
        opts.put("time_budget_s", o.timeBudget == null ? null : o.timeBudget.toMillis() / 1000.0);
        opts.put("max_trials", o.maxTrials);
        opts.put("workdir", o.workdir == null ? null : o.workdir.toString());
        p.put("options", opts);
        return p;
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


    /** The square input size of a fused graph. */
    private static final class ProxyModelSize {
        static int of(Graph fused) {
            return Math.toIntExact(fused.placeholders().get(0).attrShape("shape").dims()[1]);
        }
    }

    public static final class Builder {
        private Path model, out, json, html, workdir;
        private String calib, eval, strategy = "sensitivity", runtime = "auto";
        private AccuracyCriterion criterion = AccuracyCriterion.parse("relative:0.01");
        private Search.Objective objective = Search.Objective.FIRST_PASS;
        private Duration timeBudget;
        private int maxTrials, calibSize = CalibrationRun.DEFAULT_SIZE, calibBatch = 50, subsetSize = 1000, evalLimit, layerErrorImages = 4;
        private boolean shutdownHook;
        private TuningListener listener = new TuningListener() {};

        /** Null: the embedded proxy model (with fashion-mnist:train / fashion-mnist:test unless given). */
        public Builder model(Path p) { this.model = p; return this; }
        public Builder calib(String spec) { this.calib = spec; return this; }
        public Builder eval(String spec) { this.eval = spec; return this; }
        public Builder out(Path p) { this.out = p; return this; }
        /** The JSON report; default beside --out as NAME.tune.json. */
        public Builder json(Path p) { this.json = p; return this; }
        /** The HTML report; default beside the JSON report. */
        public Builder html(Path p) { this.html = p; return this; }
        public Builder workdir(Path p) { this.workdir = p; return this; }
        public Builder criterion(AccuracyCriterion c) { this.criterion = c; return this; }
        public Builder strategy(String s) { Strategy.named(s); this.strategy = s; return this; }
        public Builder runtime(String r) { this.runtime = r; return this; }

        public Builder objective(String s) {
            this.objective = switch (s == null ? "" : s) {
                case "first-pass" -> Search.Objective.FIRST_PASS;
                case "fastest" -> Search.Objective.FASTEST;
                default -> throw new QtuneException("--objective must be first-pass or fastest, got '" + s + "'");
            };
            return this;
        }

        public Builder timeBudget(Duration d) { this.timeBudget = d; return this; }

        public Builder maxTrials(int n) {
            if (n < 0) throw new QtuneException("--max-trials must be 0 (no limit) or more, got " + n);
            this.maxTrials = n;
            return this;
        }

        public Builder calibSize(int n) {
            if (n < 1) throw new QtuneException("--calib-size must be at least 1, got " + n);
            this.calibSize = n;
            return this;
        }

        public Builder subsetSize(int n) {
            if (n < 1) throw new QtuneException("--subset must be at least 1, got " + n);
            this.subsetSize = n;
            return this;
        }

        /** Evaluate on this many images spread over the set (0: all). */
        public Builder evalLimit(int n) {
            if (n < 0) throw new QtuneException("--eval-limit must be 0 (all) or more, got " + n);
            this.evalLimit = n;
            return this;
        }

        public Builder layerErrorImages(int n) { this.layerErrorImages = Math.max(0, n); return this; }
        public Builder shutdownHook(boolean b) { this.shutdownHook = b; return this; }
        public Builder listener(TuningListener l) { this.listener = l; return this; }

        public Tuner build() {
            return new Tuner(this);
        }
    }

    /** Parses 90s, 10m, 2h or 1h30m. */
    public static Duration parseDuration(String s) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?").matcher(s == null ? "" : s.trim());
        if (s == null || s.isBlank() || !m.matches()) throw new QtuneException("--time-budget '" + s + "': use e.g. 90s, 10m, 2h or 1h30m");
        long secs = 0;
        if (m.group(1) != null) secs += Long.parseLong(m.group(1)) * 3600;
        if (m.group(2) != null) secs += Long.parseLong(m.group(2)) * 60;
        if (m.group(3) != null) secs += Long.parseLong(m.group(3));
        if (secs == 0) throw new QtuneException("--time-budget '" + s + "' is zero");
        return Duration.ofSeconds(secs);
    }
}
