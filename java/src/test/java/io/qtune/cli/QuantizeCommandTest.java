package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Ops;
import io.qtune.data.DataSpec;
import io.qtune.data.LabeledImages;
import io.qtune.quant.QuantPlan;
import io.qtune.quant.Quantizer;
import io.qtune.zoo.ProxyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuantizeCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesTheSameInt8GraphTwiceAndItsPlanReproducesIt() throws Exception {
        Path a = dir.resolve("a.pb"), b = dir.resolve("b.pb"), c = dir.resolve("c.pb"), plan = dir.resolve("plan.json");
        CliRun r = CliRun.of("quantize", "--calib", "synthetic:40", "--calib-size", "40", "--out", a.toString(), "--save-plan", plan.toString(),
                "--json", dir.resolve("q.json").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("54 ops INT8, 0 BF16, 0 FP32"), r.out());
        assertEquals(0, CliRun.of("quantize", "--calib", "synthetic:40", "--calib-size", "40", "--out", b.toString()).exitCode());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "same inputs and options, same bytes");
        // the saved plan carries every range: quantizing from it needs no calibration and gives the same graph
        CliRun fromPlan = CliRun.of("quantize", "--calib", "synthetic:1", "--plan", plan.toString(), "--out", c.toString());
        assertEquals(0, fromPlan.exitCode(), fromPlan.err());
        assertTrue(fromPlan.out().contains("calibrated on 0 images"), fromPlan.out());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(c));
        assertTrue(Files.readString(dir.resolve("q.json")).contains("\"int8_ops\":54"));
        // from Java, the calibration images given to the builder as a spec or as images: the CLI's bytes
        Path d = dir.resolve("d.pb"), e = dir.resolve("e.pb");
        Quantizer.builder().calib("synthetic:40").calibSize(40).build().quantize(ProxyModel.file(), d, n -> {});
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(d));
        try (LabeledImages images = DataSpec.open("synthetic:40", ProxyModel.IMAGE_SIZE)) {
            Quantizer.builder().calib(images).calibSize(40).build().quantize(ProxyModel.file(), e, n -> {});
        }
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(e));

        Graph g = GraphDefCodec.read(a);
        assertEquals(Ops.CAST, g.node("ArgMax").op());
        assertEquals(DType.FLOAT, g.node("ArgMax").attrType("DstT"));
        assertTrue(g.opCounts().containsKey(Ops.QCONV_BIAS_SUM_RELU_REQUANTIZE));
        assertFalse(QuantPlan.read(plan).ranges().isEmpty());
    }

    @Test
    void attrEditWarnsAndBadOptionsAreClearErrors() {
        Path out = dir.resolve("nv.pb");
        CliRun r = CliRun.of("quantize", "--calib", "synthetic:8", "--calib-size", "8", "--argmax-output", "attr-edit", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("stock TensorFlow rejects this graph"), r.err());
        assertEquals(DType.FLOAT, GraphDefCodec.read(out).node("ArgMax").attrType("output_type"));

        r = CliRun.of("quantize", "--weights", "per-row", "--out", dir.resolve("x.pb").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--weights must be per-channel or per-tensor"), r.err());
        r = CliRun.of("quantize", "--calib-algo", "entropy2", "--out", dir.resolve("x.pb").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("entropy2"), r.err());
        r = CliRun.of("quantize", "--weight-range", "6bit", "--out", dir.resolve("x.pb").toString());
        assertEquals(2, r.exitCode());
        assertEquals("error: --weight-range must be 7bit or 8bit, got '6bit'", r.err().strip());
        assertFalse(Files.exists(dir.resolve("x.pb")), "nothing written on error");
    }

    @Test
    void theWeightRangeSettingReachesTheFiltersThePlanAndTheSummary() throws Exception {
        for (String range : new String[] {"7bit", "8bit"}) {
            Path out = dir.resolve(range + ".pb"), plan = dir.resolve(range + ".plan.json");
            CliRun r = CliRun.of("quantize", "--calib", "synthetic:8", "--calib-size", "8", "--weight-range", range,
                    "--out", out.toString(), "--save-plan", plan.toString(), "--json", dir.resolve(range + ".json").toString());
            assertEquals(0, r.exitCode(), r.err());
            assertTrue(r.out().contains("(minmax, per-channel " + range + " weights)"), r.out());
            assertTrue(Files.readString(dir.resolve(range + ".json")).contains("\"weight_range\":\"" + range + "\""));
            assertTrue(Files.readString(plan).contains("\"weight_range\": \"" + range + "\""));
            long largest = 0;
            Graph g = GraphDefCodec.read(out);
            for (io.qtune.graph.Node n : g.nodes()) {
                if (!Ops.isQuantizedConv(n.op())) continue;
                long[] codes = g.requireConstant(n, 1).longs();
                // u8 input: 7-bit codes; the signed stem: the same codes doubled (Int8Weights.Codes)
                long limit = range.equals("8bit") ? 127 : n.attrType("Tinput") == DType.QINT8 ? 126 : 63;
                for (long q : codes) {
                    assertTrue(Math.abs(q) <= limit, n.name() + ": code " + q);
                    largest = Math.max(largest, Math.abs(q));
                }
            }
            assertEquals(range.equals("8bit") ? 127 : 126, largest, "max|W| of some channel lands on the largest code");
            // where the CPU's dot product saturates, the 8-bit file comes with the warning that says what to do
            boolean warned = r.err().contains("quantize with --weight-range 7bit for the same integers on every CPU");
            assertEquals(range.equals("8bit") && io.qtune.platform.Machine.current().int8DotProductSaturates(), warned, r.err());
        }
    }
}
