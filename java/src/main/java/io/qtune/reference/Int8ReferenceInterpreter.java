package io.qtune.reference;

import io.qtune.QtuneException;
import io.qtune.graph.ConvGeometry;
import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.ShapeInference;
import io.qtune.graph.Tensor;
import io.qtune.graph.TensorRef;
import io.qtune.semantics.Int8DotProduct;
import io.qtune.semantics.Int8Semantics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A slow, scalar, plain-Java executor of INT8 graphs in Intel's TensorFlow format (QuantizeV2, the
 * QuantizedConv2DWithBias...AndRequantize family, QuantizedMaxPool, Dequantize) that computes what stock TF's oneDNN
 * kernels compute, to within one step of rounding; FP32 ops run through {@link ReferenceInterpreter}.
 * It is the reference the exporter and the INT8 engine are tested against. The formulas are in
 * docs/int8-semantics.md and {@link Int8Semantics}.
 */
public final class Int8ReferenceInterpreter {
    /** A tensor value: shape, element type and row-major data; quantized values are their exact integers. */
    public record Value(long[] shape, DType dtype, float[] data) {
        public boolean quantized() {
            return dtype == DType.QINT8 || dtype == DType.QUINT8;
        }
    }

    private final Graph graph;
    private final Int8DotProduct dotProduct;

    /** The reference of TF's semantics: every u8 x s8 product summed exactly ({@link Int8DotProduct#EXACT}). */
    public Int8ReferenceInterpreter(Graph graph) {
        this(graph, Int8DotProduct.EXACT);
    }

    /** As above, with the convolutions' products summed as {@code dotProduct} says a CPU sums them. */
    public Int8ReferenceInterpreter(Graph graph, Int8DotProduct dotProduct) {
        this.graph = graph;
        this.dotProduct = dotProduct;
    }

    /** Runs the graph on float feeds and returns every output of every node. */
    public Map<TensorRef, Value> runAll(Map<String, ReferenceInterpreter.Value> feeds) {
        return runAll(feeds, Map.of());
    }

    /**
     * Like {@link #runAll(Map)}, but readers of the given tensors read the substitutes instead of what the interpreter
     * computed; the result still holds the interpreter's own values. With another engine's outputs substituted, each
     * op is checked on that engine's inputs, so a one-step difference upstream does not grow downstream.
     */
    public Map<TensorRef, Value> runAll(Map<String, ReferenceInterpreter.Value> feeds, Map<TensorRef, Value> substitutes) {
        Map<String, long[]> inShapes = new HashMap<>();
        feeds.forEach((k, v) -> inShapes.put(k, v.shape()));
        Map<TensorRef, long[]> shapes = ShapeInference.infer(graph, inShapes);
        Map<TensorRef, Value> values = new HashMap<>();
        Map<TensorRef, Value> computed = new HashMap<>();
        for (Node n : graph.nodes()) {
            eval(n, shapes, values, feeds);
            for (int k = 0; values.containsKey(new TensorRef(n.name(), k)); k++) {
                TensorRef r = new TensorRef(n.name(), k);
                Value mine = values.get(r), s = substitutes.get(r);
                computed.put(r, mine);
                if (s == null) continue;
                if (mine.dtype() != s.dtype() || !java.util.Arrays.equals(mine.shape(), s.shape())) {
                    throw bad(n, "substitute for output " + k + " is " + s.dtype() + java.util.Arrays.toString(s.shape())
                            + ", the op makes " + mine.dtype() + java.util.Arrays.toString(mine.shape()));
                }
                values.put(r, s);
            }
        }
        return computed;
    }

    public Map<String, Value> run(Map<String, ReferenceInterpreter.Value> feeds, List<String> outputs) {
        Map<TensorRef, Value> all = runAll(feeds);
        Map<String, Value> r = new LinkedHashMap<>();
        for (String o : outputs) {
            Value v = all.get(TensorRef.parse(o));
            if (v == null) throw new QtuneException("graph has no output '" + o + "'");
            r.put(o, v);
        }
        return r;
    }

    private static QtuneException bad(Node n, String why) {
        return new QtuneException("node '" + n.name() + "' (" + n.op() + "): " + why);
    }

    private Value in(Node n, int i, Map<TensorRef, Value> values) {
        Value v = values.get(n.input(i));
        if (v == null) throw bad(n, "reads '" + n.input(i) + "', which the interpreter cannot produce");
        return v;
    }

    private float scalar(Node n, int i, Map<TensorRef, Value> values) {
        Value v = in(n, i, values);
        if (v.data().length != 1) throw bad(n, "input " + i + " must be a scalar");
        return v.data()[0];
    }

    private Value quantizedIn(Node n, int i, DType expected, Map<TensorRef, Value> values) {
        Value v = in(n, i, values);
        if (v.dtype() != expected) throw bad(n, "input " + i + " is " + v.dtype() + ", the op's attributes say " + expected);
        return v;
    }

    private static void put(Map<TensorRef, Value> values, Node n, Value out, float min, float max) {
        values.put(new TensorRef(n.name(), 0), out);
        values.put(new TensorRef(n.name(), 1), new Value(new long[0], DType.FLOAT, new float[] {min}));
        values.put(new TensorRef(n.name(), 2), new Value(new long[0], DType.FLOAT, new float[] {max}));
    }

    private void eval(Node n, Map<TensorRef, long[]> shapes, Map<TensorRef, Value> values, Map<String, ReferenceInterpreter.Value> feeds) {
        long[] shape = shapes.get(new TensorRef(n.name(), 0));
        switch (n.op()) {
            case Ops.PLACEHOLDER -> {
                ReferenceInterpreter.Value f = feeds.get(n.name());
                if (f == null) throw bad(n, "no value fed for this input");
                values.put(new TensorRef(n.name(), 0), new Value(f.shape(), DType.FLOAT, f.data()));
            }
            case Ops.CONST -> {
                Tensor t = n.attrTensor("value");
                float[] d = new float[t.size()];
                if (t.isFloat()) d = t.floats();
                else for (int i = 0; i < d.length; i++) d[i] = t.longs()[i];
                values.put(new TensorRef(n.name(), 0), new Value(t.shape(), t.dtype(), d));
            }
            case Ops.QUANTIZE_V2 -> quantizeV2(n, values);
            case Ops.DEQUANTIZE -> {
                requireScaled(n);
                DType t = n.attrType("T");
                Value x = quantizedIn(n, 0, t, values);
                float s = Int8Semantics.dequantizeScale(t, scalar(n, 1, values), scalar(n, 2, values));
                float[] y = new float[x.data().length];
                for (int i = 0; i < y.length; i++) y[i] = x.data()[i] * s;
                values.put(new TensorRef(n.name(), 0), new Value(x.shape(), DType.FLOAT, y));
            }
            case Ops.QUANTIZED_MAX_POOL -> {
                DType t = n.attrType("T");
                Value x = quantizedIn(n, 0, t, values);
                put(values, n, maxPool(n, x, shape), scalar(n, 1, values), scalar(n, 2, values));
            }
            case Ops.QCONV_BIAS_REQUANTIZE, Ops.QCONV_BIAS_RELU_REQUANTIZE, Ops.QCONV_BIAS_SUM_RELU_REQUANTIZE,
                    Ops.QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE -> conv(n, shape, values);
            default -> {
                if (!Ops.FP32.contains(n.op())) throw bad(n, "the INT8 reference interpreter has no rule for this op");
                values.put(new TensorRef(n.name(), 0), fp32(n, values));
            }
        }
    }

    private static void requireScaled(Node n) {
        String mode = n.attrString("mode", "MIN_COMBINED");
        if (!mode.equals("SCALED")) throw bad(n, "only mode SCALED is supported, got " + mode);
        if (n.attrBool("narrow_range", false)) throw bad(n, "narrow_range is not supported (TF runs it without oneDNN)");
    }

    private void quantizeV2(Node n, Map<TensorRef, Value> values) {
        requireScaled(n);
        String round = n.attrString("round_mode", "HALF_AWAY_FROM_ZERO");
        // only SCALED + HALF_TO_EVEN is rewritten to TF's oneDNN kernel; anything else runs a different kernel
        if (!round.equals("HALF_TO_EVEN")) throw bad(n, "only round_mode HALF_TO_EVEN is supported, got " + round);
        DType t = n.attrType("T");
        Value x = in(n, 0, values);
        if (x.dtype() != DType.FLOAT) throw bad(n, "input must be float, got " + x.dtype());
        Int8Semantics.QuantizeV2Range r = Int8Semantics.quantizeV2(t, scalar(n, 1, values), scalar(n, 2, values),
                n.attrFloat("ensure_minimum_range", Int8Semantics.DEFAULT_ENSURE_MINIMUM_RANGE));
        // TF gives oneDNN 1/multiplier as dst scale; a measured tie (-96.5) shows x * multiplier, not x / (1/multiplier)
        float[] y = new float[x.data().length];
        for (int i = 0; i < y.length; i++) y[i] = Int8Semantics.saturateRound(t, x.data()[i] * r.multiplier());
        put(values, n, new Value(x.shape(), t, y), r.outMin(), r.outMax());
    }

    private Value maxPool(Node n, Value x, long[] shape) {
        long[] xs = x.shape(), k = n.attrLongs("ksize");
        ConvGeometry g = ConvGeometry.of(n, xs, k[1], k[2]);
        int batch = (int) xs[0], h = (int) xs[1], w = (int) xs[2], c = (int) xs[3];
        int oh = (int) shape[1], ow = (int) shape[2];
        float[] y = new float[batch * oh * ow * c];
        for (int b = 0; b < batch; b++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    for (int ch = 0; ch < c; ch++) {
                        float m = Float.NEGATIVE_INFINITY; // padding never wins
                        for (int ky = 0; ky < k[1]; ky++) {
                            int iy = (int) (oy * g.strideH() - g.padTop() + ky);
                            if (iy < 0 || iy >= h) continue;
                            for (int kx = 0; kx < k[2]; kx++) {
                                int ix = (int) (ox * g.strideW() - g.padLeft() + kx);
                                if (ix < 0 || ix >= w) continue;
                                m = Math.max(m, x.data()[((b * h + iy) * w + ix) * c + ch]);
                            }
                        }
                        y[((b * oh + oy) * ow + ox) * c + ch] = m;
                    }
                }
            }
        }
        return new Value(shape, x.dtype(), y);
    }

    private void conv(Node n, long[] shape, Map<TensorRef, Value> values) {
        DType tin = n.attrType("Tinput"), tout = n.attrType("out_type"), tbias = n.attrType("Tbias");
        if (n.attrType("Tfilter", DType.QINT8) != DType.QINT8) throw bad(n, "filter must be qint8");
        boolean sum = n.op().equals(Ops.QCONV_BIAS_SUM_RELU_REQUANTIZE) || n.op().equals(Ops.QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE);
        boolean relu = !n.op().equals(Ops.QCONV_BIAS_REQUANTIZE);
        DType expectOut = relu ? DType.QUINT8 : DType.QINT8;
        if (tout != expectOut) throw bad(n, "out_type must be " + expectOut + ", got " + tout);
        Value x = quantizedIn(n, 0, tin, values);
        Tensor w = graph.requireConstant(n, 1);
        Tensor bias = graph.requireConstant(n, 2);
        if (w.dtype() != DType.QINT8) throw bad(n, "filter constant must be qint8, got " + w.dtype());
        if (bias.dtype() != tbias) throw bad(n, "bias constant is " + bias.dtype() + ", Tbias says " + tbias);
        float inRange = Int8Semantics.range(scalar(n, 3, values), scalar(n, 4, values));
        float sIn = inRange / Int8Semantics.limit(tin);
        Value fmin = in(n, 5, values), fmax = in(n, 6, values);
        float sOut = Int8Semantics.scale(tout, scalar(n, 7, values), scalar(n, 8, values));

        long[] xs = x.shape(), ws = w.shape();
        int batch = (int) xs[0], h = (int) xs[1], wd = (int) xs[2], ic = (int) xs[3];
        int kh = (int) ws[0], kw = (int) ws[1], oc = (int) ws[3];
        float[] scale = new float[oc], biasF = new float[oc];
        for (int o = 0; o < oc; o++) {
            int f = fmin.data().length == 1 ? 0 : o;
            float fRange = Int8Semantics.range(fmin.data()[f], fmax.data()[f]);
            scale[o] = sIn * (fRange / 127f);
            biasF[o] = tbias == DType.FLOAT ? bias.floats()[o] : Int8Semantics.qint32BiasToFloat(bias.longs()[o], tin, inRange, fRange);
        }
        float[] summand = null;
        float sumScale = 0;
        if (sum) {
            DType ts = n.attrType("Tsummand");
            DType expectSummand = n.op().equals(Ops.QCONV_BIAS_SUM_RELU_REQUANTIZE) ? DType.QUINT8 : DType.QINT8;
            if (ts != expectSummand) throw bad(n, "Tsummand must be " + expectSummand + ", got " + ts);
            summand = quantizedIn(n, 9, ts, values).data();
            sumScale = Int8Semantics.scale(ts, scalar(n, 10, values), scalar(n, 11, values));
        }
        ConvGeometry g = ConvGeometry.of(n, xs, kh, kw);
        int oh = (int) shape[1], ow = (int) shape[2];
        long[] wq = w.longs();
        boolean pairs = dotProduct == Int8DotProduct.SATURATING_PAIRS;
        if (pairs && tin == DType.QINT8) {
            // signed input: no pair can saturate, but each weight is halved and the sum doubled (Int8DotProduct)
            pairs = false;
            wq = wq.clone();
            for (int i = 0; i < wq.length; i++) wq[i] = Int8DotProduct.halvedWeight(wq[i]);
            for (int o = 0; o < oc; o++) scale[o] *= 2;
        }
        float[] xd = x.data();
        float[] y = new float[batch * oh * ow * oc];
        int[] acc = new int[oc];
        float invOut = 1f / sOut;
        // TF runs the signed-sum kernel with an s8 destination (its Ttemp_output) and relabels the bytes quint8: the
        // summand is read as signed, but the output saturates at 127, half of what out_type promises
        DType dst = n.op().equals(Ops.QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE) ? DType.QINT8 : tout;
        for (int b = 0; b < batch; b++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    java.util.Arrays.fill(acc, 0);
                    for (int ky = 0; ky < kh; ky++) {
                        int iy = (int) (oy * g.strideH() - g.padTop() + ky);
                        if (iy < 0 || iy >= h) continue;
                        for (int kx = 0; kx < kw; kx++) {
                            int ix = (int) (ox * g.strideW() - g.padLeft() + kx);
                            if (ix < 0 || ix >= wd) continue;
                            int xBase = ((b * h + iy) * wd + ix) * ic;
                            int wBase = (ky * kw + kx) * ic * oc;
                            if (pairs) {
                                pairSums(xd, xBase, wq, wBase, ic, oc, acc);
                                continue;
                            }
                            for (int c = 0; c < ic; c++) {
                                int xv = (int) xd[xBase + c];
                                if (xv == 0) continue;
                                int wRow = wBase + c * oc;
                                for (int o = 0; o < oc; o++) acc[o] += xv * (int) wq[wRow + o];
                            }
                        }
                    }
                    int yBase = ((b * oh + oy) * ow + ox) * oc;
                    for (int o = 0; o < oc; o++) {
                        float v = acc[o] * scale[o] + biasF[o];
                        if (sum) v += sumScale * summand[yBase + o];
                        if (relu) v = Math.max(v, 0f);
                        y[yBase + o] = Int8Semantics.saturateRound(dst, v * invOut);
                    }
                }
            }
        }
        put(values, n, new Value(shape, tout, y), scalar(n, 7, values), scalar(n, 8, values));
    }

    /** One tap's products added as vpmaddubsw does: input channels 2j and 2j+1 in a saturated 16-bit sum. */
    private static void pairSums(float[] xd, int xBase, long[] wq, int wBase, int ic, int oc, int[] acc) {
        for (int c = 0; c < ic; c += 2) {
            int x0 = (int) xd[xBase + c], x1 = c + 1 < ic ? (int) xd[xBase + c + 1] : 0;
            int w0 = wBase + c * oc, w1 = w0 + oc;
            for (int o = 0; o < oc; o++) {
                int sum = x0 * (int) wq[w0 + o] + (c + 1 < ic ? x1 * (int) wq[w1 + o] : 0);
                acc[o] += Int8DotProduct.saturatePair(sum);
            }
        }
    }

    /** An FP32 op: run it alone through the FP32 reference interpreter, its computed inputs fed as placeholders. */
    private Value fp32(Node n, Map<TensorRef, Value> values) {
        List<Node> mini = new ArrayList<>();
        List<TensorRef> inputs = new ArrayList<>();
        Map<String, ReferenceInterpreter.Value> feeds = new HashMap<>();
        for (int i = 0; i < n.inputs().size(); i++) {
            String name = "__input_" + i;
            Tensor c = graph.constant(n.input(i));
            if (c != null) {
                mini.add(new Node(name, Ops.CONST, List.of(), Map.of("dtype", c.dtype(), "value", c)));
            } else {
                Value v = in(n, i, values);
                if (v.quantized()) throw bad(n, "FP32 op reads quantized tensor '" + n.input(i) + "' (" + v.dtype() + ")");
                mini.add(new Node(name, Ops.PLACEHOLDER, List.of(), Map.of("dtype", DType.FLOAT)));
                feeds.put(name, new ReferenceInterpreter.Value(v.shape(), v.data()));
            }
            inputs.add(new TensorRef(name, 0));
        }
        mini.add(n.withInputs(inputs));
        ReferenceInterpreter.Value r = new ReferenceInterpreter(new Graph(mini)).run(feeds, List.of(n.name())).get(n.name());
        DType t = switch (n.op()) {
            case Ops.ARG_MAX -> n.attrType("output_type", DType.INT64);
            case Ops.CAST -> n.attrType("DstT");
            default -> DType.FLOAT;
        };
        return new Value(r.shape(), t, r.data());
    }
}
