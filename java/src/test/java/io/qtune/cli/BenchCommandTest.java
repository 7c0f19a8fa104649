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
    void floorTimesEveryConvolutionAloneAndTheJsonCarriesIt(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny.pb");
        ResNet50Builder.write(ResNet50Builder.build(new ResNet50Spec(0.125, 32, 11, 3)).graph(), model);
        Path json = dir.resolve("bench.json");
        CliRun r = CliRun.of("bench", "--model", model.toString(), "--engines", "onednn-fp32,onednn-bf16", "--batch", "1",
                "--seconds", "0.2", "--warmup", "0.05", "--slice", "0.05", "--floor", "--floor-runs", "3",
                "--json", json.toString());
        assertEquals(0, r.exitCode(), r.err());
        // ResNet50: 53 convolutions and the dense layer are the floor; every one gets a time alone
        long timedAlone = r.out().lines().filter(l -> l.matches(
                "\\s*\\d+ (bf16 convolution|convolution|inner product)\\s+[0-9.]+\\s+[0-9.]+%\\s+[0-9.]+\\s+[0-9.]+\\s+\\S.*")).count();
        assertTrue(r.out().contains("engine/floor"), r.out());
        assertTrue(r.out().matches("(?s).*floor onednn-fp32 batch 1: p50 [0-9.]+ ms/image, floor [0-9.]+ ms/image, ratio [0-9.]+x.*"), r.out());
        assertTrue(r.out().contains("BF16"), r.out()); // faster, SLOWER, or no native bf16: said either way
        assertTrue(r.out().contains("machine: "), r.out());
        String text = Files.readString(json);
        assertEquals(2, text.split("\"floor_ratio\"", -1).length - 1, text);
        assertTrue(text.contains("\"machine\": {"), text);
        assertTrue(timedAlone >= 2 * 54, "convolutions and the dense layer timed alone, both engines: " + timedAlone);
    }

    @Test
    void benchesOnnxRuntimeBesideOnednnWithRatios(@TempDir Path dir) {
        Path model = dir.resolve("tiny.pb"), onnx = dir.resolve("tiny.onnx");
        ResNet50Builder.write(ResNet50Builder.build(new ResNet50Spec(0.125, 32, 11, 3)).graph(), model);
        CliRun e = CliRun.of("export", "--format", "onnx", "--model", model.toString(), "--out", onnx.toString());
        assertEquals(0, e.exitCode(), e.err());
        CliRun r = CliRun.of("bench", "--model", model.toString(), "--onnx-model", onnx.toString(), "--engines", "onednn-fp32,ort-fp32",
                "--batch", "1,2", "--seconds", "0.2", "--warmup", "0.05", "--slice", "0.05", "--profile");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("ONNX Runtime: intra-op "), r.out());
        assertTrue(r.out().contains("ratio onednn-fp32 / ort-fp32 at batch 1:"), r.out());
        assertTrue(r.out().contains("ratio onednn-fp32 / ort-fp32 at batch 2:"), r.out());
        assertTrue(r.out().contains("profile of ort-fp32, batch 2, 5 runs:"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith("Conv ") || l.contains("FusedConv")), r.out());
    }

    @Test
    void ortEngineWithoutItsModelIsOneLineError(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny.pb");
        ResNet50Builder.write(ResNet50Builder.build(new ResNet50Spec(0.125, 32, 11, 3)).graph(), model);
        CliRun r = CliRun.of("bench", "--model", model.toString(), "--engines", "ort-int8", "--seconds", "0.1");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: engine 'ort-int8' needs --onnx-int8-model FILE"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void unknownEngineIsOneLineError(@TempDir Path dir) {
        CliRun r = CliRun.of("bench", "--model", dir.resolve("missing.pb").toString(), "--engines", "onednn-fp64");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: unknown engine 'onednn-fp64' (known: onednn-fp32, tf-fp32, onednn-int8, tf-int8, onednn-bf16, tf-bf16, ort-fp32, ort-int8)"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void missingModelIsOneLineError(@TempDir Path dir) {
        CliRun r = CliRun.of("bench", "--model", dir.resolve("missing.pb").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("missing.pb"), r.err());
    }
}
