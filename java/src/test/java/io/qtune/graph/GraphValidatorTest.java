package io.qtune.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import io.qtune.testing.HostileGraphs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorShapeProto;

/** Each row of issue 13's table that is about the graph: refused with one line naming the node, before TF or oneDNN. */
class GraphValidatorTest {
    /** Round trip through the bytes, the path every entry point takes. */
    private static Graph load(Graph g) {
        return GraphDefCodec.fromBytes(GraphDefCodec.toBytes(g), "test.pb");
    }

    private static String refused(Graph g, String... parts) {
        QtuneException e = assertThrows(QtuneException.class, () -> load(g));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        for (String p : parts) assertTrue(m.contains(p), "'" + p + "' not in: " + m);
        return m;
    }

    @Test
    void theSmallClassifierPasses() {
        Graph g = HostileGraphs.classifier();
        assertSame(g, GraphValidator.validate(g));
        assertEquals(g.size(), load(g).size());
    }

    @Test
    void windowAttributesOutOfRange() {
        refused(HostileGraphs.stride(0), "node 'conv' (Conv2D)", "strides [1, 0, 0, 1]", "between 1 and 4096");
        refused(HostileGraphs.stride(-2), "node 'conv'", "strides");
        refused(HostileGraphs.poolSize(0), "node 'pool' (MaxPool)", "ksize [1, 0, 0, 1]");
        refused(HostileGraphs.with("conv", n -> n.withAttr("dilations", new long[] {1, 0, 1, 1})), "node 'conv'", "dilations");
        refused(HostileGraphs.with("conv", n -> n.withAttr("padding", "EXPLICIT")
                .withAttr("explicit_paddings", new long[] {0, 0, -1, 0, 0, 0, 0, 0})), "node 'conv'", "explicit_paddings");
    }

    @Test
    void aHugePadIsRefusedBeforeAnyRuntime() {
        // 10^6 on each side made oneDNN fail to allocate and crashed TF's process (SIGSEGV)
        refused(HostileGraphs.pad(1_000_000), "node 'pad' (Pad)", "between 0 and 4096");
        refused(HostileGraphs.pad(-1), "node 'pad' (Pad)");
        // found by scripts/fuzz: float amounts reached the fold-pad pass (an IllegalStateException) before shape inference
        refused(HostileGraphs.with("pad/paddings", n -> n.withAttr("value", Tensor.ofFloats(new long[] {4, 2},
                new float[] {0, 0, 1, 1, 1, 1, 0, 0}))), "node 'pad' (Pad)", "paddings) must be an integer constant");
    }

    @Test
    void inputAndTensorSizesAreBounded() {
        refused(HostileGraphs.inputSize(100_000), "node 'input_tensor'", "dimension 1 must be between 1 and 16384");
        refused(HostileGraphs.inputSize(0), "node 'input_tensor'", "dimension 1");
        // 16384 x 16384 x 3 = 805,306,368 elements > 2^28: within the per-dimension bound, over the per-tensor one
        refused(HostileGraphs.inputSize(16_384), "node 'input_tensor'", "more than 268435456 elements");
    }

    @Test
    void aNegativeConstantDimensionIsAnImportError() {
        GraphDef def = GraphDefCodec.toGraphDef(HostileGraphs.classifier());
        GraphDef.Builder b = def.toBuilder();
        for (int i = 0; i < b.getNodeCount(); i++) {
            NodeDef.Builder n = b.getNodeBuilder(i);
            if (!n.getName().equals("conv/kernel")) continue;
            n.getAttrOrThrow("value");
            var value = n.getAttrMap().get("value").toBuilder();
            value.getTensorBuilder().getTensorShapeBuilder().setDim(0, TensorShapeProto.Dim.newBuilder().setSize(-1));
            n.putAttr("value", value.build());
        }
        QtuneException e = assertThrows(QtuneException.class, () -> GraphDefCodec.fromBytes(b.build().toByteArray(), "t.pb"));
        assertTrue(e.getMessage().contains("node 'conv/kernel'") && e.getMessage().contains("negative dimension"), e.getMessage());
    }

    @Test
    void nonFiniteWeightsBiasesAndBatchNormParameters() {
        refused(HostileGraphs.value("conv/kernel", 5, Float.NaN), "node 'conv/kernel' (Const)", "1 of 108 values are not finite", "index 5");
        refused(HostileGraphs.value("bn/moving_variance", 0, Float.POSITIVE_INFINITY), "node 'bn/moving_variance'", "1 of 4");
        refused(HostileGraphs.withValues("dense/kernel", f -> {
            java.util.Arrays.fill(f, Float.NaN);
            return f;
        }), "node 'dense/kernel'", "4004 of 4004 values are not finite");
        refused(HostileGraphs.value("dense/bias_add/bias", 3, Float.POSITIVE_INFINITY), "node 'dense/bias_add/bias'");
    }

    private static Graph quantize(float min, float max) {
        io.qtune.testing.GraphBuilder b = new io.qtune.testing.GraphBuilder(1);
        String x = b.placeholder("x", -1, 4);
        String lo = b.constant("min", Tensor.ofFloats(new long[0], new float[] {min}));
        String hi = b.constant("max", Tensor.ofFloats(new long[0], new float[] {max}));
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("T", DType.QUINT8);
        a.put("mode", "SCALED");
        a.put("round_mode", "HALF_TO_EVEN");
        b.raw("q", Ops.QUANTIZE_V2, List.of(x, lo, hi), a);
        b.raw("dq", Ops.DEQUANTIZE, List.of("q:0", "q:1", "q:2"), Map.of("T", DType.QUINT8, "mode", "SCALED"));
        return b.build();
    }

    @Test
    void int8RangesMustBeFiniteWithMinBelowMax() {
        load(quantize(0f, 6f));
        // min > max and NaN ran silently on the oneDNN engine; TF rejects them
        refused(quantize(6f, 0f), "node 'q' (QuantizeV2)", "min < max", "min 6.0 and max 0.0");
        refused(quantize(1f, 1f), "node 'q' (QuantizeV2)", "min < max");
        // a NaN range is caught as a non-finite constant first
        refused(quantize(Float.NaN, 1f), "node 'min' (Const)", "not finite");
    }

    @Test
    void multiplyAddsAreBounded() {
        // 1024x1024x16 input (16.8M elements) and a 31x31 SAME conv to 256 channels: output 1024*1024*256 = 2^28 elements,
        // exactly the tensor bound, but 1024^2 * 31^2 * 16 * 256 = 4.1e12 multiply-adds, over the 1e12 bound
        io.qtune.testing.GraphBuilder b = new io.qtune.testing.GraphBuilder(2);
        String x = b.placeholder("x", -1, 1024, 1024, 16);
        b.conv("wide", x, 31, 31, 16, 256, 1, "SAME");
        QtuneException e = assertThrows(QtuneException.class, () -> GraphValidator.validate(b.build()));
        assertTrue(e.getMessage().contains("node 'wide' (Conv2D)") && e.getMessage().contains("multiply-adds"), e.getMessage());
        // a 3x3 conv at the same size is 4.0e10 multiply-adds and passes
        io.qtune.testing.GraphBuilder ok = new io.qtune.testing.GraphBuilder(2);
        ok.conv("narrow", ok.placeholder("x", -1, 1024, 1024, 16), 3, 3, 16, 256, 1, "SAME");
        GraphValidator.validate(ok.build());
    }
}
