package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.Arrays;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportCommandTest {
    @Test
    void exportsTheProxyInFp32AndFromAPlanInInt8(@TempDir Path dir) throws Exception {
        Path fp32 = dir.resolve("out/proxy.onnx"), again = dir.resolve("again.onnx"), plan = dir.resolve("plan.json");
        Path int8 = dir.resolve("proxy-int8.onnx"), int8Add = dir.resolve("proxy-int8-add.onnx");
        CliRun r = CliRun.of("export", "--format", "onnx", "--out", fp32.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("wrote " + fp32 + ": FP32 ONNX (opset 13)"), r.out());
        assertEquals(0, CliRun.of("export", "--format", "onnx", "--out", again.toString()).exitCode());
        assertArrayEquals(Files.readAllBytes(fp32), Files.readAllBytes(again), "same model, same bytes");

        CliRun q = CliRun.of("quantize", "--calib-size", "64", "--out", dir.resolve("proxy-int8.pb").toString(), "--save-plan", plan.toString());
        assertEquals(0, q.exitCode(), q.err());
        r = CliRun.of("export", "--format", "onnx", "--plan", plan.toString(), "--out", int8.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("INT8 QDQ ONNX (opset 13, residual add in float)") && r.out().contains("plan: 54 ops INT8, 0 not"), r.out());
        r = CliRun.of("export", "--format", "onnx", "--plan", plan.toString(), "--residual-add", "int8", "--out", int8Add.toString());
        assertEquals(0, r.exitCode(), r.err());
        // INT8 weights are a quarter of the FP32 ones
        assertTrue(Files.size(int8) < Files.size(fp32) / 2, Files.size(int8) + " vs " + Files.size(fp32));
        assertFalse(Arrays.equals(Files.readAllBytes(int8), Files.readAllBytes(int8Add)));
    }

    @Test
    void badArgumentsAreOneLineErrorsAndWriteNothing(@TempDir Path dir) {
        Path out = dir.resolve("x.onnx");
        CliRun r = CliRun.of("export", "--format", "tflite", "--out", out.toString());
        assertEquals(2, r.exitCode());
        assertEquals("error: --format must be onnx, got 'tflite'", r.err().strip());
        r = CliRun.of("export", "--format", "onnx", "--plan", dir.resolve("missing.json").toString(), "--out", out.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: cannot read quant plan") && r.err().contains("missing.json"), r.err());
        r = CliRun.of("export", "--format", "onnx", "--residual-add", "fp16", "--out", out.toString());
        assertEquals(2, r.exitCode());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(out));
    }
}
