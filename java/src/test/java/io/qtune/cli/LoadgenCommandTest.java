package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qtune.data.BatchLoader;
import io.qtune.data.DataSpec;
import io.qtune.data.FashionMnist;
import io.qtune.data.LabelOffset;
import io.qtune.data.LabeledImages;
import io.qtune.eval.Classifier;
import io.qtune.eval.Classifiers;
import io.qtune.eval.EvalResult;
import io.qtune.eval.Evaluator;
import io.qtune.zoo.ProxyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One short run per scenario on the embedded proxy, in-process; accuracy mode against eval's top-1. */
class LoadgenCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private JsonNode run(String scenario, String... extra) throws Exception {
        Path out = dir.resolve(scenario);
        List<String> args = new ArrayList<>(List.of("loadgen", "--scenario", scenario, "--duration", "1s", "--samples", "64",
                "--limit", "256", "--quiet", "--out", out.toString()));
        args.addAll(List.of(extra));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        String text = Files.readString(out.resolve("mlperf_log_summary.txt"));
        assertEquals(text, r.out().substring(0, text.length()));
        JsonNode j = JSON.readTree(out.resolve("mlperf_log_summary.json").toFile());
        // VALID exactly when every condition holds, and the result line says the same
        boolean all = true;
        for (JsonNode v : j.path("satisfied")) all &= v.asBoolean();
        assertEquals(all ? "VALID" : "INVALID", j.path("result").asText(), text);
        assertTrue(text.contains("Result is : " + j.path("result").asText()), text);
        assertEquals(all, j.path("invalid_reasons").isEmpty(), text);
        // a 1 s run is below MLPerf's 600 s, and the summary says so
        assertTrue(!j.path("meets_mlperf_minimums").asBoolean() && text.contains("below MLPerf's minimums"), text);
        JsonNode l = j.path("latency_ns");
        assertTrue(l.path("min").asLong() > 0 && l.path("min").asLong() <= l.path("p50").asLong()
                && l.path("p50").asLong() <= l.path("p90").asLong() && l.path("p90").asLong() <= l.path("p99").asLong()
                && l.path("p99").asLong() <= l.path("max").asLong(), l.toString());
        assertTrue(j.path("judged_duration_ns").asLong() >= 1_000_000_000L || !j.path("satisfied").path("min_duration").asBoolean(), text);
        assertTrue(j.path("machine").path("logical_cpus").asInt() > 0 && text.contains("machine: "), text);
        return j;
    }

    @Test
    void everyScenarioRunsOnTheProxyInProcess() throws Exception {
        assumeTrue(FashionMnist.debianFilesPresent(), "needs Debian's dataset-fashion-mnist");
        JsonNode off = run("offline", "--min-queries", "200", "--max-batch", "16", "--instances", "2", "--threads", "1");
        assertEquals("Offline", off.path("scenario").asText());
        assertEquals(1, off.path("query_count").asInt());
        assertEquals("qtune-service (instances 2, threads 1, max batch 16, max delay 0.00 ms)", off.path("sut_name").asText(),
                "in-process runs go through io.qtune.serve's InferenceService with the CLI's settings");
        assertTrue(off.path("service_batch_sizes").get(0).asInt() == 1, off.toString());
        assertTrue(off.path("sample_count").asInt() >= 200);
        assertEquals(off.path("sample_count").asDouble() / (off.path("latency_ns").path("max").asLong() / 1e9),
                off.path("metric").path("value").asDouble(), 1e-6 * off.path("metric").path("value").asDouble(), "samples / longest latency");

        JsonNode ss = run("singlestream", "--min-queries", "70");
        assertEquals("SingleStream", ss.path("scenario").asText());
        assertTrue(ss.path("query_count").asInt() >= 70);
        assertEquals(ss.path("query_count").asInt(), ss.path("sample_count").asInt());
        assertEquals(ss.path("early_stopping_estimate_ns").asDouble(), ss.path("metric").path("value").asDouble(), "the metric is the early-stopping estimate");
        assertTrue(ss.path("early_stopping_estimate_ns").asLong() >= ss.path("latency_ns").path("p90").asLong());

        JsonNode ms = run("multistream", "--min-queries", "700");
        assertEquals(8L * ms.path("query_count").asInt(), ms.path("sample_count").asInt(), "8 samples a query");
        assertTrue(ms.path("query_latency_ns").path("p99").asLong() > 0);

        JsonNode server = run("server", "--target-qps", "40", "--min-queries", "60", "--latency-bound", "250ms");
        assertEquals("Server", server.path("scenario").asText());
        assertTrue(server.path("query_count").asInt() >= 60);
        assertEquals(40, server.path("scheduled_qps").asDouble(), 20, "Poisson at the target rate");
        assertEquals(250_000_000L, server.path("settings").path("latency_bound_ns").asLong());
    }

    /** --bench-batches: the fixed-batch loop timed before and after the scenario; the ratios use the mean of the two. */
    @Test
    void benchComparisonIsTheMeanOfBeforeAndAfter() throws Exception {
        assumeTrue(FashionMnist.debianFilesPresent(), "needs Debian's dataset-fashion-mnist");
        JsonNode off = run("offline", "--min-queries", "100", "--max-batch", "8", "--bench-batches", "1,4", "--bench-seconds", "1");
        JsonNode cmp = off.path("bench_comparison");
        assertEquals(2, cmp.path("bench").size(), cmp.toString());
        int bestBatch = 0;
        double best = -1;
        for (JsonNode row : cmp.path("bench")) {
            double before = row.path("images_per_second_before").asDouble(), after = row.path("images_per_second_after").asDouble();
            assertTrue(before > 0 && after > 0, row.toString());
            assertEquals((before + after) / 2, row.path("images_per_second").asDouble(), 1e-9 * before, row.toString());
            if (row.path("images_per_second").asDouble() > best) {
                best = row.path("images_per_second").asDouble();
                bestBatch = row.path("batch").asInt();
            }
        }
        assertEquals(bestBatch, cmp.path("best_batch").asInt());
        assertEquals(off.path("completed_samples_per_second").asDouble() / best,
                cmp.path("loadgen_samples_per_second_over_best_bench").asDouble(), 1e-9, cmp.toString());
        JsonNode bestRow = cmp.path("bench").get(bestBatch == 1 ? 0 : 1);
        assertEquals(bestRow.path("images_per_second_after").asDouble() / bestRow.path("images_per_second_before").asDouble(),
                cmp.path("drift_after_over_before").asDouble(), 1e-9);
        assertTrue(off.toString().contains("mean of before and after the scenario"), off.path("notes").toString());

        JsonNode ss = run("singlestream", "--min-queries", "70", "--bench-batches", "1", "--bench-seconds", "1");
        JsonNode b1 = ss.path("bench_comparison").path("bench").get(0);
        assertEquals(ss.path("latency_ns").path("p90").asDouble() / 1e6 / b1.path("latency_ms_p90").asDouble(),
                ss.path("bench_comparison").path("singlestream_p90_over_bench_batch1_p90").asDouble(), 1e-3);
    }

    @Test
    void accuracyModeTop1EqualsEvals() throws Exception {
        assumeTrue(FashionMnist.debianFilesPresent(), "needs Debian's dataset-fashion-mnist");
        int n = 300;
        Path out = dir.resolve("acc");
        CliRun r = CliRun.of("loadgen", "--scenario", "offline", "--mode", "accuracy", "--limit", String.valueOf(n),
                "--samples", "128", "--quiet", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        Path json = dir.resolve("acc.json");
        CliRun a = CliRun.of("loadgen-accuracy", "--log", out.resolve("mlperf_log_accuracy.json").toString(), "--json", json.toString());
        assertEquals(0, a.exitCode(), a.err());
        JsonNode j = JSON.readTree(json.toFile());
        assertEquals(n, j.path("total").asInt());
        assertEquals(0, j.path("duplicates").asInt());

        Path model = ProxyModel.file();
        var scores = Classifiers.ScoresOutput.of(io.qtune.graph.GraphDefCodec.read(model));
        try (LabeledImages images = DataSpec.open(ProxyModel.DEFAULT_DATA, scores.imageSize());
             Classifier c = Classifiers.open("onednn", model, 1)) {
            LabelOffset offset = LabelOffset.forDataset(images, scores.classes(), OptionalInt.empty());
            EvalResult e = new Evaluator(32, BatchLoader.Options.defaults()).evaluate(c, images, offset, n, done -> {});
            assertEquals(Math.round(e.top1() * n), j.path("good").asInt(), "loadgen-accuracy vs eval on the same " + n + " images");
            assertEquals(e.top1(), j.path("top1").asDouble(), 1e-12);
        }
        assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "top-1 : %.4f", j.path("top1").asDouble())), r.out());
    }

    /** An Offline query hands over all its samples at once: a queue bounded below that refuses some, and the run says so. */
    @Test
    void aSampleTheServiceQueueRefusesFailsTheRun() {
        assumeTrue(FashionMnist.debianFilesPresent(), "needs Debian's dataset-fashion-mnist");
        CliRun r = CliRun.of("loadgen", "--scenario", "offline", "--duration", "1s", "--samples", "64", "--limit", "256",
                "--min-queries", "200", "--max-batch", "8", "--queue", "8", "--threads", "1", "--quiet", "--out", dir.resolve("q").toString());
        assertEquals(2, r.exitCode(), r.out());
        assertTrue(r.err().contains("the queue is full"), r.err());
        assertTrue(r.err().lines().count() <= 2 && !r.err().contains("\tat "), r.err());
        assertTrue(!Files.exists(dir.resolve("q").resolve("mlperf_log_summary.json")), "no summary for a failed run");
    }

    @Test
    void badOptionsAreOneLineErrors() {
        CliRun r = CliRun.of("loadgen", "--scenario", "offline", "--find-peak", "--out", dir.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--find-peak applies to the Server scenario only"), r.err());
        r = CliRun.of("loadgen", "--scenario", "server", "--duration", "60", "--target-qps", "5", "--out", dir.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--duration '60'"), r.err());
        r = CliRun.of("loadgen", "--scenario", "server", "--out", dir.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("needs --target-qps"), r.err());
        // the library names its settings (TestSettings: minQueries, targetQps; KServeSystemUnderTest: url); the CLI says its flags
        r = CliRun.of("loadgen", "--scenario", "singlestream", "--min-queries", "0", "--out", dir.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: --min-queries must be at least 1, got 0"), r.err());
        r = CliRun.of("loadgen", "--scenario", "server", "--target-qps", "0", "--out", dir.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: the Server scenario needs a positive --target-qps"), r.err());
        r = CliRun.of("loadgen", "--scenario", "offline", "--url", "ftp://127.0.0.1:1/v2/models/m", "--out", dir.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: --url ftp://127.0.0.1:1/v2/models/m: expected http://HOST:PORT/v2/models/NAME"), r.err());
        r = CliRun.of("loadgen", "--scenario", "batch", "--out", dir.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown scenario 'batch'"), r.err());
        r = CliRun.of("loadgen", "--scenario", "offline", "--queue", "4", "--max-batch", "8", "--out", dir.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--queue 4 must hold at least one full batch (--max-batch 8)"), r.err());
        r = CliRun.of("loadgen-accuracy", "--log", dir.resolve("missing.json").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("does not exist"), r.err());
    }
}
