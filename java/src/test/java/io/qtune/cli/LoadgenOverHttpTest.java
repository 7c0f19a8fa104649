package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qtune.data.FashionMnist;
import io.qtune.engine.Model;
import io.qtune.loadgen.AccuracyLog;
import io.qtune.serve.ServiceConfig;
import io.qtune.serve.http.InferenceServer;
import io.qtune.zoo.ProxyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code loadgen --url} against the real HTTP server ({@link InferenceServer}) started here on 127.0.0.1, port 0,
 * serving the embedded proxy: short SingleStream and Server runs answer every query, and accuracy mode over HTTP
 * gives each sample the class the in-process service gives it. Every run is bounded in queries and seconds.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LoadgenOverHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Model model;
    private static InferenceServer server;
    private static String url;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        model = Model.load(ProxyModel.file());
        server = InferenceServer.start(model, new ServiceConfig(1, 1, 8, Duration.ofMillis(1), 256),
                InferenceServer.Options.loopback("proxy", 0));
        url = server.baseUri() + "/v2/models/proxy";
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (model != null) model.close();
    }

    private static double servedImages() {
        return server.service().metrics().registry().get("qtune.images").counter().count();
    }

    private JsonNode run(String scenario, String... extra) throws Exception {
        Path out = dir.resolve(scenario);
        List<String> args = new ArrayList<>(List.of("loadgen", "--scenario", scenario, "--url", url, "--duration", "1s",
                "--samples", "32", "--limit", "64", "--max-batch", "4", "--quiet", "--out", out.toString()));
        args.addAll(List.of(extra));
        double before = servedImages();
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err()); // a sample that failed would have stopped the run with an error
        String text = Files.readString(out.resolve("mlperf_log_summary.txt"));
        assertEquals(text, r.out().substring(0, text.length()));
        JsonNode j = JSON.readTree(out.resolve("mlperf_log_summary.json").toFile());
        assertEquals(url, j.path("settings_cli").path("url").asText());
        assertTrue(j.path("sut_name").asText().startsWith("qtune-kserve http://127.0.0.1:"), j.path("sut_name").asText());
        // every query of the run came back (LoadGen counts completed ones), and each sample went through this server
        assertTrue(j.path("query_count").asInt() >= j.path("settings").path("min_queries").asInt(), text);
        assertEquals(j.path("query_count").asInt(), j.path("sample_count").asInt(), "one sample a query");
        assertTrue(servedImages() - before >= j.path("sample_count").asInt(), "the server inferred every sample");
        JsonNode l = j.path("latency_ns");
        assertTrue(l.path("min").asLong() > 0 && l.path("min").asLong() <= l.path("p90").asLong()
                && l.path("p90").asLong() <= l.path("max").asLong(), l.toString());
        return j;
    }

    @Test
    void singleStreamAndServerAnswerEveryQuery() throws Exception {
        assumeTrue(FashionMnist.debianFilesPresent(), "needs Debian's dataset-fashion-mnist");
        JsonNode ss = run("singlestream", "--min-queries", "40");
        assertEquals("SingleStream", ss.path("scenario").asText());

        // a loose bound: the shared 2-core test machine, not the server, decides latency here
        JsonNode sv = run("server", "--target-qps", "20", "--min-queries", "30", "--latency-bound", "2s");
        assertEquals("Server", sv.path("scenario").asText());
        assertEquals(2_000_000_000L, sv.path("settings").path("latency_bound_ns").asLong());
    }

    /** Accuracy mode over HTTP and in-process (the same service code, no HTTP) on the same 150 images. */
    @Test
    void accuracyOverHttpEqualsInProcess() throws Exception {
        assumeTrue(FashionMnist.debianFilesPresent(), "needs Debian's dataset-fashion-mnist");
        int n = 150;
        Map<Integer, String> http = accuracy("http", "--url", url, "--max-batch", "4");
        Map<Integer, String> local = accuracy("local", "--max-batch", "4", "--instances", "1", "--threads", "1");
        assertEquals(n, http.size());
        // the service answers each image with its batch-1 bits and JSON carries float32 exactly, so the class of
        // every sample is the same either way, not just the count of right ones
        assertEquals(local, http);
        JsonNode th = top1("http"), tl = top1("local");
        assertEquals(n, th.path("total").asInt());
        assertEquals(tl.path("good").asInt(), th.path("good").asInt());
        assertEquals(tl.path("top1").asDouble(), th.path("top1").asDouble(), 0.0);
    }

    private Map<Integer, String> accuracy(String name, String... extra) {
        Path out = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of("loadgen", "--scenario", "offline", "--mode", "accuracy", "--limit", "150",
                "--samples", "64", "--quiet", "--out", out.toString()));
        args.addAll(List.of(extra));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Files.exists(out.resolve("mlperf_log_summary.json")));
        Map<Integer, String> classes = new TreeMap<>();
        for (AccuracyLog.Entry e : AccuracyLog.read(out.resolve(AccuracyLog.FILE_NAME))) {
            classes.put(e.qslIdx(), java.util.HexFormat.of().formatHex(e.data()));
        }
        return classes;
    }

    private JsonNode top1(String name) throws Exception {
        Path json = dir.resolve(name + "-top1.json");
        CliRun a = CliRun.of("loadgen-accuracy", "--log", dir.resolve(name).resolve(AccuracyLog.FILE_NAME).toString(), "--json", json.toString());
        assertEquals(0, a.exitCode(), a.err());
        return JSON.readTree(json.toFile());
    }
}
