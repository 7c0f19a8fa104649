package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.Json;
import io.qtune.data.DebianFashionMnist;
import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Node;
import io.qtune.testing.Cpu;
import io.qtune.tf.TfModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tight criterion on the proxy (top-1 within 0.1% relative of FP32) that the all-INT8 plans miss, tuned with
 * INT8 -> BF16 -> FP32: the plan written falls back to BF16, not FP32, the report lists each op's precision, and the
 * GraphDef carries the BF16 convolution as DT_BFLOAT16 ops that stock TF loads and runs.
 */
class TuneBf16FallbackTest {
    @Test
    @SuppressWarnings("unchecked")
    void aTightCriterionPassesWithBf16Fallbacks(@TempDir Path dir) throws Exception {
        DebianFashionMnist.assumeInstalled();
        Path out = dir.resolve("int8.pb");
        // 8-bit weights: 7-bit ones keep the proxy's FP32 top-1 (README, The weight range), so nothing would fall back
        CliRun r = CliRun.of("tune", "--criterion", "relative:0.001", "--fallback", "bf16,fp32", "--weight-range", "8bit",
                "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("note: fallback order: [int8, bf16, fp32]"), r.err());
        Map<String, Object> report = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("int8.tune.json")), "report");
        List<Map<String, Object>> plan = (List<Map<String, Object>>) report.get("plan");
        long bf16 = plan.stream().filter(p -> "BF16".equals(p.get("precision"))).count();
        long fp32 = plan.stream().filter(p -> "FP32".equals(p.get("precision"))).count();
        System.out.println("relative:0.001 with bf16,fp32 fallback: " + bf16 + " BF16 ops, " + fp32 + " FP32 ops; " + r.out().lines()
                .filter(l -> l.startsWith("criterion")).findFirst().orElse(""));
        assertTrue(bf16 >= 1 && fp32 == 0, "fallbacks: " + bf16 + " BF16, " + fp32 + " FP32");
        Map<String, Object> int8 = (Map<String, Object>) report.get("int8");
        assertEquals(bf16, ((List<?>) int8.get("bf16_ops")).size(), String.valueOf(int8));
        Graph g = GraphDefCodec.read(out);
        assertTrue(g.nodes().stream().anyMatch(n -> n.op().equals("Conv2D") && n.attrType("T", DType.FLOAT) == DType.BFLOAT16));
        Cpu.assumeTfRunsBf16();
        try (TfModel tf = TfModel.load(out, 2)) {
            float[] images = io.qtune.data.SyntheticImages.batch(2, 48, 1);
            Map<String, float[]> o = tf.run("input_tensor", images, new long[] {2, 48, 48, 3}, List.of("ArgMax"));
            assertEquals(2, o.get("ArgMax").length);
        }
    }

    @Test
    void badFallbackOrSchemeIsAOneLineError(@TempDir Path dir) {
        CliRun r = CliRun.of("tune", "--fallback", "bf16", "--out", dir.resolve("x.pb").toString());
        assertEquals(2, r.exitCode());
        assertEquals("error: --fallback must be bf16,fp32 or fp32, got 'bf16'", r.err().strip());
        r = CliRun.of("quantize", "--scheme", "asym", "--out", dir.resolve("x.pb").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: --scheme asym is not offered: TF 2.18's quantized convolutions have no zero point"), r.err());
        assertTrue(Files.notExists(dir.resolve("x.pb")));
    }
}
