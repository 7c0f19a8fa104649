package io.qtune.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import io.qtune.calib.TensorRange;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuantPlanTest {
    private static final String SMALL_JSON = """
            {
              "format": "qtune.quant-plan",
              "ops": {
                "resnet_model/conv2d/Conv2D": {
                  "activation_algorithm": "kl",
                  "precision": "INT8",
                  "weight_granularity": "PER_CHANNEL",
                  "weight_range": "7bit"
                },
                "resnet_model/dense/MatMul": {
                  "activation_algorithm": "percentile:99.9",
                  "precision": "FP32",
                  "weight_granularity": "PER_TENSOR",
                  "weight_range": "8bit"
                }
              },
              "ranges": {
                "input_tensor:0": {
                  "max": 151.061,
                  "min": -123.68
                },
                "resnet_model/Relu:0": {
                  "max": 0.1,
                  "min": 0
                }
              },
              "version": 1
            }
            """;

    private static QuantPlan small() {
        return QuantPlan.empty()
                .withRange("resnet_model/Relu:0", new TensorRange(0f, 0.1f))
                .withOp("resnet_model/dense/MatMul", new OpPlan(Precision.FP32, WeightGranularity.PER_TENSOR, WeightRange.EIGHT_BIT, "percentile:99.90"))
                .withRange("input_tensor:0", new TensorRange(-123.68f, 151.061f))
                .withOp("resnet_model/conv2d/Conv2D", new OpPlan(Precision.INT8, WeightGranularity.PER_CHANNEL, "kl"));
    }

    @Test
    void writesTheDocumentedFormat() {
        assertEquals(SMALL_JSON, small().toJson());
        assertEquals(small(), QuantPlan.fromJson(SMALL_JSON, "small.json"));
        assertEquals("{\n  \"format\": \"qtune.quant-plan\",\n  \"ops\": {},\n  \"ranges\": {},\n  \"version\": 1\n}\n",
                QuantPlan.empty().toJson());
        assertEquals(QuantPlan.empty(), QuantPlan.fromJson(QuantPlan.empty().toJson(), "empty"));
    }

    @Test
    void roundTripIsExactAndBytesAreStable() {
        QuantPlan p = PlanFixtures.awkward();
        String json = p.toJson();
        QuantPlan back = QuantPlan.fromJson(json, "random");
        assertEquals(p, back);
        for (String t : p.ranges().keySet()) {
            assertEquals(Float.floatToRawIntBits(p.range(t).min()), Float.floatToRawIntBits(back.range(t).min()), t);
            assertEquals(Float.floatToRawIntBits(p.range(t).max()), Float.floatToRawIntBits(back.range(t).max()), t);
        }
        assertEquals(json, back.toJson(), "same plan, same bytes");
        assertEquals("percentile:99.99", back.op("op3").activationAlgorithm(), "specs are stored in canonical form");
    }

    @Test
    void floatsAreShortestAndReadBackExactly() {
        assertEquals("0.1", PlanJson.formatFloat(0.1f));
        assertEquals("6.5", PlanJson.formatFloat(6.5f));
        assertEquals("100", PlanJson.formatFloat(100f));
        assertEquals("0", PlanJson.formatFloat(0f));
        assertEquals("-0.0", PlanJson.formatFloat(-0f));
        assertEquals("1E-8", PlanJson.formatFloat(1e-8f));
        assertEquals("0.000001", PlanJson.formatFloat(1e-6f));
        assertEquals("1E+9", PlanJson.formatFloat(1e9f));
        assertEquals("3.4028235E+38", PlanJson.formatFloat(Float.MAX_VALUE));
        assertEquals("1E-45", PlanJson.formatFloat(Float.MIN_VALUE));
        assertEquals("16777216", PlanJson.formatFloat(16777216f));
        Random r = new Random(8);
        for (int i = 0; i < 5_000; i++) {
            float f = Float.intBitsToFloat(r.nextInt());
            if (!Float.isFinite(f)) continue;
            String s = PlanJson.formatFloat(f);
            assertEquals(Float.floatToRawIntBits(f), Float.floatToRawIntBits(Float.parseFloat(s)), s);
            String digits = s.replaceFirst("E.*", "").replaceAll("[^0-9]", "").replaceFirst("^0+", "");
            assertTrue(digits.length() <= 9, s + " has more than 9 significant digits");
        }
        assertThrows(QtuneException.class, () -> PlanJson.formatFloat(Float.NaN));
    }

    private static String error(String json) {
        return assertThrows(QtuneException.class, () -> QuantPlan.fromJson(json, "plan.json")).getMessage();
    }

    @Test
    void malformedJsonNamesTheLineAndField() {
        assertEquals("quant plan plan.json: line 3, column 3: Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries",
                error("{\n  \"format\": \"qtune.quant-plan\"\n  \"ops\": {}\n}"));
        assertEquals("quant plan plan.json: line 6, column 20: ops.\"conv\".precision: unknown value \"INT4\" (expected one of INT8, BF16, FP32)",
                error(SMALL_JSON.replace("\"ops\": {\n", "\"ops\": {\n    \"conv\": {\n      \"activation_algorithm\": \"kl\",\n"
                        + "      \"precision\": \"INT4\",\n      \"weight_granularity\": \"PER_TENSOR\"\n    },\n")));
        assertEquals("quant plan plan.json: line 19, column 14: ranges.\"input_tensor:0\".max: expected a number, found a string",
                error(SMALL_JSON.replace("151.061", "\"151.061\"")));
        assertEquals("quant plan plan.json: line 20, column 14: ranges.\"input_tensor:0\".min: 1E+39 is beyond the float range",
                error(SMALL_JSON.replace("-123.68", "1E+39")));
        assertEquals("quant plan plan.json: line 18, column 23: ranges.\"input_tensor:0\": min 200.0 is above max 151.061",
                error(SMALL_JSON.replace("-123.68", "200")));
        assertEquals("quant plan plan.json: line 5, column 31: ops.\"resnet_model/conv2d/Conv2D\".activation_algorithm: "
                        + "unknown range algorithm 'entropy'; expected minmax, kl, mse, percentile or percentile:P",
                error(SMALL_JSON.replace("\"kl\"", "\"entropy\"")));
        assertEquals("quant plan plan.json: line 7, column 7: ops.\"resnet_model/conv2d/Conv2D\": unknown field \"weight_granulrity\" "
                        + "(expected activation_algorithm, precision, weight_granularity, weight_range)",
                error(SMALL_JSON.replace("\"weight_granularity\": \"PER_CHANNEL\"", "\"weight_granulrity\": \"PER_CHANNEL\"")));
        assertEquals("quant plan plan.json: line 4, column 35: ops.\"resnet_model/conv2d/Conv2D\": missing field \"weight_granularity\"",
                error(SMALL_JSON.replace(",\n      \"weight_granularity\": \"PER_CHANNEL\"", "")));
        assertEquals("quant plan plan.json: line 8, column 23: ops.\"resnet_model/conv2d/Conv2D\".weight_range: must be 7bit or 8bit, "
                        + "found \"6bit\"", error(SMALL_JSON.replace("\"7bit\"", "\"6bit\"")));
        // a plan from before 7-bit weights names no range: its ops were quantized with all of qint8
        assertEquals(WeightRange.EIGHT_BIT, QuantPlan.fromJson(SMALL_JSON.replace(",\n      \"weight_range\": \"7bit\"", ""), "old.json")
                .op("resnet_model/conv2d/Conv2D").weightRange());
        assertEquals("quant plan plan.json: line 3, column 3: duplicate key \"format\"",
                error("{\n  \"format\": \"qtune.quant-plan\",\n  \"format\": \"x\"}"));
        assertEquals("quant plan plan.json: line 27, column 14: version: this qtune reads version 1, the plan is version 2",
                error(SMALL_JSON.replace("\"version\": 1", "\"version\": 2")));
        assertEquals("quant plan plan.json: line 2, column 13: format: expected \"qtune.quant-plan\", found \"onnx\"",
                error(SMALL_JSON.replace("\"qtune.quant-plan\"", "\"onnx\"")));
        assertEquals("quant plan plan.json: line 29, column 1: Unexpected close marker '}': no open Object to close", error(SMALL_JSON + "}"));
        assertEquals("quant plan plan.json: line 29, column 1: unexpected { after the end of the plan", error(SMALL_JSON + "{}"));
        assertEquals("quant plan plan.json: line 1, column 1: unexpected end of the plan, expected a value", error(""));
        assertEquals("quant plan plan.json: line 1, column 2: Unexpected character ('f' (code 102)): was expecting double-quote to start field name", error("{format: 1}"));
        assertEquals("quant plan plan.json: line 1, column 15: Unexpected end-of-input: was expecting closing quote for a string value", error("{\"format\": \"qt"));
        assertEquals("quant plan plan.json: line 1, column 1: the plan: expected an object, found an array", error("[1, 2]"));
        assertEquals("quant plan plan.json: line 1, column 1: missing field \"format\"", error("{}"));
        assertEquals("quant plan plan.json: line 1, column 14: Unexpected character ('}' (code 125)) in numeric value: Decimal point not followed by a digit",
                error("{\"version\": 1.}"));
        assertEquals("quant plan plan.json: line 27, column 14: version: expected an integer, found a string",
                error(SMALL_JSON.replace("\"version\": 1", "\"version\": \"1\"")));
        assertTrue(error("[".repeat(100)).startsWith("quant plan plan.json: line 1, column 6"), error("[".repeat(100)));
    }

    @Test
    void writesAtomicallyAndReadsBack(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("plans/plan.json");
        small().write(file);
        small().withOp("extra", OpPlan.int8()).write(file); // replaces the first one
        assertEquals(small().withOp("extra", OpPlan.int8()), QuantPlan.read(file));
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
        // readable like every other output (AtomicFiles), not owner-only like the temp file it was renamed from
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(assertThrows(QtuneException.class, () -> QuantPlan.read(dir.resolve("missing.json"))).getMessage()
                .startsWith("cannot read quant plan "));
    }

    @Test
    void plansAreImmutableValues() {
        QuantPlan p = small();
        QuantPlan q = p.withOp("resnet_model/conv2d/Conv2D", p.op("resnet_model/conv2d/Conv2D").withPrecision(Precision.BF16));
        assertEquals(Precision.INT8, p.op("resnet_model/conv2d/Conv2D").precision());
        assertEquals(Precision.BF16, q.op("resnet_model/conv2d/Conv2D").precision());
        assertEquals(p, q.withOp("resnet_model/conv2d/Conv2D", p.op("resnet_model/conv2d/Conv2D")));
        assertEquals(1, p.withoutOp("resnet_model/dense/MatMul").ops().size());
        assertThrows(QtuneException.class, () -> p.op("nope"));
        assertThrows(QtuneException.class, () -> p.range("nope"));
        assertThrows(QtuneException.class, () -> p.withOp("", OpPlan.int8()));
        assertThrows(QtuneException.class, () -> new OpPlan(null, WeightGranularity.PER_TENSOR, "kl"));
        assertThrows(UnsupportedOperationException.class, () -> p.ops().clear());
    }
}
