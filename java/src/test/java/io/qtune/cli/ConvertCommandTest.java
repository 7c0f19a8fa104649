package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.testing.Cpu;
import io.qtune.zoo.ResNet50Builder;
import io.qtune.zoo.ResNet50Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConvertCommandTest {
    @Test
    void writesTheBf16GraphTheSameBytesEveryTime(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a/bf16.pb"), b = dir.resolve("b.pb");
        CliRun r = CliRun.of("convert", "--to", "bf16", "--out", a.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("wrote " + a + ": BF16 {AddV2=16, BiasAdd=53, Conv2D=52, MatMul=1, Relu=48}; "
                + "FP32 {ArgMax=1, BiasAdd=1, Conv2D=1, MaxPool=1, Mean=1, Relu=1, Softmax=1, Squeeze=1}; 5 Casts at the boundaries"), r.out());
        assertEquals(0, CliRun.of("convert", "--to", "bf16", "--out", b.toString()).exitCode());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        Graph g = GraphDefCodec.read(a);
        assertEquals(DType.BFLOAT16, g.node("resnet_model/dense/MatMul").attrType("T"));
    }

    @Test
    void badInputIsAOneLineErrorAndNothingIsWritten(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.pb");
        CliRun r = CliRun.of("convert", "--to", "fp16", "--out", out.toString());
        assertEquals(2, r.exitCode());
        assertEquals("error: --to must be bf16, got 'fp16'", r.err().strip());
        Path bf16 = dir.resolve("bf16.pb");
        assertEquals(0, CliRun.of("convert", "--to", "bf16", "--out", bf16.toString()).exitCode());
        r = CliRun.of("convert", "--to", "bf16", "--model", bf16.toString(), "--out", out.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("is bfloat16 already: convert an FP32 graph"), r.err());
        Path junk = dir.resolve("junk.pb");
        Files.writeString(junk, "not a graph");
        r = CliRun.of("convert", "--to", "bf16", "--model", junk.toString(), "--out", out.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: " + junk), r.err());
        r = CliRun.of("convert", "--to", "bf16", "--model", bf16.toString(), "--out", bf16.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void benchRunsTheBf16EnginesOnTheConvertedModel(@TempDir Path dir) {
        Cpu.assumeTfRunsBf16();
        Path model = dir.resolve("tiny.pb"), bf16 = dir.resolve("tiny-bf16.pb");
        ResNet50Builder.write(ResNet50Builder.build(new ResNet50Spec(0.125, 32, 11, 3)).graph(), model);
        assertEquals(0, CliRun.of("convert", "--to", "bf16", "--model", model.toString(), "--out", bf16.toString()).exitCode());
        for (String[] bf16Model : new String[][] {{"--bf16-model", bf16.toString()}, {}}) {
            String[] args = {"bench", "--model", model.toString(), "--engines", "onednn-fp32,onednn-bf16,tf-bf16", "--batch", "1",
                    "--seconds", "0.2", "--warmup", "0.05", "--slice", "0.05"};
            CliRun r = CliRun.of(java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.Arrays.stream(bf16Model))
                    .toArray(String[]::new));
            assertEquals(0, r.exitCode(), r.err());
            assertTrue(r.out().contains("ratio onednn-bf16 / onednn-fp32 at batch 1:"), r.out());
            assertTrue(r.out().contains("ratio onednn-bf16 / tf-bf16 at batch 1:"), r.out());
        }
    }
}
