package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.Json;
import io.qtune.data.DebianFashionMnist;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalCommandTest {
    @TempDir
    Path dir;

    @Test
    void evaluatesTheEmbeddedDefaultAndWritesJson() throws Exception {
        DebianFashionMnist.assumeInstalled();
        Path json = dir.resolve("eval.json");
        CliRun r = CliRun.of("eval", "--limit", "500", "--json", json.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("label offset 1"), r.out());
        @SuppressWarnings("unchecked")
        Map<String, Object> j = (Map<String, Object>) Json.parse(Files.readString(json), json.toString());
        assertEquals(500, ((Number) j.get("count")).intValue());
        // the ratios come with the counts they are made of
        int top1 = ((Number) j.get("top1_correct")).intValue(), top5 = ((Number) j.get("top5_correct")).intValue();
        assertEquals(top1 / 500.0, ((Number) j.get("top1")).doubleValue());
        assertEquals(top5 / 500.0, ((Number) j.get("top5")).doubleValue());
        assertTrue(top1 >= 450 && top1 <= top5, j.toString()); // FP32 top-1 is 92.37% over the whole test set
        assertEquals("top1", j.get("metric"));
        assertEquals(j.get("top1"), j.get("score"));
        assertEquals(1, ((Number) j.get("label_offset")).intValue());
        assertTrue(((Number) j.get("images_per_second")).doubleValue() > 0);
        // the figure names its machine: the oneDNN ISA and the wait policy are there, as the header printed them
        var machine = io.qtune.platform.Machine.current();
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) j.get("machine");
        assertEquals(machine.onednnIsa(), m.get("onednn_isa"), j.toString());
        assertTrue(m.containsKey("wait_policy"), j.toString());
        assertTrue(r.out().contains("oneDNN ISA " + machine.onednnIsa()), r.out());
    }

    @Test
    void wrongLabelOffsetAndBadSpecsAreClearErrors() {
        CliRun r = CliRun.of("eval", "--limit", "10", "--label-offset", "5");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--label-offset"), r.err());
        r = CliRun.of("eval", "--data", "cifar:/tmp");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown data set 'cifar'"), r.err());
        r = CliRun.of("eval", "--data", "imagenet:" + dir.resolve("nope"));
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("is not a directory"), r.err());
        r = CliRun.of("eval", "--engine", "torch", "--limit", "1");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown engine 'torch'"), r.err());
    }
}
