package io.qtune.cli;

import io.qtune.AtomicFiles;

import io.qtune.QtuneException;
import io.qtune.bench.BenchEngine;
import io.qtune.bench.BenchEngines;
import io.qtune.bench.Benchmark;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Node;
import io.qtune.zoo.SyntheticImages;
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
                "TF runs with intra-op threads = --tf-threads and inter-op 1; oneDNN uses OMP_NUM_THREADS "
                        + "(the launcher sets it to the core count)."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "Frozen FP32 TensorFlow GraphDef (.pb).")
    Path model;

    @Option(names = "--int8-model", paramLabel = "FILE", description = "Quantized graph, for the int8 engines.")
    Path int8Model;

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

    @Option(names = "--profile", description = "After the benchmark, print per-step times of the oneDNN engines.")
    boolean profile;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        int cores = Runtime.getRuntime().availableProcessors();
        int threads = tfThreads != null ? tfThreads : cores;
        if (threads < 1) throw new QtuneException("--tf-threads must be at least 1");
        List<String> names = engines.stream().map(String::strip).distinct().toList();
        for (String n : names) {
            if (!BenchEngines.names().contains(n)) {
                throw new QtuneException("unknown engine '" + n + "' (known: " + String.join(", ", BenchEngines.names()) + ")");
            }
        }
        Benchmark.Timing timing = new Benchmark.Timing(seconds, warmup, slice);
        io.qtune.OutputPaths.check(List.of(new io.qtune.OutputPaths.Output("--json", json)), java.util.Arrays.asList(model, int8Model));

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
        BenchEngines.Setup setup = new BenchEngines.Setup(model, int8Model, threads, input.name(), outputs, imageShape);

        out.printf(Locale.ROOT, "bench %s: engines %s, batches %s, %.1f s each (warm-up %.1f s, slices %.2f s)%n", model,
                names, batches, seconds, warmup, slice);
        out.printf(Locale.ROOT, "threads: %d cores, OMP_NUM_THREADS=%s OMP_WAIT_POLICY=%s, TF intra-op %d inter-op 1%n",
                cores, System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)"),
                System.getenv().getOrDefault("OMP_WAIT_POLICY", "(unset)"), threads);
        out.flush();
        List<BenchEngine> opened = new ArrayList<>();
        try {
            for (String n : names) opened.add(BenchEngines.open(n, setup));
            Benchmark bench = new Benchmark(opened, batches, timing, b -> images(imageShape, b));
            List<Benchmark.Result> results = bench.run();
            out.print(Benchmark.table(results));
            if (json != null) {
                AtomicFiles.write(json, Benchmark.json(results, model.toString()).getBytes(StandardCharsets.UTF_8));
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
            for (BenchEngine e : opened) e.close();
        }
        out.flush();
        return 0;
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
