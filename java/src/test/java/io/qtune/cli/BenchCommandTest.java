package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.zoo.ResNet50Builder;
import io.qtune.zoo.ResNet50Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {
    @Test
    void benchesBothEnginesAndWritesJson(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny.pb");
        ResNet50Builder.write(ResNet50Builder.build(new ResNet50Spec(0.125, 32, 11, 3)).graph(), model);
        Path json = dir.resolve("out/bench.json");
        CliRun r = CliRun.of("bench", "--model", model.toString(), "--engines", "onednn-fp32,tf-fp32", "--batch", "1,2",
                "--seconds", "0.2", "--warmup", "0.05", "--slice", "0.05", "--json", json.toString(), "--profile");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("ratio onednn-fp32 / tf-fp32 at batch 1:"), r.out());
        assertTrue(r.out().contains("ratio onednn-fp32 / tf-fp32 at batch 2:"), r.out());
        assertTrue(r.out().contains("profile of onednn-fp32, batch 2, 5 runs:"), r.out());
        assertTrue(r.out().contains("convolution"), r.out());
        String text = Files.readString(json);
        assertEquals(4, text.split("\"images_per_second\"", -1).length - 1, text);
        assertEquals(2, text.split("\"images_per_second_ratio\"", -1).length - 1, text);
        @SuppressWarnings("unchecked")
        java.util.Map<String, Object> report = (java.util.Map<String, Object>) io.qtune.Json.parse(text, "bench.json");
        assertTrue(((java.util.List<?>) report.get("results")).stream()
                .anyMatch(o -> o instanceof java.util.Map<?, ?> m && "tf-fp32".equals(m.get("engine")) && Double.valueOf(2).equals(m.get("batch"))), text);
    }

    @Test
    void unknownEngineIsOneLineError(@TempDir Path dir) {
        CliRun r = CliRun.of("bench", "--model", dir.resolve("missing.pb").toString(), "--engines", "onednn-fp64");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: unknown engine 'onednn-fp64' (known: onednn-fp32, tf-fp32, onednn-int8, tf-int8)"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void missingModelIsOneLineError(@TempDir Path dir) {
        CliRun r = CliRun.of("bench", "--model", dir.resolve("missing.pb").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("missing.pb"), r.err());
    }
}
