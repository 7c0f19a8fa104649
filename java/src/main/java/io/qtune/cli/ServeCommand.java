package io.qtune.cli;

import io.qtune.QtuneException;
import io.qtune.engine.Model;
import io.qtune.platform.Machine;
import io.qtune.serve.ServiceConfig;
import io.qtune.serve.http.InferenceServer;
import io.qtune.zoo.ProxyModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qtune serve}: the KServe v2 protocol over HTTP in front of a dynamic-batching inference service. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a model over HTTP with the KServe v2 / Open Inference Protocol (what Triton, OpenVINO "
                + "Model Server and KServe speak): /v2/health/{live,ready}, /v2/models/NAME[/ready|/infer], and "
                + "Prometheus metrics at /metrics. Requests are batched dynamically and run on INSTANCES instances of "
                + "THREADS OpenMP threads each.",
                "Prints one 'ready' line once it listens; Ctrl-C or SIGTERM drains (accepted requests are answered)."})
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "FILE", description = "Frozen GraphDef (.pb), FP32 or INT8. Default: the embedded proxy ResNet50.")
    Path model;

    @Option(names = "--name", paramLabel = "NAME", description = "Model name in URLs. Default: the file name without .pb (proxy-resnet50 for the embedded model).")
    String name;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDR", description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for all).")
    String host;

    @Option(names = "--port", defaultValue = "8000", paramLabel = "N", description = "TCP port, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--instances", defaultValue = "1", paramLabel = "N", description = "Execution instances, each running one batch at a time (default: ${DEFAULT-VALUE}).")
    int instances;

    @Option(names = "--threads", paramLabel = "T", description = "OpenMP threads per instance. Default: the cores divided by the instances, at least 1.")
    Integer threads;

    @Option(names = "--max-batch", defaultValue = "8", paramLabel = "B", description = "Most images in one batch; larger requests get 400 (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--max-delay", defaultValue = "2ms", paramLabel = "D", description = "How long a batch waits to fill: e.g. 0, 500us, 2ms, 0.1s (default: ${DEFAULT-VALUE}).")
    String maxDelay;

    @Option(names = "--queue", defaultValue = "1024", paramLabel = "IMAGES", description = "Most images waiting; beyond that requests get 503 at once (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--max-body-mb", defaultValue = "64", paramLabel = "MB", description = "Request bodies over this many MiB get 413 (default: ${DEFAULT-VALUE}).")
    int maxBodyMb;

    @Option(names = "--http-threads", defaultValue = "4", paramLabel = "N", description = "Threads that read, parse and preprocess requests (default: ${DEFAULT-VALUE}).")
    int httpThreads;

    @Option(names = "--request-timeout", defaultValue = "30s", paramLabel = "D", description = "How long a client may take to send a whole request "
            + "(headers and body); a slower or stalled one is disconnected, freeing its HTTP thread. Inference and queueing do not count (default: ${DEFAULT-VALUE}).")
    String requestTimeout;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        Path file = model != null ? model : ProxyModel.file();
        String modelName = name != null ? name : model != null ? stem(model) : "proxy-resnet50";
        int cores = Runtime.getRuntime().availableProcessors();
        int t = threads != null ? threads : Math.max(1, cores / Math.max(1, instances));
        ServiceConfig config = new ServiceConfig(instances, t, maxBatch, parseDelay(maxDelay), queue);
        InferenceServer.Options options = new InferenceServer.Options(host, port, modelName, (long) maxBodyMb << 20, httpThreads,
                parseTimeout(requestTimeout));
        if (instances * t > cores) {
            spec.commandLine().getErr().printf("warning: %d instances x %d threads = %d compute threads on %d cores: they will share cores%n",
                    instances, t, instances * t, cores);
        }
        out.println(Machine.current().header());
        out.flush();
        Model m = Model.load(file);
        InferenceServer server;
        try {
            server = InferenceServer.start(m, config, options);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        Thread hook = new Thread(() -> {
            out.println("qtune serve: draining (answering accepted requests) ...");
            out.flush();
            server.close();
            m.close();
            out.println("qtune serve: stopped");
            out.flush();
        }, "qtune-serve-drain");
        Runtime.getRuntime().addShutdownHook(hook);
        out.printf(Locale.ROOT, "qtune serve: ready on %s/v2/models/%s (model %s; %d instance(s) x %d thread(s), max batch %d, "
                        + "max delay %s, queue %d images, request timeout %s)%n", server.baseUri(), modelName, file, instances, t,
                maxBatch, maxDelay, queue, requestTimeout);
        out.printf("batch sizes bit-identical to batch 1 (batches run as chunks of these): %s%n",
                java.util.Arrays.toString(server.service().identicalBatchSizes()));
        out.flush();
        server.awaitClose();
        return 0;
    }

    private static String stem(Path p) {
        String f = p.getFileName().toString();
        if (f.endsWith(".pb")) f = f.substring(0, f.length() - 3);
        String s = f.replaceAll("[^A-Za-z0-9_.-]", "_");
        return s.isEmpty() ? "model" : s;
    }

    private static final Pattern TIME = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(us|ms|s)?");

    /** A delay such as 0, 500us, 2ms or 0.1s, at most a minute. */
    static Duration parseDelay(String text) {
        return parseTime("--max-delay", text, 60);
    }

    /** A request timeout such as 30s or 1500ms: more than 0, at most an hour. */
    static Duration parseTimeout(String text) {
        Duration d = parseTime("--request-timeout", text, 3600);
        if (d.isZero()) throw new QtuneException("--request-timeout '" + text + "' must be more than 0");
        return d;
    }

    /** The value of a time option: a number with us, ms or s (0 may go without), up to {@code mostSeconds}. */
    private static Duration parseTime(String option, String text, int mostSeconds) {
        Matcher m = TIME.matcher(text.trim());
        if (!m.matches() || (m.group(2) == null && Double.parseDouble(m.group(1)) != 0)) {
            throw new QtuneException(option + " '" + text + "': expected a number with us, ms or s (e.g. 2ms, 30s)");
        }
        double v = Double.parseDouble(m.group(1));
        double nanos = v * switch (m.group(2) == null ? "s" : m.group(2)) {
            case "us" -> 1e3;
            case "ms" -> 1e6;
            default -> 1e9;
        };
        if (nanos > mostSeconds * 1e9) throw new QtuneException(option + " '" + text + "' is over " + mostSeconds + " s");
        return Duration.ofNanos(Math.round(nanos));
    }
}
