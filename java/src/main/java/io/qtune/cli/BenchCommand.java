package io.qtune.cli;

import io.qtune.AtomicFiles;

import io.qtune.QtuneException;
import io.qtune.bench.BenchEngine;
import io.qtune.bench.BenchEngines;
import io.qtune.bench.Benchmark;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Node;
import io.qtune.engine.Floor;
import io.qtune.platform.Machine;
import io.qtune.platform.Threads;
import io.qtune.tf.TfModel;

import java.util.LinkedHashMap;
import java.util.Map;
import io.qtune.data.SyntheticImages;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qtune bench}: engines side by side in one process, round-robin, with JSON results. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark runtimes on one model in one process. Every engine x batch pair runs in short "
                + "slices, round after round, so machine noise hits all of them alike; compare the ratios.",
                "TF runs with intra-op threads = --tf-threads and inter-op 1; oneDNN uses OMP_NUM_THREADS (default: "
                        + "the cores), capped at the cores other processes leave free (QTUNE_THREAD_TEAM=fixed: never capped); "
                        + "ONNX Runtime (ort-fp32, ort-int8, on files from 'export --format onnx') runs all graph optimizations "
                        + "with intra-op threads = OMP_NUM_THREADS in its own pool, inter-op 1."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "Frozen FP32 TensorFlow GraphDef (.pb).")
    Path model;

    @Option(names = "--int8-model", paramLabel = "FILE", description = "Quantized graph, for the int8 engines.")
    Path int8Model;

    @Option(names = "--bf16-model", paramLabel = "FILE",
            description = "The BF16 graph (convert --to bf16), for onednn-bf16 and tf-bf16 (default: --model converted in memory).")
    Path bf16Model;

    @Option(names = "--onnx-model", paramLabel = "FILE", description = "The FP32 ONNX model, for ort-fp32 (export --format onnx).")
    Path onnxModel;

    @Option(names = "--onnx-int8-model", paramLabel = "FILE", description = "The INT8 QDQ ONNX model, for ort-int8 (export --format onnx --plan PLAN).")
    Path onnxInt8Model;

    @Option(names = "--engines", split = ",", defaultValue = "onednn-fp32,tf-fp32", paramLabel = "NAME",
            description = "Engines to compare (default: ${DEFAULT-VALUE}).")
    List<String> engines;

    @Option(names = "--batch", split = ",", defaultValue = "1,16", paramLabel = "N",
            description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--seconds", defaultValue = "10", paramLabel = "S",
            description = "Measured seconds per engine and batch size (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup", defaultValue = "2", paramLabel = "S",
            description = "Untimed seconds per engine and batch size before measuring (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--slice", defaultValue = "0.5", paramLabel = "S",
            description = "Length of one timed slice (default: ${DEFAULT-VALUE}).")
    double slice;

    @Option(names = "--tf-threads", paramLabel = "N", description = "TF intra-op threads (default: the number of cores).")
    Integer tfThreads;

    @Option(names = "--json", paramLabel = "OUT", description = "Write the results as JSON here.")
    Path json;

    @Option(names = "--profile", description = "After the benchmark, print per-step times of the oneDNN engines and per-op times of ONNX Runtime's.")
    boolean profile;

    @Option(names = "--floor", description = {"After the benchmark, time every convolution and inner product of each oneDNN "
            + "engine's compiled program alone (same shapes, types, formats, post-ops; threads kept warm) and print the "
            + "engine against that floor per step, hot (data in cache), cold (caches emptied first) and weights-cold (only "
            + "the step's weights flushed: its state inside a batch-1 run whose weights outgrow the caches); the JSON "
            + "results gain floor_ms_per_image, floor_ratio and the same for floor_cold_ and floor_weights_cold_."})
    boolean floor;

    @Option(names = "--floor-runs", defaultValue = "20", paramLabel = "N",
            description = "Rounds for --floor, each a whole run, a run with every step timed and every floor step alone, cold, hot, then weights-cold, "
                    + "every other step alone, hot (default: ${DEFAULT-VALUE}).")
    int floorRuns;

    @Option(names = "--instances", defaultValue = "1", paramLabel = "N",
            description = {"Offline throughput of N copies of each engine running at once, each on a thread of its own "
                    + "with --threads threads; images/s is their sum (default: ${DEFAULT-VALUE})."})
    int instances;

    @Option(names = "--threads", paramLabel = "T",
            description = {"Threads of each instance: its OpenMP team for oneDNN, intra-op threads for TF (unless "
                    + "--tf-threads) and ONNX Runtime. Instances x threads must fit the cores (default: the cores / instances)."})
    Integer threadsPerInstance;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        int cores = Runtime.getRuntime().availableProcessors();
        if (instances < 1) throw new QtuneException("--instances must be at least 1, got " + instances);
        if (threadsPerInstance != null && threadsPerInstance < 1) {
            throw new QtuneException("--threads must be at least 1, got " + threadsPerInstance);
        }
        if (threadsPerInstance != null && (long) instances * threadsPerInstance > cores) {
            throw new QtuneException("--instances " + instances + " x --threads " + threadsPerInstance + " = "
                    + (long) instances * threadsPerInstance + " threads, more than the " + cores + " cores (they would take turns)");
        }
        if (instances > cores) {
            throw new QtuneException("--instances " + instances + " is more than the " + cores + " cores");
        }
        // one instance without --threads keeps the team of the calling thread (OMP_NUM_THREADS or the cores)
        Integer team = threadsPerInstance != null ? threadsPerInstance : instances > 1 ? Integer.valueOf(cores / instances) : null;
        int callerTeam = Threads.teamSize();
        if (team != null) Threads.setTeamSize(team); // the main thread's runs (one instance, --floor, --profile)
        try {
            return bench(out, cores, team);
        } finally {
            Threads.setTeamSize(callerTeam);
        }
    }

    private int bench(PrintWriter out, int cores, Integer team) {
        int threads = tfThreads != null ? tfThreads : team != null ? team : cores;
        if (threads < 1) throw new QtuneException("--tf-threads must be at least 1");
        List<String> names = engines.stream().map(String::strip).distinct().toList();
        for (String n : names) {
            if (!BenchEngines.names().contains(n)) {
                throw new QtuneException("unknown engine '" + n + "' (known: " + String.join(", ", BenchEngines.names()) + ")");
            }
        }
        Benchmark.Timing timing = new Benchmark.Timing(seconds, warmup, slice);
        io.qtune.OutputPaths.check(List.of(new io.qtune.OutputPaths.Output("--json", json)), java.util.Arrays.asList(model, int8Model, bf16Model));

        Graph g = GraphDefCodec.read(model);
        List<Node> inputs = g.placeholders();
        if (inputs.size() != 1) throw new QtuneException(model + ": bench needs exactly one input, found " + inputs.size());
        Node input = inputs.get(0);
        long[] shape = input.hasAttr("shape") && !input.attrShape("shape").unknownRank() ? input.attrShape("shape").dims() : null;
        if (shape == null || shape.length < 2 || Arrays.stream(shape).skip(1).anyMatch(d -> d < 1)) {
            throw new QtuneException(model + ": input '" + input.name() + "' needs a static shape such as [-1,224,224,3]");
        }
        long[] imageShape = Arrays.copyOfRange(shape, 1, shape.length);
        List<String> outputs = g.sinks().stream().map(Node::name).toList();
        int ortThreads = team != null ? team : ompThreads(cores);
        BenchEngines.Setup setup = new BenchEngines.Setup(model, int8Model, threads, input.name(), outputs, imageShape, bf16Model,
                onnxModel, onnxInt8Model, ortThreads);

        out.printf(Locale.ROOT, "bench %s: engines %s, batches %s, %.1f s each (warm-up %.1f s, slices %.2f s)%n", model,
                names, batches, seconds, warmup, slice);
        BenchEngines.startTf(names, setup);
        Machine machine = Machine.current();
        out.println(machine.header());
        out.printf(Locale.ROOT, "TF intra-op %d inter-op 1%n", threads);
        if (team != null) {
            out.printf(Locale.ROOT, "instances %d x %d threads (each instance its own copy of the engine, thread and OpenMP team)%n",
                    instances, team);
        }
        if (names.stream().anyMatch(n -> n.startsWith("ort-"))) {
            out.printf(Locale.ROOT, "ONNX Runtime: intra-op %d (its own pool, beside oneDNN's OpenMP pool), inter-op 1, all graph optimizations%n", ortThreads);
        }
        out.flush();
        if (floorRuns < 1) throw new QtuneException("--floor-runs must be at least 1");
        List<BenchEngine> opened = new ArrayList<>();
        List<BenchEngine> copies = new ArrayList<>();
        try {
            List<List<BenchEngine>> perEngine = new ArrayList<>();
            List<String> refusals = new ArrayList<>();
            for (String n : names) {
                List<BenchEngine> c = new ArrayList<>();
                try {
                    for (int i = 0; i < instances; i++) {
                        BenchEngine e = BenchEngines.open(n, setup);
                        copies.add(e);
                        c.add(e);
                    }
                } catch (TfModel.OnednnSettingRefusal r) {
                    // TF's oneDNN setting is fixed for the process: the engines that can run still do
                    refusals.add(r.getMessage());
                    out.println(n + ": note: skipped: " + r.getMessage());
                    continue;
                }
                opened.add(c.get(0));
                perEngine.add(c);
            }
            if (perEngine.isEmpty() && !refusals.isEmpty()) throw new QtuneException(refusals.get(0));
            out.flush();
            Benchmark bench = new Benchmark(perEngine, team != null ? team : 0, batches, timing, b -> images(imageShape, b));
            // after the benchmark has checked the batch sizes
            for (BenchEngine e : opened) for (String note : e.notes(batches.get(0))) out.println(e.name() + ": note: " + note);
            List<io.qtune.report.BenchResult> results = bench.run();
            out.print(Benchmark.table(results));
            Map<String, Floor> floors = new LinkedHashMap<>();
            if (floor) {
                for (BenchEngine e : opened) {
                    for (int b : batches) {
                        Floor f = e.floor(b, floorRuns);
                        if (f == null) continue;
                        floors.put(e.name() + "@" + b, f);
                        out.printf("%s, ", e.name());
                        out.print(f.table());
                    }
                }
                for (int b : batches) {
                    Floor fp = floors.get("onednn-fp32@" + b), bf = floors.get("onednn-bf16@" + b);
                    if (fp != null && bf != null) {
                        boolean nativeBf16 = bf.steps().stream().anyMatch(s -> s.kind().equals("bf16 convolution"));
                        out.println(new io.qtune.engine.Bf16Speed(b, fp.floorMs(), bf.floorMs(), nativeBf16).describe());
                    }
                }
            }
            // each result against its floors, once: the summary lines below and the JSON read the same numbers
            List<io.qtune.report.BenchResult> withFloors = results.stream().map(r -> {
                Floor f = floors.get(r.engine() + "@" + r.batch());
                return f == null ? r : r.withFloor(f.floorMs() / f.batch(), f.coldFloorMs() / f.batch(),
                        f.weightsColdFloorMs() / f.batch());
            }).toList();
            for (io.qtune.report.BenchResult r : withFloors) {
                if (r.floorRatio() == null) continue;
                out.printf(Locale.ROOT, "floor %s batch %d: p50 %.3f ms/image, floor %.3f ms/image, ratio %.3fx, "
                                + "cold floor %.3f ms/image, ratio %.3fx", r.engine(), r.batch(), r.msPerImageP50(),
                        r.floorMsPerImage(), r.floorRatio(), r.floorColdMsPerImage(), r.floorColdRatio());
                if (r.floorWeightsColdRatio() != null) {
                    out.printf(Locale.ROOT, ", weights-cold floor %.3f ms/image, ratio %.3fx", r.floorWeightsColdMsPerImage(),
                            r.floorWeightsColdRatio());
                }
                out.println();
            }
            if (json != null) {
                List<io.qtune.report.FloorResult> floorTables = new ArrayList<>();
                for (io.qtune.report.BenchResult r : results) {
                    Floor f = floors.get(r.engine() + "@" + r.batch());
                    if (f != null) floorTables.add(Benchmark.floorResult(r, f));
                }
                AtomicFiles.write(json, Benchmark.json(withFloors, floorTables, model.toString(), machine)
                        .getBytes(StandardCharsets.UTF_8));
                out.printf("wrote %s%n", json);
            }
            if (profile) {
                for (BenchEngine e : opened) {
                    for (int b : batches) {
                        String p = e.profile(b, 5);
                        if (p != null) out.printf("profile of %s, %s", e.name(), p);
                    }
                }
            }
        } finally {
            for (BenchEngine e : copies) e.close();
        }
        out.flush();
        return 0;
    }

    /** qtune's thread count: OMP_NUM_THREADS when it is a number, else the cores. */
    private static int ompThreads(int cores) {
        String v = System.getenv("OMP_NUM_THREADS");
        try {
            return v == null ? cores : Math.max(1, Integer.parseInt(v.strip()));
        } catch (NumberFormatException e) {
            return cores;
        }
    }

    /** MLPerf-like synthetic images when the input is [S,S,3], otherwise standard normal values. */
    private static float[] images(long[] imageShape, int batch) {
        if (imageShape.length == 3 && imageShape[0] == imageShape[1] && imageShape[2] == 3) {
            return SyntheticImages.batch(batch, Math.toIntExact(imageShape[0]), 1);
        }
        long per = Arrays.stream(imageShape).reduce(1, (a, b) -> a * b);
        float[] v = new float[Math.toIntExact(per * batch)];
        Random r = new Random(1);
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return v;
    }
}
