package io.qtune.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import io.qtune.export.Int8GraphWriter;
import io.qtune.reference.Int8ReferenceInterpreter;
import io.qtune.export.MinMaxDecisions;
import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.semantics.Int8DotProduct;
import io.qtune.semantics.Int8Saturation;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.Tensor;
import io.qtune.graph.TensorRef;
import io.qtune.graph.passes.Passes;
import io.qtune.testing.GraphBuilder;
import io.qtune.testing.SmallResNet;
import io.qtune.reference.ReferenceInterpreter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The INT8 engine against the plain-Java INT8 reference (bit-exact with TF): graphs the exporter made from a small
 * MLPerf-layout ResNet, every quantized tensor compared code by code.
 */
public class Int8EngineTest {
    static Graph fused;
    static MinMaxDecisions allInt8;

    @BeforeAll
    static void calibrate() {
        fused = Passes.fuseForInference(SmallResNet.build(11));
        allInt8 = new MinMaxDecisions(MinMaxDecisions.calibrate(fused, SmallResNet.INPUT, SmallResNet.inputShape(8), 3), Set.of(), true);
    }

    /** Quantized tensors (QuantizeV2, convolution and max pool outputs) and their TF types. */
    static Map<String, DType> quantizedTensors(Graph int8) {
        Map<String, DType> r = new LinkedHashMap<>();
        for (Node n : int8.nodes()) {
            if (Ops.isQuantizedConv(n.op())) r.put(n.name(), n.attrType("out_type"));
            if (n.op().equals(Ops.QUANTIZE_V2) || n.op().equals(Ops.QUANTIZED_MAX_POOL)) r.put(n.name(), n.attrType("T"));
        }
        return r;
    }

    /** Counts of equal, 1-LSB and larger differences between two code arrays. */
    static final class Lsb {
        long elements, oneLsb, worse;

        void add(String label, float[] ref, float[] mine) {
            assertEquals(ref.length, mine.length, label + ": lengths differ");
            for (int i = 0; i < ref.length; i++) {
                float d = Math.abs(ref[i] - mine[i]);
                elements++;
                if (d == 0) continue;
                if (d <= 1) oneLsb++;
                else if (worse++ < 3) System.out.println(label + " element " + i + ": reference " + ref[i] + ", engine " + mine[i]);
            }
        }

        @Override
        public String toString() {
            return elements + " codes, " + oneLsb + " differ by 1 LSB, " + worse + " by more";
        }
    }

    /**
     * Runs the engine and the reference on one batch, each op of the reference reading the engine's inputs (layer by
     * layer, so a difference is caught where it starts) and the reference on its own (end to end). Asserts that
     * no code differs either way, softmax and ArgMax; returns the layer-by-layer tally.
     */
    static Lsb compare(String label, Graph int8, int batch, long seed) {
        return compare(label, int8, batch, seed, Int8DotProduct.EXACT);
    }

    /** As above, against a reference that sums products as {@code dotProduct} says. */
    static Lsb compare(String label, Graph int8, int batch, long seed, Int8DotProduct dotProduct) {
        Map<String, DType> q = quantizedTensors(int8);
        long[] shape = SmallResNet.inputShape(batch);
        float[] input = GraphBuilder.randomInput(seed, 2.0, shape);
        Outputs o;
        try (Model m = Model.compile(Passes.fuseForInference(int8), new ArrayList<>(q.keySet()))) {
            o = m.run(input, batch);
        }
        Map<TensorRef, Int8ReferenceInterpreter.Value> engine = new LinkedHashMap<>();
        q.forEach((name, t) -> engine.put(new TensorRef(name, 0), new Int8ReferenceInterpreter.Value(o.shape(name), t, o.floats(name))));
        Map<String, ReferenceInterpreter.Value> feeds = Map.of(SmallResNet.INPUT, new ReferenceInterpreter.Value(shape, input));
        var layerwise = new Int8ReferenceInterpreter(int8, dotProduct).runAll(feeds, engine);
        var endToEnd = new Int8ReferenceInterpreter(int8, dotProduct).runAll(feeds);
        Lsb t = new Lsb(), e = new Lsb();
        for (String name : q.keySet()) {
            assertArrayEquals(layerwise.get(new TensorRef(name, 0)).shape(), o.shape(name), name);
            t.add(name, layerwise.get(new TensorRef(name, 0)).data(), o.floats(name));
            e.add(name, endToEnd.get(new TensorRef(name, 0)).data(), o.floats(name));
        }
        float[] sm = endToEnd.get(new TensorRef("softmax_tensor", 0)).data();
        float d = GraphBuilder.maxAbsDiff(sm, o.floats("softmax_tensor"));
        float[] am = o.floats("ArgMax"); // the exporter's Cast makes ArgMax:0 float
        int agree = 0;
        for (int i = 0; i < batch; i++) {
            int best = 0;
            for (int j = 1; j < SmallResNet.CLASSES; j++) if (sm[i * SmallResNet.CLASSES + j] > sm[i * SmallResNet.CLASSES + best]) best = j;
            if (best == am[i]) agree++;
        }
        System.out.println(label + ", batch " + batch + ": layer by layer " + t + "; end to end " + e
                + "; softmax max |diff| " + d + "; ArgMax agreement " + agree + "/" + batch);
        // the engine computes what TF computes (docs/int8-semantics.md): not one code differs, layer by layer or
        // end to end (measured: 0 of 19,712 codes per image, AMD EPYC)
        assertEquals(0, t.oneLsb + t.worse, label + ", layer by layer: " + t);
        assertEquals(0, e.oneLsb + e.worse, label + ", end to end: " + e);
        // equal codes leave only the FP32 tail (Dequantize, Mean, MatMul, Softmax) in another summation order:
        // a k-term float sum errs by <= k * 2^-24 relative, orders of magnitude below 2e-3 (measured <= 3e-8)
        assertTrue(d < 2e-3, label + ": softmax differs by " + d);
        assertEquals(batch, agree, label + ": the engine's ArgMax picks the reference's top class");
        return t;
    }

    /** The graph the exporter writes with 7-bit filter codes (the default), which no CPU's dot product saturates. */
    static Graph sevenBit(Set<String> fp32, boolean perChannel) {
        Graph int8 = new Int8GraphWriter().convert(fused, allInt8.with(fp32, perChannel).withSevenBitWeights(true)).graph();
        for (Node n : int8.nodes()) {
            if (Ops.isQuantizedConv(n.op())) {
                assertTrue(Int8DotProduct.saturationFree(int8.requireConstant(n, 1).longs(), n.attrType("Tinput")), n.name());
            }
        }
        return int8;
    }

    @Test
    void everyQuantizedTensorMatchesTheReferenceExactly() {
        // on every CPU, with or without VNNI: 7-bit codes leave nothing for vpmaddubsw to saturate (Int8DotProduct)
        for (boolean perChannel : new boolean[] {true, false}) {
            Graph int8 = sevenBit(Set.of(), perChannel);
            for (int batch : new int[] {1, 3}) {
                Lsb t = compare(perChannel ? "per-channel" : "per-tensor", int8, batch, 40 + batch);
                // every quantized tensor of the graph was compared: 19,712 codes per image
                assertEquals(19_712L * batch, t.elements, t.toString());
            }
        }
    }

    @Test
    void eightBitWeightsFollowTheCpusDotProduct() {
        // all of qint8: exact where the CPU has VNNI; elsewhere the engine computes what vpmaddubsw's saturating pairs
        // (and halved weights on the signed stem input) give, code for code, and the test says what that changes
        Int8DotProduct cpu = io.qtune.testing.Cpu.int8DotProduct();
        Graph int8 = new Int8GraphWriter().convert(fused, allInt8.with(Set.of(), true).withSevenBitWeights(false)).graph();
        assertTrue(Int8Saturation.saturatingConvolutions(int8).size() > 0, "the graph has 8-bit filters");
        Lsb t = compare("8-bit weights, " + cpu, int8, 3, 43, cpu);
        assertEquals(19_712L * 3, t.elements, t.toString());
        // what a CPU without VNNI changes against the exact sum (here the engine matched exactly that, or the exact sum)
        Map<String, Integer> changed = changedFromExact(int8, 3, 43);
        int total = changed.values().stream().mapToInt(Integer::intValue).sum();
        System.out.println("8-bit weights: the engine computed the " + cpu + " reference code for code; without VNNI " + total
                + " of " + t.elements + " codes differ from the exact sum, by layer: " + changed);
        // the stem reads signed input, whose weights oneDNN halves without VNNI (measured: 1,776 of 18,816 stem codes);
        // the 7-bit graph above avoids both that and the saturated pairs
        assertTrue(changed.getOrDefault("stem/relu_eightbit_quantized_conv", 0) > 0, changed.toString());
    }

    /** Codes of the saturating-pairs reference that differ from the exact one, per layer (each layer on the same input). */
    static Map<String, Integer> changedFromExact(Graph int8, int batch, long seed) {
        long[] shape = SmallResNet.inputShape(batch);
        Map<String, ReferenceInterpreter.Value> feeds = Map.of(SmallResNet.INPUT,
                new ReferenceInterpreter.Value(shape, GraphBuilder.randomInput(seed, 2.0, shape)));
        var exact = new Int8ReferenceInterpreter(int8).runAll(feeds);
        var pairs = new Int8ReferenceInterpreter(int8, Int8DotProduct.SATURATING_PAIRS).runAll(feeds, exact);
        Map<String, Integer> changed = new LinkedHashMap<>();
        for (String name : quantizedTensors(int8).keySet()) {
            float[] a = exact.get(new TensorRef(name, 0)).data(), b = pairs.get(new TensorRef(name, 0)).data();
            int d = 0;
            for (int i = 0; i < a.length; i++) if (a[i] != b[i]) d++;
            if (d > 0) changed.put(name, d);
        }
        return changed;
    }

    @Test
    void fp32FallbackConvolutionsRunInsideAnInt8Graph() {
        // block2/relu2 sits between two INT8 convolutions; block2/relu_out is a residual sum convolution
        for (String fallback : List.of("block2/relu2", "block2/relu_out")) {
            Graph int8 = sevenBit(Set.of(fallback), true);
            assertEquals(Ops.CONV2D, int8.node(fallback + "/Conv2D").op());
            compare("fallback " + fallback, int8, 3, 7);
        }
    }

    @Test
    void loadsAnInt8GraphDefAndAgreesAcrossBatchSizesAndThreads(@TempDir Path dir) throws Exception {
        Path pb = dir.resolve("int8.pb");
        new Int8GraphWriter().write(fused, allInt8, pb);
        float[] input = GraphBuilder.randomInput(5, 2.0, SmallResNet.inputShape(3));
        try (Model m = Model.load(pb)) {
            float[] all = m.run(input, 3).floats("softmax_tensor");
            // batch 1, image by image, gives the same numbers as batch 3
            for (int i = 0; i < 3; i++) {
                float[] one = java.util.Arrays.copyOfRange(input, i * 32 * 32 * 3, (i + 1) * 32 * 32 * 3);
                float[] sm = m.run(one, 1).floats("softmax_tensor");
                float[] row = java.util.Arrays.copyOfRange(all, i * SmallResNet.CLASSES, (i + 1) * SmallResNet.CLASSES);
                assertTrue(GraphBuilder.maxAbsDiff(row, sm) < 1e-6, "image " + i + ": batch 1 vs batch 3");
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[]>> runs = new ArrayList<>();
                for (int i = 0; i < 8; i++) runs.add(pool.submit(() -> m.run(input, 3).floats("softmax_tensor")));
                for (Future<float[]> f : runs) assertArrayEquals(all, f.get());
            } finally {
                pool.shutdown();
            }
            assertTrue(m.describe(3).stream().anyMatch(l -> l.startsWith("int8 convolution")), String.join("\n", m.describe(3)));
        }
    }

    @Test
    void noReorderSitsBetweenConsecutiveInt8Convolutions() {
        Graph int8 = new Int8GraphWriter().convert(fused, allInt8).graph();
        try (Model m = Model.compile(Passes.fuseForInference(int8))) {
            List<String> steps = m.describe(2);
            steps.forEach(System.out::println);
            long reorders = steps.stream().filter(l -> l.startsWith("reorder ") || l.startsWith("summand copy")).count();
            assertEquals(0, reorders, String.join("\n", steps));
        }
    }

    @Test
    void anObserverSeesTheChosenTensorsOfEachRun() {
        Graph int8 = new Int8GraphWriter().convert(fused, allInt8).graph();
        List<String> taps = List.of("stem/relu_eightbit_quantized_conv", "block3/relu_out");
        float[] input = GraphBuilder.randomInput(9, 2.0, SmallResNet.inputShape(2));
        try (Model m = Model.compile(Passes.fuseForInference(int8), taps)) {
            Outputs o = m.run(input, 2);
            Map<String, float[]> seen = new LinkedHashMap<>();
            Map<String, float[]> arrays = new LinkedHashMap<>();
            for (int run = 0; run < 2; run++) {
                m.run(input, 2, (name, shape, data) -> {
                    assertArrayEquals(o.shape(name), shape, name);
                    seen.put(name, data.clone());
                    float[] before = arrays.put(name, data);
                    if (before != null) assertTrue(before == data, name + ": the buffer is reused");
                });
            }
            assertEquals(taps, List.copyOf(seen.keySet()));
            for (String t : taps) assertArrayEquals(o.floats(t), seen.get(t), t);
        }
    }

    // ---------------------------------------------------------------- bad graphs

    static Graph exported() {
        return new Int8GraphWriter().convert(fused, allInt8).graph();
    }

    static String firstConv(Graph g, String op) {
        return g.nodes().stream().filter(n -> n.op().equals(op)).findFirst().orElseThrow().name();
    }

    static QtuneException rejects(Graph bad) {
        return assertThrows(QtuneException.class, () -> {
            try (Model m = Model.compile(Passes.fuseForInference(bad))) {
                m.run(new float[Math.toIntExact(Tensor.elementCount(SmallResNet.inputShape(1)))], 1);
            }
        });
    }

    @Test
    void badInt8GraphsAreRejectedNamingTheNode() {
        Graph g = exported();
        String conv = firstConv(g, Ops.QCONV_BIAS_RELU_REQUANTIZE);
        Node c = g.node(conv);

        // min_input missing: only 3 inputs
        QtuneException e = rejects(g.edit().put(c.withInputs(c.inputs().subList(0, 3))).build());
        System.out.println(e.getMessage());
        assertTrue(e.getMessage().contains(conv), e.getMessage());

        // max_freezed_output computed, not frozen: a float activation is no range
        List<TensorRef> ins = new ArrayList<>(c.inputs());
        ins.set(8, new TensorRef(SmallResNet.INPUT, 0));
        e = rejects(g.edit().put(c.withInputs(ins)).build());
        System.out.println(e.getMessage());
        assertTrue(e.getMessage().contains(conv), e.getMessage());

        // Tinput says qint8 while the producer makes quint8
        Node inner = g.nodes().stream().filter(n -> n.op().equals(Ops.QCONV_BIAS_RELU_REQUANTIZE)
                && n.attrType("Tinput") == DType.QUINT8).findFirst().orElseThrow();
        e = rejects(g.edit().put(inner.withAttr("Tinput", DType.QINT8)).build());
        System.out.println(e.getMessage());
        assertTrue(e.getMessage().contains(inner.name()) && e.getMessage().contains("Tinput"), e.getMessage());

        // out_type does not fit the op
        e = rejects(g.edit().put(c.withAttr("out_type", DType.QINT8)).build());
        assertTrue(e.getMessage().contains(conv), e.getMessage());

        // a float filter
        Node filter = g.producer(c.input(1));
        Tensor f = filter.attrTensor("value");
        Tensor ff = Tensor.ofFloats(f.shape(), new float[f.size()]);
        e = rejects(g.edit().put(filter.withAttr("value", ff).withAttr("dtype", DType.FLOAT)).build());
        System.out.println(e.getMessage());
        assertTrue(e.getMessage().contains(conv), e.getMessage());

        // an FP32 op reading a quantized tensor directly
        Node sq = g.nodes().stream().filter(n -> n.op().equals(Ops.DEQUANTIZE)).findFirst().orElseThrow();
        Node mean = g.consumers(sq.name()).get(0);
        e = rejects(g.edit().put(mean.withInputs(List.of(sq.input(0), mean.input(1)))).build());
        System.out.println(e.getMessage());
        assertTrue(e.getMessage().contains(mean.name()), e.getMessage());

        // QuantizeV2 with a rounding mode TF runs on another kernel
        String qv2 = firstConv(g, Ops.QUANTIZE_V2);
        e = rejects(g.edit().put(g.node(qv2).withAttr("round_mode", "HALF_AWAY_FROM_ZERO")).build());
        assertTrue(e.getMessage().contains(qv2), e.getMessage());
    }

    @Test
    void quantizeV2WithQint8UsesTheMultiplierOf127point5() {
        // x = 100 * 2 / 127.5 with range 2 must become code 100 (docs/int8-semantics.md)
        GraphBuilder b = new GraphBuilder(1);
        String x = b.placeholder("x", -1, 1, 1, 4);
        Graph base = b.build();
        List<Node> nodes = new ArrayList<>(base.nodes());
        nodes.add(new Node("min", Ops.CONST, List.of(), Map.of("dtype", DType.FLOAT, "value", Tensor.scalar(-2f))));
        nodes.add(new Node("max", Ops.CONST, List.of(), Map.of("dtype", DType.FLOAT, "value", Tensor.scalar(2f))));
        nodes.add(new Node("q", Ops.QUANTIZE_V2, List.of(new TensorRef(x, 0), new TensorRef("min", 0), new TensorRef("max", 0)),
                Map.of("T", DType.QINT8, "mode", "SCALED", "round_mode", "HALF_TO_EVEN")));
        nodes.add(new Node("dq", Ops.DEQUANTIZE, List.of(new TensorRef("q", 0), new TensorRef("q", 1), new TensorRef("q", 2)),
                Map.of("T", DType.QINT8, "mode", "SCALED")));
        Graph g = new Graph(nodes);
        float[] in = {100 * 2 / 127.5f, -300f, 1.0f, 0.5f * 2 / 127.5f};
        try (Model m = Model.compile(g, List.of("q"))) {
            Outputs o = m.run(in, 1);
            var ref = new Int8ReferenceInterpreter(g).runAll(Map.of("x", new ReferenceInterpreter.Value(new long[] {1, 1, 1, 4}, in)));
            assertArrayEquals(ref.get(new TensorRef("q", 0)).data(), o.floats("q"));
            assertEquals(100f, o.floats("q")[0]);
            assertEquals(-128f, o.floats("q")[1]);
            assertArrayEquals(ref.get(new TensorRef("dq", 0)).data(), o.floats("dq"));
        }
    }
}
