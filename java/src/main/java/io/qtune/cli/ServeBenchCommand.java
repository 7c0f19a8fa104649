package io.qtune.cli;

import io.qtune.AtomicFiles;
import io.qtune.Json;
import io.qtune.engine.Model;
import io.qtune.platform.Machine;
import io.qtune.serve.ServingBenchmark;
import io.qtune.zoo.ProxyModel;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qtune serve-bench}: the serving service against bench's fixed-batch loop, same model, same process. */
@Command(name = "serve-bench", mixinStandardHelpOptions = true,
        description = {"Throughput and latency of the inference service at instances x threads x max batch, driven "
                + "in-process by closed-loop clients (instances x max batch of them, one image per request), next to "
                + "model.run at fixed batch sizes on one thread with a team of --bench-threads (what bench measures). "
                + "All runs alternate in short slices; the ratios are the result.",
                "Then checks that the service's outputs equal model.run on each image alone, bit for bit, per layout."})
public final class ServeBenchCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "FILE", description = "Frozen GraphDef (.pb), FP32 or INT8. Default: the embedded proxy ResNet50.")
    Path model;

    @Option(names = "--layouts", split = ",", defaultValue = "1x2,2x1", paramLabel = "IxT",
            description = "instances x threads layouts (default: ${DEFAULT-VALUE}).")
    List<String> layouts;

    @Option(names = "--max-batch", split = ",", defaultValue = "1,4,16", paramLabel = "B",
            description = "Max batch sizes of the service (default: ${DEFAULT-VALUE}).")
    List<Integer> maxBatches;

    @Option(names = "--bench-batch", split = ",", paramLabel = "B",
            description = "Fixed batch sizes of the bench-style runs (default: the max batch sizes).")
    List<Integer> benchBatches;

    @Option(names = "--bench-threads", paramLabel = "T", description = "Team size of the bench-style runs (default: the cores).")
    Integer benchThreads;

    @Option(names = "--max-delay", defaultValue = "2ms", paramLabel = "D", description = "Batch delay of the service (default: ${DEFAULT-VALUE}).")
    String maxDelay;

    @Option(names = "--seconds", defaultValue = "10", paramLabel = "S", description = "Measured seconds per run (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup", defaultValue = "2", paramLabel = "S", description = "Untimed seconds per run first (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--slice", defaultValue = "1", paramLabel = "S", description = "Length of one timed slice (default: ${DEFAULT-VALUE}).")
    double slice;

    @Option(names = "--check-images", defaultValue = "16", paramLabel = "N", description = "Images in the bit-identity check, 0 to skip (default: ${DEFAULT-VALUE}).")
    int checkImages;

    @Option(names = "--json", paramLabel = "OUT", description = "Also write the results, ratios and machine as JSON.")
    Path json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path file = model != null ? model : ProxyModel.file();
        int cores = Runtime.getRuntime().availableProcessors();
        List<ServingBenchmark.Layout> ls = layouts.stream().map(ServingBenchmark.Layout::parse).toList();
        List<Integer> fixed = benchBatches != null ? benchBatches : maxBatches;
        int team = benchThreads != null ? benchThreads : cores;
        out.println(Machine.current().header());
        out.printf(Locale.ROOT, "serve-bench %s: layouts %s, max batch %s, bench batch %s (team %d), max delay %s, %.1f s each "
                + "(warm-up %.1f s, slices %.2f s)%n", file, ls, maxBatches, fixed, team, maxDelay, seconds, warmup, slice);
        out.flush();
        try (Model m = Model.load(file)) {
            ServingBenchmark bench = new ServingBenchmark(m, ls, maxBatches, fixed, team, ServeCommand.parseDelay(maxDelay),
                    seconds, warmup, slice);
            List<ServingBenchmark.Result> results = bench.run();
            out.print(ServingBenchmark.table(results));
            if (checkImages > 0) {
                for (String line : bench.identityCheck(checkImages, Collections.max(maxBatches))) out.println(line);
            }
            if (json != null) {
                AtomicFiles.write(json, (Json.write(ServingBenchmark.toMap(results, file.toString())) + "\n").getBytes(StandardCharsets.UTF_8));
                out.printf("wrote %s%n", json);
            }
        }
        out.flush();
        return 0;
    }
}
