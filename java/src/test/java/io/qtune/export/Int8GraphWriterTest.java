package io.qtune.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import io.qtune.reference.ReferenceInterpreter;
import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.ShapeInference;
import io.qtune.graph.TensorRef;
import io.qtune.graph.passes.Passes;
import io.qtune.testing.GraphBuilder;
import io.qtune.testing.SmallResNet;
import io.qtune.testing.TfInt8Reference;
import io.qtune.testing.TfReference;
import io.qtune.reference.Int8ReferenceInterpreter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/** The INT8 exporter on a small MLPerf-layout ResNet: TF runs its graph, which tracks FP32 and the Java INT8 reference. */
public class Int8GraphWriterTest {
    static final long BATCH = 16;
    static Graph fp32;
    static Graph fused;
    static MinMaxDecisions allInt8;

    @BeforeAll
    static void calibrate() {
        fp32 = SmallResNet.build(11);
        fused = Passes.fuseForInference(fp32);
        allInt8 = new MinMaxDecisions(MinMaxDecisions.calibrate(fused, SmallResNet.INPUT, SmallResNet.inputShape(8), 3), Set.of(), true);
    }

    static float[] testInput() {
        return GraphBuilder.randomInput(77, 2.0, SmallResNet.inputShape(BATCH));
    }

    /** Every quantized tensor (QuantizeV2, convolution and max pool outputs) with the type TF gives it. */
    static Map<String, DType> quantizedOutputs(Graph int8) {
        Map<String, DType> r = new LinkedHashMap<>();
        for (Node n : int8.nodes()) {
            if (Ops.isQuantizedConv(n.op())) r.put(n.name(), n.attrType("out_type"));
            if (n.op().equals(Ops.QUANTIZE_V2) || n.op().equals(Ops.QUANTIZED_MAX_POOL)) r.put(n.name(), n.attrType("T"));
        }
        return r;
    }

    static int argmax(float[] v, int row, int classes) {
        int best = 0;
        for (int j = 1; j < classes; j++) if (v[row * classes + j] > v[row * classes + best]) best = j;
        return best;
    }

    /** Top-1 agreement and largest softmax difference between two [rows, classes] softmax outputs. */
    static String compareSoftmax(float[] a, float[] b, int classes, int[] agree) {
        int rows = a.length / classes, same = 0;
        for (int i = 0; i < rows; i++) if (argmax(a, i, classes) == argmax(b, i, classes)) same++;
        agree[0] = same;
        return "top-1 agreement " + same + "/" + rows + ", max |softmax diff| " + GraphBuilder.maxAbsDiff(a, b);
    }

    @Test
    void exportedGraphRunsInTensorFlowAndTracksFp32() {
        long[] shape = SmallResNet.inputShape(64);
        float[] input = GraphBuilder.randomInput(78, 2.0, shape);
        var ref = TfReference.run(fp32, SmallResNet.INPUT, input, shape, List.of("softmax_tensor", "ArgMax"));
        for (boolean perChannel : new boolean[] {true, false}) {
            Int8GraphWriter.Result r = new Int8GraphWriter().convert(fused, allInt8.with(Set.of(), perChannel));
            Graph g = r.graph();
            assertTrue(r.notes().isEmpty(), r.notes().toString());
            Map<String, Integer> ops = g.opCounts();
            System.out.println((perChannel ? "per-channel" : "per-tensor") + " INT8 graph ops: " + ops);
            assertEquals(1, ops.get(Ops.QUANTIZE_V2));
            assertEquals(1, ops.get(Ops.QUANTIZED_MAX_POOL));
            assertEquals(1, ops.get(Ops.DEQUANTIZE));
            assertEquals(2, ops.get(Ops.QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE));
            assertEquals(1, ops.get(Ops.QCONV_BIAS_SUM_RELU_REQUANTIZE));
            assertEquals(2, ops.get(Ops.QCONV_BIAS_REQUANTIZE));
            assertEquals(7, ops.get(Ops.QCONV_BIAS_RELU_REQUANTIZE));
            assertFalse(ops.containsKey(Ops.CONV2D));
            var tf = TfReference.run(g, SmallResNet.INPUT, input, shape, List.of("softmax_tensor", "ArgMax"));
            int[] agree = new int[1];
            String cmp = compareSoftmax(ref.get("softmax_tensor"), tf.get("softmax_tensor"), SmallResNet.CLASSES, agree);
            System.out.println((perChannel ? "per-channel" : "per-tensor") + " INT8 (TF) vs FP32 (TF), 64 inputs: " + cmp);
            // measured: 64/64 and 0.0012 (per channel), 0.0020 (per tensor); softmax values here are around 0.1
            assertTrue(agree[0] >= 62, cmp);
            assertTrue(GraphBuilder.maxAbsDiff(ref.get("softmax_tensor"), tf.get("softmax_tensor")) < 0.01, cmp);
            int[] argmaxes = new int[64];
            for (int i = 0; i < 64; i++) argmaxes[i] = argmax(tf.get("softmax_tensor"), i, SmallResNet.CLASSES);
            for (int i = 0; i < 64; i++) assertEquals(argmaxes[i], (int) tf.get("ArgMax")[i], "ArgMax row " + i);
        }
    }

    @Test
    void everyConvolutionMatchesTheJavaInt8Reference() {
        Graph g = new Int8GraphWriter().convert(fused, allInt8).graph();
        float[] input = testInput();
        long[] shape = SmallResNet.inputShape(BATCH);
        Map<String, DType> fetches = quantizedOutputs(g);
        fetches.put("softmax_tensor", DType.FLOAT);
        var tf = TfInt8Reference.run(g, SmallResNet.INPUT, input, shape, fetches);
        // layer by layer: each convolution of the reference reads TF's own outputs of the layers before it
        Map<TensorRef, Int8ReferenceInterpreter.Value> tfValues = new LinkedHashMap<>();
        for (Map.Entry<String, DType> f : quantizedOutputs(g).entrySet()) {
            var v = tf.get(f.getKey());
            tfValues.put(new TensorRef(f.getKey(), 0), new Int8ReferenceInterpreter.Value(v.shape(), f.getValue(), v.values()));
        }
        var mine = new Int8ReferenceInterpreter(g).runAll(Map.of(SmallResNet.INPUT, new ReferenceInterpreter.Value(shape, input)), Map.of());
        var mineLayerwise = new Int8ReferenceInterpreter(g).runAll(Map.of(SmallResNet.INPUT, new ReferenceInterpreter.Value(shape, input)), tfValues);
        Int8ReferenceInterpreterTest.Tally all = new Int8ReferenceInterpreterTest.Tally();
        Int8ReferenceInterpreterTest.Tally endToEnd = new Int8ReferenceInterpreterTest.Tally();
        for (String conv : quantizedOutputs(g).keySet()) {
            Int8ReferenceInterpreterTest.Tally t = new Int8ReferenceInterpreterTest.Tally();
            t.add(conv, tf.get(conv).values(), mineLayerwise.get(new TensorRef(conv, 0)).data());
            Int8ReferenceInterpreterTest.Tally e = new Int8ReferenceInterpreterTest.Tally();
            e.add(conv, tf.get(conv).values(), mine.get(new TensorRef(conv, 0)).data());
            System.out.println(conv + ": layer by layer " + t + "; end to end " + e);
            all.merge(t);
            endToEnd.merge(e);
        }
        System.out.println("exported graph, all convolution outputs, layer by layer: " + all);
        System.out.println("exported graph, all convolution outputs, end to end: " + endToEnd);
        float d = GraphBuilder.maxAbsDiff(tf.get("softmax_tensor").values(), mine.get(new TensorRef("softmax_tensor", 0)).data());
        System.out.println("softmax, TF vs Java INT8 reference end to end: max abs diff " + d);
        assertTrue(d < 1e-3, "softmax differs by " + d);
        assertEquals(0, all.worse, all.toString());
    }

    @Test
    void argMaxIsFloatWithTheInt64Values() {
        float[] input = testInput();
        long[] shape = SmallResNet.inputShape(BATCH);
        Graph cast = new Int8GraphWriter().convert(fused, allInt8).graph();
        assertEquals(Ops.CAST, cast.node("ArgMax").op());
        assertEquals(Ops.ARG_MAX, cast.node("ArgMax/int64").op());
        assertEquals(List.of(new TensorRef("ArgMax/int64", 0)), cast.node("ArgMax").inputs());
        var tf = TfInt8Reference.run(cast, SmallResNet.INPUT, input, shape,
                new LinkedHashMap<>(Map.of("ArgMax", DType.FLOAT, "ArgMax/int64", DType.INT64, "softmax_tensor", DType.FLOAT)));
        assertEquals("float", tf.get("ArgMax").dtype());
        assertEquals("int64", tf.get("ArgMax/int64").dtype());
        assertArrayEquals(new long[] {BATCH}, tf.get("ArgMax").shape());
        assertArrayEquals(tf.get("ArgMax/int64").values(), tf.get("ArgMax").values());
        float[] sm = tf.get("softmax_tensor").values();
        for (int i = 0; i < BATCH; i++) assertEquals(argmax(sm, i, SmallResNet.CLASSES), (int) tf.get("ArgMax").values()[i]);
    }

    @Test
    void attrEditChangesExactlyOneAttributeAndTensorFlowRejectsIt() {
        Int8GraphWriter.Result edit = new Int8GraphWriter(Int8GraphWriter.ArgMaxOutput.ATTR_EDIT).convert(fused, allInt8);
        Int8GraphWriter.Result plain = new Int8GraphWriter(Int8GraphWriter.ArgMaxOutput.INT64).convert(fused, allInt8);
        assertEquals(List.of(Int8GraphWriter.ATTR_EDIT_WARNING), edit.warnings());
        assertTrue(plain.warnings().isEmpty());
        GraphDef a = GraphDefCodec.toGraphDef(plain.graph()), b = GraphDefCodec.toGraphDef(edit.graph());
        assertEquals(a.getNodeCount(), b.getNodeCount());
        List<String> differences = new ArrayList<>();
        for (int i = 0; i < a.getNodeCount(); i++) {
            NodeDef x = a.getNode(i), y = b.getNode(i);
            assertEquals(x.getName(), y.getName());
            assertEquals(x.getOp(), y.getOp());
            assertEquals(x.getInputList(), y.getInputList());
            assertEquals(x.getAttrMap().keySet(), y.getAttrMap().keySet());
            for (String k : x.getAttrMap().keySet()) {
                if (!x.getAttrMap().get(k).equals(y.getAttrMap().get(k))) differences.add(x.getName() + "." + k);
            }
        }
        assertEquals(List.of("ArgMax.output_type"), differences);
        assertEquals(AttrValue.newBuilder().setTypeValue(1).build(), b.getNodeList().stream()
                .filter(n -> n.getName().equals("ArgMax")).findFirst().orElseThrow().getAttrMap().get("output_type"));
        // the warning is true: stock TF refuses the edited graph
        assertThrows(RuntimeException.class, () -> TfReference.run(edit.graph(), SmallResNet.INPUT, testInput(),
                SmallResNet.inputShape(BATCH), List.of("softmax_tensor")));
    }

    @Test
    void oneConvolutionKeptFp32StillRunsInTensorFlow() {
        float[] input = testInput();
        long[] shape = SmallResNet.inputShape(BATCH);
        var ref = TfReference.run(fp32, SmallResNet.INPUT, input, shape, List.of("softmax_tensor"));
        // block2/relu2 sits between two INT8 convolutions; block2/relu_out is a residual sum convolution
        for (String fallback : List.of("block2/relu2", "block2/relu_out")) {
            Int8GraphWriter.Result r = new Int8GraphWriter().convert(fused, allInt8.with(Set.of(fallback), true));
            Graph g = r.graph();
            assertEquals(Ops.CONV2D, g.node(fallback + "/Conv2D").op());
            assertEquals(Ops.DEQUANTIZE, g.producer(g.node(fallback + "/Conv2D").input(0)).op());
            assertFalse(g.contains(fallback + "_eightbit_quantized_conv"));
            System.out.println("fallback " + fallback + ": " + g.opCounts());
            Map<String, DType> fetches = quantizedOutputs(g);
            fetches.put("softmax_tensor", DType.FLOAT);
            var tf = TfInt8Reference.run(g, SmallResNet.INPUT, input, shape, fetches);
            int[] agree = new int[1];
            System.out.println("fallback " + fallback + ", INT8 (TF) vs FP32 (TF): " + compareSoftmax(ref.get("softmax_tensor"), tf.get("softmax_tensor").values(), SmallResNet.CLASSES, agree));
            assertTrue(GraphBuilder.maxAbsDiff(ref.get("softmax_tensor"), tf.get("softmax_tensor").values()) < 0.02);
            Map<TensorRef, Int8ReferenceInterpreter.Value> tfValues = new LinkedHashMap<>();
            for (Map.Entry<String, DType> f : quantizedOutputs(g).entrySet()) {
                var v = tf.get(f.getKey());
                tfValues.put(new TensorRef(f.getKey(), 0), new Int8ReferenceInterpreter.Value(v.shape(), f.getValue(), v.values()));
            }
            var mine = new Int8ReferenceInterpreter(g).runAll(Map.of(SmallResNet.INPUT, new ReferenceInterpreter.Value(shape, input)), tfValues);
            Int8ReferenceInterpreterTest.Tally t = new Int8ReferenceInterpreterTest.Tally();
            for (String q : quantizedOutputs(g).keySet()) t.add(q, tf.get(q).values(), mine.get(new TensorRef(q, 0)).data());
            System.out.println("fallback " + fallback + ", quantized tensors layer by layer: " + t);
            assertEquals(0, t.worse, t.toString());
        }
    }

    @Test
    void aMissingRangeIsAnErrorNamingTheTensor() {
        QtuneException e = assertThrows(QtuneException.class,
                () -> new Int8GraphWriter().convert(fused, allInt8.without("block2/relu1")));
        assertEquals("no calibrated range for tensor 'block2/relu1' (needed by node 'block2/relu1')", e.getMessage());
        e = assertThrows(QtuneException.class, () -> new Int8GraphWriter().convert(fused, allInt8.without(SmallResNet.INPUT)));
        assertEquals("no calibrated range for tensor 'input_tensor' (needed by node 'stem/relu')", e.getMessage());
    }

    @Test
    void writesAtomicallyTheSameBytesEveryTime(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.pb"), b = dir.resolve("sub/b.pb");
        new Int8GraphWriter().write(fused, allInt8, a);
        // a fresh calibration object and a fresh fused graph: nothing may depend on identity or hash order
        MinMaxDecisions again = new MinMaxDecisions(MinMaxDecisions.calibrate(Passes.fuseForInference(SmallResNet.build(11)),
                SmallResNet.INPUT, SmallResNet.inputShape(8), 3), Set.of(), true);
        new Int8GraphWriter().write(Passes.fuseForInference(SmallResNet.build(11)), again, b);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        new Int8GraphWriter().write(fused, allInt8, a); // overwrite in place
        assertArrayEquals(Files.readAllBytes(b), Files.readAllBytes(a));
        try (var files = Files.list(dir)) {
            assertEquals(List.of("a.pb", "sub"), files.map(p -> p.getFileName().toString()).sorted().toList(), "temp files left behind");
        }
        // the importer reads it back, and shape inference knows every op in it
        Graph back = GraphDefCodec.read(a);
        assertEquals(new Int8GraphWriter().convert(fused, allInt8).graph().opCounts(), back.opCounts());
        var shapes = ShapeInference.infer(back, 2);
        assertArrayEquals(new long[] {2}, shapes.get(new TensorRef("ArgMax", 0)));
        assertArrayEquals(new long[0], shapes.get(new TensorRef("stem/relu_eightbit_quantized_conv", 2)));
    }

    @Test
    void graphsBeyondResNetExportWithFallbacksWhereTensorFlowHasNoKernel() {
        // every op the importer accepts in FP32, then a conv + bias + Relu6 whose outputs exceed 6
        Graph odd = io.qtune.reference.ReferenceInterpreterTest.everyOp();
        GraphBuilder b = new GraphBuilder(5);
        String x = b.placeholder("input", -1, 9, 9, 4);
        String c = b.unary("relu6", Ops.RELU6, b.biasAdd("bias", b.conv("conv", x, 3, 3, 4, 6, 1, "SAME"), 6));
        String plain = b.conv("plain_conv", c, 1, 1, 6, 6, 1, "VALID"); // no bias: exported with a zero one
        b.unary("softmax", Ops.SOFTMAX, b.squeeze("squeeze", b.mean("mean", plain, true, 1, 2), 1, 2));
        Graph relu6 = b.build();
        for (Graph g : List.of(odd, relu6)) {
            long[] shape = g == odd ? new long[] {2, 17, 15, 3} : new long[] {2, 9, 9, 4};
            Graph f = Passes.fuseForInference(g);
            double scale = g == odd ? 2 : 8; // large enough for Relu6 to clip
            MinMaxDecisions d = new MinMaxDecisions(MinMaxDecisions.calibrate(f, "input", shape, 2, scale), Set.of(), true);
            Int8GraphWriter.Result r = new Int8GraphWriter().convert(f, d);
            System.out.println("notes: " + r.notes() + "; ops " + r.graph().opCounts());
            float[] input = GraphBuilder.randomInput(3, scale, shape);
            var ref = TfReference.run(g, "input", input, shape, List.of("softmax"));
            Map<String, DType> fetches = quantizedOutputs(r.graph());
            fetches.put("softmax", DType.FLOAT);
            var tf = TfInt8Reference.run(r.graph(), "input", input, shape, fetches);
            float diff = GraphBuilder.maxAbsDiff(ref.get("softmax"), tf.get("softmax").values());
            System.out.println("INT8 (TF) vs FP32 (TF) softmax: max abs diff " + diff);
            assertTrue(diff < 0.02, "softmax differs by " + diff);
            Map<TensorRef, Int8ReferenceInterpreter.Value> tfValues = new LinkedHashMap<>();
            for (Map.Entry<String, DType> q : quantizedOutputs(r.graph()).entrySet()) {
                var v = tf.get(q.getKey());
                tfValues.put(new TensorRef(q.getKey(), 0), new Int8ReferenceInterpreter.Value(v.shape(), q.getValue(), v.values()));
            }
            var mine = new Int8ReferenceInterpreter(r.graph()).runAll(Map.of("input", new ReferenceInterpreter.Value(shape, input)), tfValues);
            Int8ReferenceInterpreterTest.Tally t = new Int8ReferenceInterpreterTest.Tally();
            for (String q : quantizedOutputs(r.graph()).keySet()) t.add(q, tf.get(q).values(), mine.get(new TensorRef(q, 0)).data());
            System.out.println("quantized tensors layer by layer: " + t);
            assertEquals(0, t.worse, t.toString());
            if (g == odd) {
                assertEquals(List.of("node 'add' stays FP32: TF has no INT8 convolution fusing [BiasAdd, Add]"), r.notes());
            } else {
                Node conv = r.graph().node("relu6_eightbit_quantized_conv");
                assertEquals(Ops.QCONV_BIAS_RELU_REQUANTIZE, conv.op());
                assertEquals(6f, r.graph().constant(conv.input(8)).floats()[0], "Relu6 clips where quint8 saturates");
                Node plainConv = r.graph().node("plain_conv_eightbit_quantized_conv");
                assertEquals(Ops.QCONV_BIAS_REQUANTIZE, plainConv.op());
                assertArrayEquals(new long[6], r.graph().constant(plainConv.input(2)).longs());
            }
        }
    }

    @Test
    void aSummandWithOtherLateReadersGetsItsOwnCopy() {
        // t feeds a sum (S = relu(convB(t) + t)) and another head (C) that need not run before S; then D = relu(convD(S) + S)
        // reads S both as input and as summand. TF computes sums in place in the summand's buffer and refuses at run
        // time ("Summand cannot be forwarded") when anything else still holds it, so both sums need a private summand.
        GraphBuilder b = new GraphBuilder(9);
        String x = b.placeholder("input", -1, 8, 8, 4);
        String t = b.unary("t", Ops.RELU, b.biasAdd("t/bias", b.conv("t/conv", x, 3, 3, 4, 8, 1, "SAME"), 8));
        String s = b.unary("s", Ops.RELU, b.binary("s/add", Ops.ADD_V2, b.biasAdd("s/bias", b.conv("s/conv", t, 1, 1, 8, 8, 1, "VALID"), 8), t));
        String d = b.unary("d", Ops.RELU, b.binary("d/add", Ops.ADD_V2, b.biasAdd("d/bias", b.conv("d/conv", s, 1, 1, 8, 8, 1, "VALID"), 8), s));
        String c = b.unary("c", Ops.RELU, b.biasAdd("c/bias", b.conv("c/conv", t, 1, 1, 8, 8, 1, "VALID"), 8));
        b.unary("softmax", Ops.SOFTMAX, b.squeeze("d/squeeze", b.mean("d/mean", d, true, 1, 2), 1, 2));
        b.unary("softmax2", Ops.SOFTMAX, b.squeeze("c/squeeze", b.mean("c/mean", c, true, 1, 2), 1, 2));
        Graph g = b.build();
        long[] shape = {2, 8, 8, 4};
        Graph f = Passes.fuseForInference(g);
        assertEquals(List.of(Ops.BIAS_ADD, Ops.ADD, Ops.RELU), f.node("d").attrStrings("fused_ops"));
        assertEquals(f.node("d").input(0), f.node("d").input(3));
        Graph int8 = new Int8GraphWriter().convert(f, new MinMaxDecisions(MinMaxDecisions.calibrate(f, "input", shape, 2), Set.of(), true)).graph();
        for (String sum : List.of("s", "d")) {
            Node conv = int8.node(sum + "_eightbit_quantized_conv");
            assertEquals(Ops.QCONV_BIAS_SUM_RELU_REQUANTIZE, conv.op());
            assertEquals(sum + "/summand_quantize", conv.input(9).node());
            assertEquals(List.of(conv.name()), int8.consumers(conv.input(9).node()).stream().map(Node::name).toList());
        }
        float[] input = GraphBuilder.randomInput(4, 2.0, shape);
        var ref = TfReference.run(g, "input", input, shape, List.of("softmax", "softmax2"));
        Map<String, DType> fetches = quantizedOutputs(int8);
        var tf = TfInt8Reference.run(int8, "input", input, shape, fetches);
        var both = TfReference.run(int8, "input", input, shape, List.of("softmax", "softmax2")); // one run: both heads, all sums
        for (String o : List.of("softmax", "softmax2")) {
            float diff = GraphBuilder.maxAbsDiff(ref.get(o), both.get(o));
            System.out.println("private summands, " + o + " INT8 (TF) vs FP32 (TF): max abs diff " + diff);
            assertTrue(diff < 0.01, o + " differs by " + diff);
        }
        Map<TensorRef, Int8ReferenceInterpreter.Value> tfValues = new LinkedHashMap<>();
        fetches.forEach((k, type) -> tfValues.put(new TensorRef(k, 0), new Int8ReferenceInterpreter.Value(tf.get(k).shape(), type, tf.get(k).values())));
        var mine = new Int8ReferenceInterpreter(int8).runAll(Map.of("input", new ReferenceInterpreter.Value(shape, input)), tfValues);
        Int8ReferenceInterpreterTest.Tally tally = new Int8ReferenceInterpreterTest.Tally();
        for (String q : fetches.keySet()) tally.add(q, tf.get(q).values(), mine.get(new TensorRef(q, 0)).data());
        System.out.println("private summands, quantized tensors layer by layer: " + tally);
        assertEquals(0, tally.worse, tally.toString());
    }
}
