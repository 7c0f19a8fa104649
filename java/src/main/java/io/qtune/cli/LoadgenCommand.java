package io.qtune.cli;

import io.qtune.AtomicFiles;
import io.qtune.QtuneException;
import io.qtune.bench.BenchEngine;
import io.qtune.bench.BenchEngines;
import io.qtune.bench.Benchmark;
import io.qtune.data.DataSpec;
import io.qtune.data.LabelOffset;
import io.qtune.data.LabeledImages;
import io.qtune.engine.Model;
import io.qtune.eval.Classifiers;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.loadgen.AccuracyLog;
import io.qtune.loadgen.AccuracyScore;
import io.qtune.loadgen.ImageLibrary;
import io.qtune.loadgen.KServeSystemUnderTest;
import io.qtune.loadgen.LoadGen;
import io.qtune.loadgen.PeakFinder;
import io.qtune.loadgen.Scenario;
import io.qtune.loadgen.ServiceSystemUnderTest;
import io.qtune.loadgen.Summary;
import io.qtune.loadgen.SystemUnderTest;
import io.qtune.loadgen.TestSettings;
import io.qtune.platform.Machine;
import io.qtune.platform.Threads;
import io.qtune.serve.ServiceConfig;
import io.qtune.zoo.ProxyModel;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qtune loadgen}: MLPerf-style scenarios against the in-process engine or a KServe v2 server. */
@Command(name = "loadgen", mixinStandardHelpOptions = true,
        description = {"Run an MLPerf Inference scenario (Offline, Server, SingleStream, MultiStream) the way LoadGen does: "
                + "performance samples loaded before timing, the schedule made up front from the seed, VALID/INVALID "
                + "with reasons and early stopping. Writes mlperf_log_summary.txt and .json (and mlperf_log_accuracy.json "
                + "in accuracy mode) to --out.",
                "Defaults are a quick check (60 s); MLPerf itself needs 600 s and more queries, and the summary says so."})
public final class LoadgenCommand implements Callable<Integer> {
    @Option(names = "--scenario", required = true, paramLabel = "NAME", description = "offline, server, singlestream or multistream.")
    String scenario;

    @Option(names = "--model", paramLabel = "FILE", description = "Frozen graph (FP32 or INT8) run in-process. Default: the embedded proxy ResNet50.")
    Path model;

    @Option(names = "--url", paramLabel = "URL", description = "A KServe v2 model endpoint instead, http://127.0.0.1:PORT/v2/models/NAME.")
    String url;

    @Option(names = "--http-tensors", paramLabel = "FORM", defaultValue = "binary", description = "With --url: the input tensor as "
            + "raw bytes after a JSON header (binary, the protocol's binary tensor extension) or as JSON numbers (json) (default: ${DEFAULT-VALUE}).")
    String httpTensors;

    @Option(names = "--data", paramLabel = "SPEC", description = "Data set: " + DataSpec.FORMS + ". Default: fashion-mnist:test.")
    String data;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Use only the first N images of the data set (0: all).")
    int limit;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "1024", description = "Performance sample set loaded before timing (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "performance", description = "performance or accuracy (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--target-qps", paramLabel = "Q", description = "Server: Poisson arrival rate (start of --find-peak, default 10 there). Offline: expected samples/s that sizes the query (default: measured in warm-up).")
    Double targetQps;

    @Option(names = "--latency-bound", paramLabel = "TIME", defaultValue = "15ms", description = "Server bound on the 99th percentile latency (default: ${DEFAULT-VALUE}, ResNet50's).")
    String latencyBound;

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = "60s", description = "Minimum run length (default: ${DEFAULT-VALUE}; MLPerf: 600s).")
    String duration;

    @Option(names = "--min-queries", paramLabel = "N", description = "Minimum queries (Offline: samples). Default: MLPerf's for the scenario (Offline 24576, MultiStream 662, others 100).")
    Long minQueries;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed of the sample set, sample order and arrivals (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--instances", paramLabel = "N", defaultValue = "1", description = "In-process: serving instances of the inference service over the model (default: ${DEFAULT-VALUE}).")
    int instances;

    @Option(names = "--threads", paramLabel = "T", defaultValue = "0", description = "OpenMP threads per in-process serving instance (default 0: OMP_NUM_THREADS, else all cores; the adaptive team may use fewer when other processes hold cores).")
    int threads;

    @Option(names = "--max-batch", paramLabel = "B", defaultValue = "8", description = "Largest batch the in-process service's batcher forms, or samples per HTTP request (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--max-delay", paramLabel = "TIME", defaultValue = "0ms", description = "How long the batcher waits for more samples to fill a batch (default: ${DEFAULT-VALUE}: it batches what is already queued, never delaying a lone query).")
    String maxDelay;

    @Option(names = "--queue", paramLabel = "IMAGES", defaultValue = "0", description = "In-process: most samples waiting in the service's queue; "
            + "a sample refused when it is full fails the run (default 0: no bound, as an Offline query hands over all its samples at once; "
            + "a waiting sample holds only a reference to its loaded image).")
    int queue;

    @Option(names = "--find-peak", description = "Server: search the highest target QPS that stays VALID, and report it.")
    boolean findPeak;

    @Option(names = "--peak-precision", paramLabel = "F", defaultValue = "0.05", description = "Peak search stops when the bracket is within this fraction (default: ${DEFAULT-VALUE}).")
    double peakPrecision;

    @Option(names = "--bench-batches", split = ",", paramLabel = "B", description = "In-process only: before and after the run, time fixed-batch inference (qtune bench's loop) of the same model at these batch sizes and print the ratios to the mean of the two.")
    List<Integer> benchBatches;

    @Option(names = "--bench-seconds", paramLabel = "S", defaultValue = "10", description = "Measured seconds per bench batch size (default: ${DEFAULT-VALUE}).")
    double benchSeconds;

    @Option(names = LabelOffset.OPTION, paramLabel = "K", description = "Accuracy mode, in-process: model class = label + K for the top-1 printed. Default: from the class counts.")
    Integer labelOffset;

    @Option(names = "--quiet", description = "No progress line.")
    boolean quiet;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the summary and the accuracy log.")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Scenario sc = Scenario.parse(scenario);
        TestSettings.Mode m = switch (mode.toLowerCase(Locale.ROOT)) {
            case "performance" -> TestSettings.Mode.PERFORMANCE;
            case "accuracy" -> TestSettings.Mode.ACCURACY;
            default -> throw new QtuneException("--mode must be performance or accuracy, got '" + mode + "'");
        };
        if (model != null && url != null) throw new QtuneException("give --model or --url, not both");
        if (findPeak && sc != Scenario.SERVER) throw new QtuneException("--find-peak applies to the Server scenario only");
        if (findPeak && m != TestSettings.Mode.PERFORMANCE) throw new QtuneException("--find-peak needs --mode performance");
        if (benchBatches != null && url != null) throw new QtuneException("--bench-batches times the in-process model; it does not apply with --url");
        if (sc == Scenario.SERVER && m == TestSettings.Mode.PERFORMANCE && targetQps == null && !findPeak) {
            throw new QtuneException("the Server scenario needs --target-qps (or --find-peak)");
        }
        double qps = targetQps != null ? targetQps : findPeak ? 10 : 0;
        TestSettings settings = new TestSettings(sc, m, qps, nanos(latencyBound, "--latency-bound"), nanos(duration, "--duration"),
                minQueries != null ? minQueries : sc.mlperfMinQueries(), samples, seed);
        String dataSpec = data != null ? data : ProxyModel.DEFAULT_DATA;

        List<AutoCloseable> toClose = new ArrayList<>();
        try {
            SystemUnderTest sut;
            ImageLibrary qsl;
            Path modelFile = null;
            Integer classes = null;
            Model engine = null;
            LabeledImages images;
            if (url != null) {
                URI uri = URI.create(url);
                HttpClient client = KServeSystemUnderTest.client();
                KServeSystemUnderTest.Metadata meta = KServeSystemUnderTest.metadata(client, uri);
                images = DataSpec.open(dataSpec, meta.imageSize());
                toClose.add(images);
                qsl = new ImageLibrary(images, limit);
                sut = KServeSystemUnderTest.open(client, uri, meta, qsl, maxBatch, tensors(httpTensors));
            } else {
                modelFile = model != null ? model : ProxyModel.file();
                Graph g = GraphDefCodec.read(modelFile);
                Classifiers.ScoresOutput scores = Classifiers.ScoresOutput.of(g);
                classes = scores.classes();
                String argMax = g.sinks().stream().filter(n -> n.op().equals(Ops.ARG_MAX) || n.name().equals("ArgMax"))
                        .map(Node::name).findFirst().orElse(null);
                images = DataSpec.open(dataSpec, scores.imageSize());
                toClose.add(images);
                qsl = new ImageLibrary(images, limit);
                engine = Model.load(modelFile);
                toClose.add(engine);
                sut = ServiceSystemUnderTest.start(engine, qsl, argMax != null ? argMax : scores.softmax(), argMax == null, serviceConfig());
            }
            toClose.add(0, sut);
            LoadGen loadgen = new LoadGen();
            Thread progress = quiet ? null : progressLine(loadgen, err);
            Map<String, Object> json;
            String text;
            try {
                if (m == TestSettings.Mode.ACCURACY) {
                    LoadGen.AccuracyRun run = loadgen.accuracy(settings, sut, qsl);
                    Path log = out.resolve(AccuracyLog.FILE_NAME);
                    AccuracyLog.write(log, run.entries());
                    json = new LinkedHashMap<>();
                    json.put("sut_name", sut.name());
                    json.put("scenario", sc.mlperfName());
                    json.put("mode", m.mlperfName);
                    json.put("samples", run.samples());
                    json.put("duration_ns", run.wallNs());
                    json.put("accuracy_log", log.toString());
                    StringBuilder t = new StringBuilder();
                    t.append(String.format(Locale.ROOT, "================================================%nMLPerf Results Summary%n"
                            + "================================================%nSUT name : %s%nScenario : %s%nMode     : %s%n"
                            + "Samples  : %d (every sample of the data set once)%nAccuracy log : %s%n",
                            sut.name(), sc.mlperfName(), m.mlperfName, run.samples(), log));
                    if (classes != null) {
                        LabelOffset offset = LabelOffset.forDataset(images, classes,
                                labelOffset == null ? OptionalInt.empty() : OptionalInt.of(labelOffset));
                        AccuracyScore score = AccuracyScore.of(run.entries(), images, offset);
                        json.put("top1", score.top1());
                        json.put("label_offset", offset.offset());
                        t.append(String.format(Locale.ROOT, "top-1 : %.4f (%d/%d, %s)%n", score.top1(), score.good(), score.total(), offset));
                    } else {
                        t.append("top-1 : run qtune loadgen-accuracy --log " + log + " --data " + dataSpec + "\n");
                    }
                    text = t.toString();
                } else {
                    // the fixed-batch loop is timed before and after the scenario, and the comparison uses their
                    // mean: on a shared machine the speed drifts between the two, and one side alone would carry it
                    List<io.qtune.report.BenchResult> before = benchBatches == null ? null
                            : timeBench(settings.seed(), modelFile, engine, qsl, err, "before");
                    Summary summary;
                    if (findPeak) {
                        PeakFinder.Peak peak = PeakFinder.search(settings.targetQps(), peakPrecision,
                                q -> loadgen.performance(settings.withTargetQps(q), sut, qsl, true), line -> {
                                    err.println("\r" + line);
                                    err.flush();
                                });
                        summary = peak.summary();
                        summary.put("peak_qps", peak.qps());
                        summary.put("peak_search", peak.trialMaps());
                        summary.note(String.format(Locale.ROOT, "peak Server QPS staying VALID: %.2f (%d trials)", peak.qps(), peak.trials().size()));
                    } else {
                        summary = loadgen.performance(settings, sut, qsl);
                    }
                    if (sut instanceof ServiceSystemUnderTest service) {
                        // the service splits a formed batch into sizes that keep batch-1 bits: say which, as they bound throughput
                        int[] sizes = service.service().identicalBatchSizes();
                        summary.put("service_batch_sizes", sizes);
                        summary.note("in-process service: formed batches run in sizes " + java.util.Arrays.toString(sizes)
                                + " (those whose outputs matched batch 1 bit for bit at start)");
                    }
                    if (before != null) compareWithBench(summary, before, timeBench(settings.seed(), modelFile, engine, qsl, err, "after"));
                    json = summary.toMap();
                    text = summary.text();
                }
            } finally {
                if (progress != null) {
                    progress.interrupt();
                    try {
                        progress.join(2000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    err.println();
                    err.flush();
                }
            }
            Machine machine = Machine.current();
            json.put("machine", machine.toMap());
            text += "\n================================================\nMachine\n================================================\n"
                    + machine.header() + "\n";
            json.put("settings_cli", cliSettings(settings));
            AtomicFiles.write(out.resolve(Summary.TEXT_FILE), text.getBytes(StandardCharsets.UTF_8));
            AtomicFiles.write(out.resolve(Summary.JSON_FILE), Summary.json(json).getBytes(StandardCharsets.UTF_8));
            o.print(text);
            o.printf("wrote %s and %s%n", out.resolve(Summary.TEXT_FILE), out.resolve(Summary.JSON_FILE));
            o.flush();
            return 0;
        } finally {
            for (AutoCloseable c : toClose) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing is best effort; the run's outcome is already written
                }
            }
        }
    }

    /** The in-process service from --instances, --threads (0: the default team), --max-batch, --max-delay, --queue. */
    private ServiceConfig serviceConfig() {
        if (instances < 1) throw new QtuneException("--instances must be at least 1, got " + instances);
        if (threads < 0) throw new QtuneException("--threads must not be negative, got " + threads);
        if (maxBatch < 1) throw new QtuneException("--max-batch must be at least 1, got " + maxBatch);
        if (queue < 0) throw new QtuneException("--queue must not be negative, got " + queue);
        if (queue > 0 && queue < maxBatch) throw new QtuneException("--queue " + queue + " must hold at least one full batch (--max-batch " + maxBatch + ")");
        return new ServiceConfig(instances, threads > 0 ? threads : Threads.defaultTeamSize(), maxBatch,
                Duration.ofNanos(nanos(maxDelay, "--max-delay")), queue > 0 ? queue : Integer.MAX_VALUE);
    }

    private Map<String, Object> cliSettings(TestSettings s) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("model", url != null ? null : (model != null ? model.toString() : "embedded proxy"));
        c.put("url", url);
        c.put("data", data != null ? data : ProxyModel.DEFAULT_DATA);
        c.put("limit", limit);
        c.put("instances", instances);
        c.put("threads", threads);
        c.put("max_batch", maxBatch);
        c.put("max_delay", maxDelay);
        c.put("queue", queue);
        return c;
    }

    /** The fixed-batch loop over the performance set's images, timed now in this process. */
    private List<io.qtune.report.BenchResult> timeBench(long seed, Path modelFile, Model engine, ImageLibrary qsl, PrintWriter err,
                                                        String when) {
        long[] shape = engine.inputShape();
        long[] imageShape = java.util.Arrays.copyOfRange(shape, 1, shape.length);
        BenchEngines.Setup setup = new BenchEngines.Setup(modelFile, null, 1, engine.inputName(), engine.outputNames(), imageShape);
        Benchmark.Timing timing = new Benchmark.Timing(benchSeconds, Math.min(2, benchSeconds), 0.5);
        int per = qsl.sampleElements();
        int[] set = io.qtune.loadgen.Schedule.performanceSet(seed, qsl.totalCount(), Math.max(benchBatches.stream().mapToInt(i -> i).max().orElse(1), 1));
        qsl.load(set);
        try (BenchEngine e = BenchEngines.open("onednn-fp32", setup)) {
            err.println("bench " + when + " the scenario: fixed batches " + benchBatches + ", " + benchSeconds + " s each");
            err.flush();
            return new Benchmark(List.of(e), benchBatches, timing, b -> {
                float[] in = new float[per * b];
                for (int i = 0; i < b; i++) System.arraycopy(qsl.sample(set[i % set.length]), 0, in, i * per, per);
                return in;
            }).run();
        } finally {
            qsl.unload();
        }
    }

    /**
     * Offline samples/s and SingleStream p90 against the fixed-batch loop of the same model, timed before and after
     * the scenario in this process: each batch size's figures are the mean of the two, and the drift between them
     * is reported so a reader sees how far the machine moved during the run.
     */
    static void compareWithBench(Summary summary, List<io.qtune.report.BenchResult> before, List<io.qtune.report.BenchResult> after) {
        List<Map<String, Object>> rows = new ArrayList<>();
        int best = 0;
        double[] ips = new double[before.size()], p90 = new double[before.size()];
        for (int i = 0; i < before.size(); i++) {
            io.qtune.report.BenchResult b = before.get(i), a = after.get(i);
            ips[i] = (b.imagesPerSecond() + a.imagesPerSecond()) / 2;
            p90[i] = (b.latencyMsP90() + a.latencyMsP90()) / 2;
            if (ips[i] > ips[best]) best = i;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("batch", b.batch());
            row.put("images_per_second", ips[i]);
            row.put("latency_ms_p90", p90[i]);
            row.put("images_per_second_before", b.imagesPerSecond());
            row.put("images_per_second_after", a.imagesPerSecond());
            rows.add(row);
        }
        int bestBatch = before.get(best).batch();
        double drift = after.get(best).imagesPerSecond() / before.get(best).imagesPerSecond();
        Map<String, Object> cmp = new LinkedHashMap<>();
        cmp.put("bench", rows);
        cmp.put("best_batch", bestBatch);
        cmp.put("drift_after_over_before", drift);
        Scenario sc = summary.settings().scenario();
        double completed = summary.record().completedSamplesPerSecond();
        cmp.put("loadgen_samples_per_second_over_best_bench", completed / ips[best]);
        if (sc == Scenario.OFFLINE) {
            summary.note(String.format(Locale.ROOT, "bench in this process (mean of before and after the scenario, which differ by "
                    + "%+.1f%%): best fixed batch %d at %.2f images/s; Offline %.2f samples/s = %.3fx of it", 100 * (drift - 1),
                    bestBatch, ips[best], completed, completed / ips[best]));
        }
        for (int i = 0; i < before.size(); i++) {
            if (before.get(i).batch() != 1 || sc != Scenario.SINGLE_STREAM) continue;
            double mine = summary.sampleLatencies().at(0.90) / 1e6;
            cmp.put("singlestream_p90_over_bench_batch1_p90", mine / p90[i]);
            summary.note(String.format(Locale.ROOT, "SingleStream p90 %.3f ms vs bench batch 1 p90 %.3f ms (mean of before and "
                    + "after) = %.3fx", mine, p90[i], mine / p90[i]));
        }
        summary.put("bench_comparison", cmp);
    }

    private static Thread progressLine(LoadGen loadgen, PrintWriter err) {
        Thread t = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(500);
                    String line = loadgen.live().line();
                    synchronized (err) {
                        err.print("\r" + line + "   ");
                        err.flush();
                    }
                }
            } catch (InterruptedException e) {
                // the run is over
            }
        }, "loadgen-progress");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static final Pattern TIME = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|min|h)");

    /** "15ms", "60s", "2m", "500us", "1.5s" to nanoseconds. */
    static long nanos(String text, String option) {
        Matcher mt = TIME.matcher(text == null ? "" : text.strip());
        if (!mt.matches()) throw new QtuneException(option + " '" + text + "': give a time with a unit, e.g. 15ms, 60s, 10m");
        double v = Double.parseDouble(mt.group(1));
        double scale = switch (mt.group(2)) {
            case "ns" -> 1;
            case "us" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m", "min" -> 60e9;
            default -> 3600e9;
        };
        return Math.round(v * scale);
    }

    static KServeSystemUnderTest.Tensors tensors(String form) {
        return switch (form) {
            case "binary" -> KServeSystemUnderTest.Tensors.BINARY;
            case "json" -> KServeSystemUnderTest.Tensors.JSON;
            default -> throw new QtuneException("--http-tensors must be binary or json, got '" + form + "'");
        };
    }
}
