package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.qtune.Json;
import io.qtune.data.FashionMnist;
import io.qtune.engine.Model;
import io.qtune.quant.QuantPlan;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a running {@code tune} (issue 12 point 12): the shutdown hook writes the best plan so far with status
 * {@code interrupted}; every output is whole and loads; the history resumes on a rerun.
 */
class TuneInterruptTest {
    @TempDir
    Path dir;

    private List<String> tuneArgs(Path out, Path work, String... extra) {
        List<String> a = new ArrayList<>(List.of("tune", "--calib-size", "50", "--eval-limit", "300", "--subset", "100",
                "--workdir", work.toString(), "--out", out.toString()));
        a.addAll(List.of(extra));
        return a;
    }

    /** Lines of the history that hold trials (the first line is the context header). */
    private static long trialLines(Path history) throws Exception {
        if (!Files.exists(history)) return 0;
        return Files.readAllLines(history, StandardCharsets.UTF_8).stream().skip(1).filter(l -> l.endsWith("}")).count();
    }

    @Test
    @SuppressWarnings("unchecked")
    void sigtermWritesWholeOutputsMarkedInterruptedAndARerunResumes() throws Exception {
        assumeTrue(FashionMnist.debianFilesPresent(), "needs Debian's dataset-fashion-mnist");
        Path out = dir.resolve("int8.pb"), work = dir.resolve("work"), history = work.resolve("history.jsonl");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx3g", "-cp", System.getProperty("java.class.path"), "io.qtune.cli.Main"));
        cmd.addAll(tuneArgs(out, work));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("tune.log").toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        Process p = pb.start();
        try {
            // wait for a finished trial (bounded: 3 minutes on a loaded machine), then ask it to stop mid-search
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (trialLines(history) < 1 && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(100);
            assertTrue(p.isAlive(), "tune ended before it could be interrupted:\n" + Files.readString(dir.resolve("tune.log")));
            assertTrue(trialLines(history) >= 1, "no trial within 3 minutes:\n" + Files.readString(dir.resolve("tune.log")));
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(2, TimeUnit.MINUTES), "tune did not exit after SIGTERM");
        } finally {
            p.destroyForcibly();
        }
        String log = Files.readString(dir.resolve("tune.log"));
        assertEquals(143, p.exitValue(), log); // 128 + SIGTERM, after the shutdown hook ran

        // every output whole and loadable
        Map<String, Object> report = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("int8.tune.json")), "report");
        assertEquals("interrupted", report.get("status"), log);
        assertEquals("interrupted", report.get("stop_reason"));
        assertTrue(Files.readString(dir.resolve("int8.tune.html")).strip().endsWith("</html>"));
        QuantPlan plan = QuantPlan.read(dir.resolve("int8.plan.json"));
        assertTrue(plan.ops().size() > 0);
        try (Model m = Model.load(out)) {
            assertEquals(4, m.inputShape().length);
        }
        long kept = trialLines(history);
        List<String> lines = Files.readAllLines(history);
        for (int i = 1; i < lines.size(); i++) Json.parse(lines.get(i), history + ":" + (i + 1)); // no torn line
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temp file left");
        }

        // the same command again resumes every trial the interrupted run kept
        CliRun again = CliRun.of(tuneArgs(out, work, "--max-trials", "1").toArray(String[]::new));
        assertEquals(4, again.exitCode(), again.err());
        assertTrue(again.out().contains(kept + " resumed)"), "resumed " + kept + ": " + again.out());
    }
}
