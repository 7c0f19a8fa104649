package io.qtune.graph.passes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import io.qtune.data.SyntheticImages;
import io.qtune.graph.Bfloat16;
import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.Tensor;
import io.qtune.graph.TensorRef;
import io.qtune.testing.Cpu;
import io.qtune.testing.TfReference;
import io.qtune.zoo.ProxyModel;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The whole-model BF16 conversion of the proxy ResNet50: what is bf16, where the Casts are, and that stock TF runs it. */
class ConvertToBf16Test {
    static final Graph FP32 = GraphDefCodec.fromBytes(ProxyModel.bytes(), "proxy");
    static final Graph BF16 = Passes.convertToBf16(FP32);

    @Test
    void dotProductsAndTheOpsBetweenThemAreBf16WithFp32InputAndOutputs() {
        Map<String, Integer> bf16 = new HashMap<>();
        for (Node n : BF16.nodes()) if (n.attrType("T", DType.FLOAT) == DType.BFLOAT16) bf16.merge(n.op(), 1, Integer::sum);
        // the 3-channel stem stays FP32, with its bias, ReLU and max pool (ConvertToBf16.oddInputChannels)
        assertEquals(Map.of(Ops.CONV2D, 52, Ops.MAT_MUL, 1, Ops.BIAS_ADD, 53, Ops.RELU, 48, Ops.ADD_V2, 16), bf16);
        Node stem = BF16.nodes().stream().filter(n -> n.op().equals(Ops.CONV2D)).findFirst().orElseThrow();
        assertEquals(3, BF16.constant(stem.input(1)).dim(2));
        assertEquals(DType.FLOAT, stem.attrType("T"));
        assertEquals(DType.FLOAT, BF16.constant(stem.input(1)).dtype());
        // every tensor a node reads has the type the node declares: the Casts sit exactly where the type changes
        Map<TensorRef, DType> types = new HashMap<>();
        for (Node n : BF16.nodes()) types.put(new TensorRef(n.name(), 0), ConvertToBf16.outputType(n));
        for (Node n : BF16.nodes()) {
            if (n.op().equals(Ops.CAST)) {
                assertEquals(n.attrType("SrcT"), types.get(n.input(0)), n.toString());
                continue;
            }
            if (n.op().equals(Ops.CONST) || !n.hasAttr("T")) continue;
            int typed = switch (n.op()) {
                case Ops.MEAN, Ops.RESHAPE, Ops.ARG_MAX -> 1;
                default -> n.inputs().size();
            };
            for (int i = 0; i < typed; i++) assertEquals(n.attrType("T"), types.get(n.input(i)), n + " input " + i);
        }
        assertEquals(5, PassCheck.count(BF16, Ops.CAST)); // after the stem's max pool, into Mean, into MatMul, logits, ArgMax
        assertEquals(DType.FLOAT, BF16.placeholders().get(0).attrType("dtype"));
        assertEquals(FP32.sinks().stream().map(Node::name).sorted().toList(), BF16.sinks().stream().map(Node::name).sorted().toList());
        Node softmax = BF16.node("softmax_tensor");
        assertEquals(DType.FLOAT, softmax.attrType("T"));
        Node argMax = BF16.node("ArgMax");
        assertEquals(Ops.CAST, argMax.op());
        assertEquals(DType.FLOAT, argMax.attrType("DstT"));
        assertEquals(DType.FLOAT, BF16.nodes().stream().filter(n -> n.op().equals(Ops.MEAN)).findFirst().orElseThrow().attrType("T"));
    }

    @Test
    void weightsAreTheFoldedFp32WeightsRoundedToBf16() {
        Graph fused = Passes.fuseForInference(FP32);
        // the first bf16 convolution (the stem stays FP32) and the same convolution of the fused FP32 graph
        Node bf16Conv = BF16.nodes().stream().filter(n -> n.op().equals(Ops.CONV2D) && n.attrType("T") == DType.BFLOAT16)
                .findFirst().orElseThrow();
        Node conv = fused.nodes().stream().filter(n -> Ops.isConv(n.op()) && n.name().startsWith(bf16Conv.name().replaceAll("/Conv2D$", "")))
                .findFirst().orElseThrow();
        float[] fp32 = fused.constant(conv.input(1)).floats();
        Tensor w = BF16.constant(bf16Conv.input(1));
        assertEquals(DType.BFLOAT16, w.dtype());
        float[] rounded = new float[fp32.length];
        for (int i = 0; i < rounded.length; i++) rounded[i] = Bfloat16.round(fp32[i]);
        assertArrayEquals(rounded, w.floats());
        assertFalse(Arrays.equals(fp32, w.floats()), "FP32 weights are not all bf16 values");
    }

    @Test
    void bytesAreDeterministicAndSurviveARoundTrip() {
        byte[] once = GraphDefCodec.toBytes(BF16);
        byte[] again = GraphDefCodec.toBytes(Passes.convertToBf16(GraphDefCodec.fromBytes(ProxyModel.bytes(), "proxy")));
        assertArrayEquals(once, again);
        assertArrayEquals(once, GraphDefCodec.toBytes(GraphDefCodec.fromBytes(once, "bf16")));
    }

    @Test
    void aBf16GraphIsNotConvertedAgain() {
        QtuneException e = assertThrows(QtuneException.class, () -> Passes.convertToBf16(BF16));
        assertTrue(e.getMessage().contains("is bfloat16 already: convert an FP32 graph"), e.getMessage());
    }

    @Test
    void roundsToNearestEvenAsTfCastDoes() {
        assertEquals(1.0f, Bfloat16.round(1.0f + 0x1p-8f)); // halfway: to even (1.0)
        assertEquals(1.0f + 0x1p-6f, Bfloat16.round(1.0f + 0x1p-6f + 0x1p-8f)); // halfway: to even (odd lsb rounds up)
        assertEquals(1.0f + 0x1p-7f, Bfloat16.round(1.0f + 0x1p-8f + 0x1p-12f));
        assertTrue(Float.isNaN(Bfloat16.round(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, Bfloat16.round(Float.MAX_VALUE)); // beyond bf16's largest finite value
    }

    @Test
    void stockTensorFlowRunsItInBf16() {
        Cpu.assumeTfRunsBf16();
        int batch = 16, size = ProxyModel.IMAGE_SIZE;
        float[] images = SyntheticImages.batch(batch, size, 3);
        long[] shape = {batch, size, size, 3};
        List<String> fetch = List.of("softmax_tensor", "ArgMax");
        Map<String, float[]> bf16 = TfReference.run(BF16, "input_tensor", images, shape, fetch);
        Map<String, float[]> fp32 = TfReference.run(FP32, "input_tensor", images, shape, fetch);
        assertEquals(batch * ProxyModel.CLASSES, bf16.get("softmax_tensor").length);
        assertEquals(batch, bf16.get("ArgMax").length);
        // bf16 arithmetic really ran (FP32 would give FP32's numbers), and it stays close: probabilities within 0.1
        assertFalse(Arrays.equals(bf16.get("softmax_tensor"), fp32.get("softmax_tensor")));
        float worst = 0;
        for (int i = 0; i < bf16.get("softmax_tensor").length; i++) {
            worst = Math.max(worst, Math.abs(bf16.get("softmax_tensor")[i] - fp32.get("softmax_tensor")[i]));
        }
        assertTrue(worst < 0.1, "softmax differs by " + worst);
    }
}
