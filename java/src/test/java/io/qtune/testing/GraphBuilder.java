package io.qtune.testing;

import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.ShapeAttr;
import io.qtune.graph.Tensor;
import io.qtune.graph.TensorRef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Builds small TF-style IR graphs for tests, with deterministic random weights. */
public final class GraphBuilder {
    private final List<Node> nodes = new ArrayList<>();
    private final SplittableRandom rnd;
    private int counter;

    public GraphBuilder(long seed) {
        rnd = new SplittableRandom(seed);
    }

    private String add(String name, String op, List<String> inputs, Map<String, Object> attrs) {
        nodes.add(new Node(name, op, inputs.stream().map(TensorRef::parse).toList(), attrs));
        return name;
    }

    private String fresh(String base) {
        return base + "_" + (counter++);
    }

    public String placeholder(String name, long... shape) {
        return add(name, Ops.PLACEHOLDER, List.of(), Map.of("dtype", DType.FLOAT, "shape", new ShapeAttr(shape)));
    }

    public String constant(String name, Tensor t) {
        return add(name, Ops.CONST, List.of(), Map.of("dtype", t.dtype(), "value", t));
    }

    public String randomConst(String name, double scale, long... shape) {
        float[] v = new float[(int) Tensor.elementCount(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        return constant(name, Tensor.ofFloats(shape, v));
    }

    public String positiveConst(String name, double lo, double hi, long n) {
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) (lo + rnd.nextDouble() * (hi - lo));
        return constant(name, Tensor.ofFloats(new long[] {n}, v));
    }

    public String identity(String name, String x) {
        return add(name, Ops.IDENTITY, List.of(x), Map.of("T", DType.FLOAT));
    }

    /** Conv2D reading a random HWIO filter; padding SAME or VALID. */
    public String conv(String name, String x, long kh, long kw, long ic, long oc, long stride, String padding) {
        String w = randomConst(name + "/kernel", Math.sqrt(2.0 / (kh * kw * ic)), kh, kw, ic, oc);
        return add(name, Ops.CONV2D, List.of(x, w), convAttrs(stride, padding));
    }

    public static Map<String, Object> convAttrs(long stride, String padding) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("T", DType.FLOAT);
        a.put("data_format", "NHWC");
        a.put("dilations", new long[] {1, 1, 1, 1});
        a.put("padding", padding);
        a.put("strides", new long[] {1, stride, stride, 1});
        a.put("use_cudnn_on_gpu", true);
        return a;
    }

    public String batchNorm(String name, String op, String x, long c) {
        String g = positiveConst(name + "/gamma", 0.5, 1.5, c);
        String b = randomConst(name + "/beta", 0.3, c);
        String m = randomConst(name + "/moving_mean", 0.5, c);
        String v = positiveConst(name + "/moving_variance", 0.5, 2.0, c);
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("T", DType.FLOAT);
        a.put("data_format", "NHWC");
        a.put("epsilon", 1.001e-5f);
        a.put("is_training", false);
        if (!op.equals(Ops.FUSED_BATCH_NORM)) a.put("U", DType.FLOAT);
        return add(name, op, List.of(x, g, b, m, v), a);
    }

    public String biasAdd(String name, String x, long c) {
        String b = randomConst(name + "/bias", 0.5, c);
        return add(name, Ops.BIAS_ADD, List.of(x, b), Map.of("T", DType.FLOAT, "data_format", "NHWC"));
    }

    public String unary(String name, String op, String x) {
        return add(name, op, List.of(x), Map.of("T", DType.FLOAT));
    }

    public String binary(String name, String op, String a, String b) {
        return add(name, op, List.of(a, b), Map.of("T", DType.FLOAT));
    }

    public String pad(String name, String x, long top, long bottom, long left, long right) {
        String p = constant(name + "/paddings", Tensor.ofLongs(DType.INT32, new long[] {4, 2},
                new long[] {0, 0, top, bottom, left, right, 0, 0}));
        return add(name, Ops.PAD, List.of(x, p), Map.of("T", DType.FLOAT, "Tpaddings", DType.INT32));
    }

    public String pool(String name, String op, String x, long k, long stride, String padding) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("T", DType.FLOAT);
        a.put("data_format", "NHWC");
        a.put("ksize", new long[] {1, k, k, 1});
        a.put("padding", padding);
        a.put("strides", new long[] {1, stride, stride, 1});
        return add(name, op, List.of(x), a);
    }

    public String mean(String name, String x, boolean keepDims, long... axes) {
        String ax = constant(name + "/reduction_indices", Tensor.ofLongs(DType.INT32, new long[] {axes.length}, axes.clone()));
        return add(name, Ops.MEAN, List.of(x, ax), Map.of("T", DType.FLOAT, "Tidx", DType.INT32, "keep_dims", keepDims));
    }

    public String squeeze(String name, String x, long... dims) {
        return add(name, Ops.SQUEEZE, List.of(x), Map.of("T", DType.FLOAT, "squeeze_dims", dims.clone()));
    }

    public String reshape(String name, String x, long... shape) {
        String s = constant(name + "/shape", Tensor.ofLongs(DType.INT32, new long[] {shape.length}, shape.clone()));
        return add(name, Ops.RESHAPE, List.of(x, s), Map.of("T", DType.FLOAT, "Tshape", DType.INT32));
    }

    public String matMul(String name, String x, long in, long out) {
        String w = randomConst(name + "/kernel", Math.sqrt(1.0 / in), in, out);
        return add(name, Ops.MAT_MUL, List.of(x, w), Map.of("T", DType.FLOAT, "transpose_a", false, "transpose_b", false));
    }

    public String argMax(String name, String x) {
        String d = constant(name + "/dimension", Tensor.ofLongs(DType.INT32, new long[0], new long[] {1}));
        return add(name, Ops.ARG_MAX, List.of(x, d), Map.of("T", DType.FLOAT, "Tidx", DType.INT32, "output_type", DType.INT64));
    }

    public String raw(String name, String op, List<String> inputs, Map<String, Object> attrs) {
        return add(name, op, inputs, attrs);
    }

    public Graph build() {
        return new Graph(nodes);
    }

    public List<Node> nodes() {
        return nodes;
    }

    /** Deterministic pseudo-random input values in [-scale, scale]. */
    public static float[] randomInput(long seed, double scale, long... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[(int) Tensor.elementCount(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return v;
    }

    public static float maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        float m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    @Override
    public String toString() {
        return Arrays.toString(nodes.toArray());
    }
}
