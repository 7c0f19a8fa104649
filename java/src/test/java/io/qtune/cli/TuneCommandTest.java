package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.data.DebianFashionMnist;
import io.qtune.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TuneCommandTest {
    @TempDir
    Path dir;

    private CliRun tune(Path out, Path work) {
        // --max-trials 1 stops sensitivity after its first subset screen: nothing is confirmed, so the criterion is never met
        return CliRun.of("tune", "--calib-size", "50", "--eval-limit", "300", "--subset", "100", "--max-trials", "1",
                "--workdir", work.toString(), "--out", out.toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void criterionNotMetWritesEverythingWithExitCode4AndASecondRunResumes() throws Exception {
        DebianFashionMnist.assumeInstalled();
        Path out = dir.resolve("int8.pb"), work = dir.resolve("work");
        CliRun first = tune(out, work);
        assertEquals(4, first.exitCode(), first.err());
        assertTrue(first.out().contains("criterion NOT met"), first.out());
        for (String f : List.of("int8.pb", "int8.plan.json", "int8.tune.json", "int8.tune.html")) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
        Map<String, Object> r = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("int8.tune.json")), "report");
        assertEquals("not-met", r.get("status"));
        assertTrue(String.valueOf(r.get("stop_reason")).contains("--max-trials 1"), String.valueOf(r.get("stop_reason")));
        assertEquals(1, ((Number) ((Map<String, Object>) r.get("counts")).get("trials")).intValue());
        assertTrue(Files.readString(dir.resolve("int8.tune.html")).contains("not-met"));
        assertEquals(2, Files.readAllLines(work.resolve("history.jsonl")).size()); // header + one trial

        // the same command again: trial 1 comes from the history and does not count against --max-trials
        CliRun second = tune(out, work);
        assertEquals(4, second.exitCode(), second.err());
        assertTrue(second.out().contains("2 trials (0 full evaluations, 1 subset evaluations, 1 resumed)"), second.out());
        assertTrue(second.err().contains("(resumed)"), second.err());
        assertEquals(3, Files.readAllLines(work.resolve("history.jsonl")).size());
    }
}
