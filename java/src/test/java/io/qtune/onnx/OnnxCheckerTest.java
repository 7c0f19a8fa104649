package io.qtune.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.AtomicFiles;
import io.qtune.data.SyntheticImages;
import io.qtune.graph.Graph;
import io.qtune.graph.Ops;
import io.qtune.quant.PlanDecisions;
import io.qtune.quant.QuantPlan;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exports pass the ONNX reference checker (Debian's python3-onnx, run by /usr/bin/python3): check_model with
 * full_check, strict shape inference with type checks, and inferred output shapes equal to the declared ones. FP32
 * with the logits as an extra output, INT8 with an inner (quantized, NHWC) convolution output, in both residual forms.
 */
class OnnxCheckerTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @Test
    void fp32AndInt8ExportsPassTheOnnxChecker(@TempDir Path dir) throws IOException, InterruptedException {
        // a failure, not a skip: scripts/test installs it (without the onnx module the script says so, exit 2)
        assertTrue(Files.isExecutable(PYTHON), PYTHON + " is missing: run scripts/install-deps (python3-onnx)");
        Graph fused = OnnxExporterTest.proxy();
        QuantPlan plan = OnnxExporterTest.minMaxPlan(fused, SyntheticImages.batch(4, OnnxExporterTest.SIZE, 3), 4);
        String conv = fused.nodes().stream().filter(n -> Ops.isConv(n.op())).findFirst().orElseThrow().name();
        List<String> models = new ArrayList<>();
        models.add(write(dir.resolve("fp32.onnx"), new OnnxExporter().export(fused, null, List.of(OnnxExporterTest.logits(fused)))));
        for (OnnxExporter.ResidualAdd form : OnnxExporter.ResidualAdd.values()) {
            OnnxExporter.Result r = new OnnxExporter(form).export(fused, new PlanDecisions(plan), List.of(conv));
            models.add(write(dir.resolve("int8-" + form + ".onnx"), r));
        }

        Path script = dir.resolve("check_onnx.py");
        try (InputStream in = OnnxCheckerTest.class.getResourceAsStream("check_onnx.py")) {
            Files.copy(in, script);
        }
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), script.toString()));
        cmd.addAll(models);
        Path log = dir.resolve("check.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the ONNX checker did not finish in 120 s: " + String.join(" ", cmd));
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        System.out.print(out);
        assertEquals(0, p.exitValue(), "ONNX checker (exit " + p.exitValue() + "):\n" + out);
    }

    private static String write(Path file, OnnxExporter.Result r) {
        AtomicFiles.write(file, r.bytes());
        return file.toString();
    }
}
