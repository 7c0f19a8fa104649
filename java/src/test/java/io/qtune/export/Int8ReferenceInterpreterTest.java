package io.qtune.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.Ops;
import io.qtune.graph.Tensor;
import io.qtune.testing.GraphBuilder;
import io.qtune.testing.TfInt8Reference;
import io.qtune.reference.Int8ReferenceInterpreter;
import io.qtune.reference.ReferenceInterpreter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The INT8 reference interpreter against stock TensorFlow (its oneDNN kernels) on random single-op graphs: every
 * quantized output within one step, and the count of one-step differences reported.
 */
public class Int8ReferenceInterpreterTest {
    /** One random case: what it is, the graph, its input and which tensor to compare. */
    record Case(String label, Graph graph, long[] inputShape, float[] input, String fetch, DType type) {}

    static final class Tally {
        long elements, offByOne, worse;
        float worstDiff;

        void add(String label, float[] tf, float[] mine) {
            assertEquals(tf.length, mine.length, label + ": lengths differ");
            for (int i = 0; i < tf.length; i++) {
                float d = Math.abs(tf[i] - mine[i]);
                elements++;
                if (d == 0) continue;
                if (d <= 1) offByOne++;
                else worse++;
                worstDiff = Math.max(worstDiff, d);
                if (d > 1 && worse <= 3) System.out.println(label + " element " + i + ": TF " + tf[i] + " mine " + mine[i]);
            }
        }

        void merge(Tally o) {
            elements += o.elements;
            offByOne += o.offByOne;
            worse += o.worse;
            worstDiff = Math.max(worstDiff, o.worstDiff);
        }

        @Override
        public String toString() {
            return elements + " elements, " + offByOne + " differ by 1 LSB, " + worse + " by more (worst " + worstDiff + ")";
        }
    }

    static final String[] CONV_OPS = {Ops.QCONV_BIAS_REQUANTIZE, Ops.QCONV_BIAS_RELU_REQUANTIZE,
            Ops.QCONV_BIAS_SUM_RELU_REQUANTIZE, Ops.QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE};

    /** A random quantized convolution: op, input type, bias type, granularity and padding drawn from the seed. */
    static Case randomConv(long seed, String op, DType tin, DType tbias, boolean perChannel, String padMode) {
        Int8OpGraphs b = new Int8OpGraphs(seed);
        boolean sum = op.equals(Ops.QCONV_BIAS_SUM_RELU_REQUANTIZE) || op.equals(Ops.QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE);
        long n = 2, h = 5 + b.rnd.nextInt(5), w = 5 + b.rnd.nextInt(5), ic = 3 + b.rnd.nextInt(14);
        long k = new long[] {1, 3, 5}[b.rnd.nextInt(3)];
        long stride = sum ? 1 : 1 + b.rnd.nextInt(2);
        long oc = sum ? ic : 2 + b.rnd.nextInt(20);
        String padding = "VALID";
        long[] paddingList = new long[0];
        if (sum || padMode.equals("SAME")) {
            padding = "SAME";
        } else if (padMode.equals("LIST")) {
            long t = b.rnd.nextInt(4), bo = b.rnd.nextInt(4), l = b.rnd.nextInt(4), r = b.rnd.nextInt(4);
            paddingList = new long[] {0, 0, t, bo, l, r, 0, 0};
        }
        float inRange = (float) (0.5 + b.rnd.nextDouble() * 4);
        long[] shape = {n, h, w, ic};
        float[] input = GraphBuilder.randomInput(seed * 31 + 1, inRange * 1.1, shape);
        String x = b.placeholder("input");
        String q = b.quantizeV2("quantize", x, tin, -inRange, inRange);
        long[] filter = b.randomFilter(k, k, ic, oc);
        String wq = b.constant("filter", Tensor.ofLongs(DType.QINT8, new long[] {k, k, ic, oc}, filter));
        int nf = perChannel ? (int) oc : 1;
        float[] fmin = new float[nf], fmax = new float[nf];
        for (int i = 0; i < nf; i++) {
            fmax[i] = (float) (0.05 + b.rnd.nextDouble() * 0.5);
            fmin[i] = b.rnd.nextBoolean() ? -fmax[i] : -fmax[i] * (float) b.rnd.nextDouble(); // TF only uses max(|min|,|max|)
        }
        long[] fshape = perChannel ? new long[] {oc} : new long[0];
        String minF = b.constant("filter/min", Tensor.ofFloats(fshape, fmin));
        String maxF = b.constant("filter/max", Tensor.ofFloats(fshape, fmax));
        // a typical output magnitude so that the chosen range saturates some outputs and leaves most inside
        double typical = Math.sqrt(k * k * ic) * inRange * fmax[0] / 3;
        float outRange = (float) (typical * (0.7 + b.rnd.nextDouble() * 1.5));
        Tensor bias;
        if (tbias == DType.FLOAT) {
            float[] bf = new float[(int) oc];
            for (int i = 0; i < bf.length; i++) bf[i] = (float) ((b.rnd.nextDouble() * 2 - 1) * typical);
            bias = Tensor.ofFloats(new long[] {oc}, bf);
        } else {
            long[] bq = new long[(int) oc];
            for (int i = 0; i < bq.length; i++) bq[i] = b.rnd.nextInt(-40000, 40000);
            bias = Tensor.ofLongs(DType.QINT32, new long[] {oc}, bq);
        }
        String bc = b.constant("bias", bias);
        boolean relu = !op.equals(Ops.QCONV_BIAS_REQUANTIZE);
        DType tout = relu ? DType.QUINT8 : DType.QINT8;
        float outMin = relu ? 0 : -outRange;
        List<String> inputs = new ArrayList<>(List.of(q, wq, bc, q + ":1", q + ":2", minF, maxF,
                b.scalar("out/min", outMin), b.scalar("out/max", outRange)));
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("Tinput", tin);
        a.put("Tfilter", DType.QINT8);
        a.put("Tbias", tbias);
        a.put("out_type", tout);
        a.put("strides", new long[] {1, stride, stride, 1});
        a.put("padding", padding);
        a.put("dilations", new long[] {1, 1, 1, 1});
        a.put("padding_list", paddingList);
        if (sum) {
            DType ts = op.equals(Ops.QCONV_BIAS_SUM_RELU_REQUANTIZE) ? DType.QUINT8 : DType.QINT8;
            float sRange = (float) (inRange * (0.5 + b.rnd.nextDouble()));
            String s = b.quantizeV2("summand", x, ts, ts == DType.QUINT8 ? 0 : -sRange, sRange);
            inputs.addAll(List.of(s, s + ":1", s + ":2"));
            a.put("Tsummand", ts);
        }
        b.add("conv", op, inputs, a);
        String label = op + " Tinput=" + tin + " Tbias=" + tbias + (perChannel ? " per-channel" : " per-tensor")
                + " k=" + k + " s=" + stride + " pad=" + (paddingList.length > 0 ? java.util.Arrays.toString(paddingList) : padding)
                + " in=" + java.util.Arrays.toString(shape) + " oc=" + oc;
        return new Case(label, b.build(), shape, input, "conv", tout);
    }

    static Map<String, Int8ReferenceInterpreter.Value> runMine(Case c, List<String> fetches) {
        return new Int8ReferenceInterpreter(c.graph(), io.qtune.testing.Cpu.int8DotProduct()).run(Map.of("input", new ReferenceInterpreter.Value(c.inputShape(), c.input())), fetches);
    }

    static void check(Case c, Tally tally) {
        var tf = TfInt8Reference.run(c.graph(), "input", c.input(), c.inputShape(), Map.of(c.fetch(), c.type()));
        var mine = runMine(c, List.of(c.fetch())).get(c.fetch());
        assertArrayEquals(tf.get(c.fetch()).shape(), mine.shape(), c.label() + ": shape");
        tally.add(c.label(), tf.get(c.fetch()).values(), mine.data());
    }

    @Test
    void quantizedConvolutionsMatchTensorFlow() {
        // full 8-bit filters: on a CPU without VNNI TF's kernels saturate, and the reference models how (Int8DotProduct)
        Tally all = new Tally();
        long seed = 100;
        for (String op : CONV_OPS) {
            boolean sum = op.contains("Sum");
            for (DType tin : sum ? new DType[] {DType.QUINT8} : new DType[] {DType.QINT8, DType.QUINT8}) {
                for (DType tbias : new DType[] {DType.FLOAT, DType.QINT32}) {
                    for (boolean perChannel : new boolean[] {true, false}) {
                        for (String pad : sum ? new String[] {"SAME"} : new String[] {"VALID", "SAME", "LIST"}) {
                            Case c = randomConv(seed++, op, tin, tbias, perChannel, pad);
                            Tally t = new Tally();
                            check(c, t);
                            System.out.println(c.label() + ": " + t);
                            all.merge(t);
                        }
                    }
                }
            }
        }
        System.out.println("quantized convolutions, all cases: " + all);
        assertEquals(0, all.worse, "elements off by more than 1 LSB: " + all);
    }

    @Test
    void quantizeV2MatchesTensorFlowIncludingItsRangeAdjustments() {
        // {min, max}: ordinary, one-sided, min above zero, max below zero, and a range too small (nudged by ensure_minimum_range)
        float[][] ranges = {{-2.5f, 3f}, {0f, 4f}, {0.5f, 2f}, {-3f, -0.5f}, {-0.001f, 0.002f}, {-1.7f, 1.7f}};
        Tally tally = new Tally();
        int seed = 500;
        for (DType t : new DType[] {DType.QINT8, DType.QUINT8}) {
            for (float[] r : ranges) {
                Int8OpGraphs b = new Int8OpGraphs(seed);
                long[] shape = {2, 4, 5, 3};
                float[] input = GraphBuilder.randomInput(seed++, 4, shape);
                b.quantizeV2("q", b.placeholder("input"), t, r[0], r[1]);
                Graph g = b.build();
                var tf = TfInt8Reference.run(g, "input", input, shape, Map.of("q", t, "q:1", DType.FLOAT, "q:2", DType.FLOAT));
                var mine = new Int8ReferenceInterpreter(g).run(Map.of("input", new ReferenceInterpreter.Value(shape, input)), List.of("q", "q:1", "q:2"));
                String label = "QuantizeV2 " + t + " [" + r[0] + ", " + r[1] + "]";
                tally.add(label, tf.get("q").values(), mine.get("q").data());
                assertEquals(tf.get("q:1").values()[0], mine.get("q:1").data()[0], label + " output min");
                assertEquals(tf.get("q:2").values()[0], mine.get("q:2").data()[0], label + " output max");
            }
        }
        System.out.println("QuantizeV2: " + tally);
        assertEquals(0, tally.worse, tally.toString());
    }

    @Test
    void qint8QuantizeV2MultipliesBy127point5OverRange() {
        // the fact the exporter compensates for: x = 100 * range / 127.5 quantizes to 100, while TF reads 100 as 100 * range / 127
        Int8OpGraphs b = new Int8OpGraphs(1);
        b.quantizeV2("q", b.placeholder("input"), DType.QINT8, -2f, 2f);
        float[] input = {100 * 2f / 127.5f, -60 * 2f / 127.5f, 2f, -2f};
        var tf = TfInt8Reference.run(b.build(), "input", input, new long[] {4}, Map.of("q", DType.QINT8, "q:2", DType.FLOAT));
        assertArrayEquals(new float[] {100, -60, 127, -128}, tf.get("q").values());
        assertEquals(2f, tf.get("q:2").values()[0]);
    }

    @Test
    void dequantizeAndQuantizedMaxPoolMatchTensorFlow() {
        Tally pools = new Tally();
        int seed = 700;
        for (DType t : new DType[] {DType.QINT8, DType.QUINT8}) {
            for (String padding : new String[] {"SAME", "VALID"}) {
                Int8OpGraphs b = new Int8OpGraphs(seed);
                long[] shape = {2, 9, 8, 5};
                float[] input = GraphBuilder.randomInput(seed++, 3, shape);
                String q = b.quantizeV2("q", b.placeholder("input"), t, -2.2f, 2.9f);
                b.dequantize("deq", q, t);
                if (t == DType.QUINT8) b.maxPool("pool", q, t, 3, 2, padding);
                Graph g = b.build();
                Map<String, DType> fetches = new LinkedHashMap<>(Map.of("deq", DType.FLOAT));
                if (t == DType.QUINT8) fetches.putAll(Map.of("pool", t, "pool:1", DType.FLOAT, "pool:2", DType.FLOAT));
                var tf = TfInt8Reference.run(g, "input", input, shape, fetches);
                var mine = new Int8ReferenceInterpreter(g).run(Map.of("input", new ReferenceInterpreter.Value(shape, input)), List.copyOf(fetches.keySet()));
                float diff = GraphBuilder.maxAbsDiff(tf.get("deq").values(), mine.get("deq").data());
                assertEquals(0f, diff, "Dequantize " + t + " differs by " + diff);
                if (t == DType.QUINT8) {
                    assertArrayEquals(tf.get("pool").shape(), mine.get("pool").shape());
                    pools.add("QuantizedMaxPool " + padding, tf.get("pool").values(), mine.get("pool").data());
                    assertEquals(tf.get("pool:2").values()[0], mine.get("pool:2").data()[0]);
                }
            }
        }
        System.out.println("QuantizedMaxPool: " + pools);
        assertEquals(0, pools.offByOne + pools.worse, pools.toString());
    }

    @Test
    void badInt8GraphsAreOneLineErrorsNamingTheNode() {
        Case c = randomConv(1, Ops.QCONV_BIAS_RELU_REQUANTIZE, DType.QUINT8, DType.QINT32, true, "SAME");
        List<io.qtune.graph.Node> nodes = new ArrayList<>(c.graph().nodes());
        nodes.replaceAll(n -> n.name().equals("filter/min")
                ? n.withAttr("value", Tensor.ofFloats(new long[] {3}, new float[] {-1, -1, -1})) : n);
        io.qtune.QtuneException e = org.junit.jupiter.api.Assertions.assertThrows(io.qtune.QtuneException.class,
                () -> runMine(new Case(c.label(), new Graph(nodes), c.inputShape(), c.input(), "conv", c.type()), List.of("conv")));
        assertTrue(e.getMessage().startsWith("node 'conv' (QuantizedConv2DWithBiasAndReluAndRequantize): filter min/max must be"), e.getMessage());

        Int8OpGraphs b = new Int8OpGraphs(2);
        String q = b.quantizeV2("q", b.placeholder("input"), DType.QUINT8, 0, 1);
        b.add("deq", Ops.DEQUANTIZE, List.of(q, q + ":1", q + ":2"), Map.of("T", DType.QUINT8, "mode", "MIN_COMBINED"));
        Graph g = b.build();
        e = org.junit.jupiter.api.Assertions.assertThrows(io.qtune.QtuneException.class, () -> new Int8ReferenceInterpreter(g)
                .run(Map.of("input", new ReferenceInterpreter.Value(new long[] {2}, new float[] {0.5f, 1})), List.of("deq")));
        assertEquals("node 'deq' (Dequantize): only mode SCALED is supported, got MIN_COMBINED", e.getMessage());
    }
}
