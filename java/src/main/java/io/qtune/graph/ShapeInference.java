package io.qtune.graph;

import io.qtune.QtuneException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Static output shapes of every node for concrete input shapes (NHWC activations, HWIO filters).
 * Fails with the node's name when a shape does not fit its op (wrong rank, channel mismatch, bad data_format).
 */
public final class ShapeInference {
    private final Map<TensorRef, long[]> shapes = new HashMap<>();

    private ShapeInference() {}

    /** Shapes with every Placeholder's unknown (-1) dimensions set to {@code batch}. */
    public static Map<TensorRef, long[]> infer(Graph g, long batch) {
        Map<String, long[]> inputs = new HashMap<>();
        for (Node p : g.placeholders()) {
            ShapeAttr s = p.hasAttr("shape") ? p.attrShape("shape") : new ShapeAttr(null);
            if (s.unknownRank()) throw new QtuneException("placeholder '" + p.name() + "' has no static shape");
            long[] d = s.dims().clone();
            for (int i = 0; i < d.length; i++) {
                if (d[i] < 0 && i > 0) throw new QtuneException("placeholder '" + p.name() + "' has unknown dimension " + i);
                if (d[i] < 0) d[i] = batch;
            }
            inputs.put(p.name(), d);
        }
        return infer(g, inputs);
    }

    public static Map<TensorRef, long[]> infer(Graph g, Map<String, long[]> inputShapes) {
        ShapeInference s = new ShapeInference();
        for (Node n : g.nodes()) s.visit(g, n, inputShapes);
        return s.shapes;
    }

    private long[] in(Node n, int i) {
        long[] s = shapes.get(n.input(i));
        if (s == null) throw new QtuneException("node '" + n.name() + "' reads '" + n.input(i) + "', which has no known shape");
        return s;
    }

    private void out(Node n, long[] shape) {
        shapes.put(new TensorRef(n.name(), 0), shape);
    }

    /** Input {@code i} of {@code n} as a constant of integers (paddings, axes, shapes): a float constant is refused. */
    private static long[] integers(Graph g, Node n, int i) {
        Tensor t = g.requireConstant(n, i);
        if (t.isFloat()) throw bad(n, "input " + i + " must be an integer constant, got " + t);
        return t.longs();
    }

    private static QtuneException bad(Node n, String why) {
        return new QtuneException("node '" + n.name() + "' (" + n.op() + "): " + why);
    }

    private void visit(Graph g, Node n, Map<String, long[]> inputShapes) {
        switch (n.op()) {
            case Ops.PLACEHOLDER -> {
                long[] s = inputShapes.get(n.name());
                if (s == null) throw bad(n, "no shape given for this input");
                out(n, s.clone());
            }
            case Ops.CONST -> out(n, n.attrTensor("value").shape());
            case Ops.IDENTITY, Ops.RELU, Ops.RELU6, Ops.SOFTMAX, Ops.CAST, Ops.DEQUANTIZE -> out(n, in(n, 0));
            case Ops.QUANTIZE_V2 -> {
                requireScalars(n, in(n, 1), in(n, 2));
                outWithRange(n, in(n, 0));
            }
            case Ops.QUANTIZED_MAX_POOL -> {
                long[] x = in(n, 0);
                requireNhwc(n, x);
                requireScalars(n, in(n, 1), in(n, 2));
                long[] k = n.attrLongs("ksize");
                if (k[0] != 1 || k[3] != 1) throw bad(n, "pooling across batch or channels is not supported");
                ConvGeometry c = ConvGeometry.of(n, x, k[1], k[2]);
                outWithRange(n, new long[] {x[0], c.outH(), c.outW(), x[3]});
            }
            case Ops.QCONV_BIAS_REQUANTIZE, Ops.QCONV_BIAS_RELU_REQUANTIZE, Ops.QCONV_BIAS_SUM_RELU_REQUANTIZE,
                    Ops.QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE -> {
                long[] x = in(n, 0), w = in(n, 1), b = in(n, 2);
                requireNhwc(n, x);
                if (w.length != 4) throw bad(n, "filter must be HWIO rank 4, got " + Arrays.toString(w));
                if (w[2] != x[3]) throw bad(n, "filter expects " + w[2] + " input channels, input has " + x[3]);
                if (b.length != 1 || b[0] != w[3]) throw bad(n, "bias " + Arrays.toString(b) + " does not match " + w[3] + " output channels");
                requireScalars(n, in(n, 3), in(n, 4), in(n, 7), in(n, 8));
                long[] fmin = in(n, 5), fmax = in(n, 6);
                boolean perChannel = fmin.length == 1 && fmin[0] == w[3];
                if (!Arrays.equals(fmin, fmax) || !(fmin.length == 0 || perChannel)) {
                    throw bad(n, "filter min/max must be scalars or vectors of " + w[3] + ", got " + Arrays.toString(fmin) + " and " + Arrays.toString(fmax));
                }
                ConvGeometry c = ConvGeometry.of(n, x, w[0], w[1]);
                long[] y = {x[0], c.outH(), c.outW(), w[3]};
                if (n.op().equals(Ops.QCONV_BIAS_SUM_RELU_REQUANTIZE) || n.op().equals(Ops.QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE)) {
                    if (!Arrays.equals(in(n, 9), y)) throw bad(n, "summand " + Arrays.toString(in(n, 9)) + " does not match output " + Arrays.toString(y));
                    requireScalars(n, in(n, 10), in(n, 11));
                }
                outWithRange(n, y);
            }
            case Ops.BIAS_ADD -> {
                long[] x = in(n, 0), b = in(n, 1);
                if (!n.attrString("data_format", "NHWC").equals("NHWC")) throw bad(n, "only NHWC data_format is supported");
                if (b.length != 1 || b[0] != x[x.length - 1]) {
                    throw bad(n, "bias " + Arrays.toString(b) + " does not match channels of " + Arrays.toString(x));
                }
                out(n, x);
            }
            case Ops.ADD, Ops.ADD_V2 -> out(n, broadcast(n, in(n, 0), in(n, 1)));
            case Ops.FUSED_BATCH_NORM, Ops.FUSED_BATCH_NORM_V2, Ops.FUSED_BATCH_NORM_V3 -> {
                long[] x = in(n, 0);
                requireNhwc(n, x);
                for (int i = 1; i <= 4; i++) {
                    long[] p = in(n, i);
                    if (p.length != 1 || p[0] != x[3]) throw bad(n, "parameter " + i + " has shape " + Arrays.toString(p) + ", expected [" + x[3] + "]");
                }
                out(n, x);
                for (int i = 1; i <= 5; i++) shapes.put(new TensorRef(n.name(), i), new long[] {x[3]});
            }
            case Ops.CONV2D, Ops.FUSED_CONV2D -> {
                long[] x = in(n, 0), w = in(n, 1);
                requireNhwc(n, x);
                if (w.length != 4) throw bad(n, "filter must be HWIO rank 4, got " + Arrays.toString(w));
                if (w[2] != x[3]) throw bad(n, "filter expects " + w[2] + " input channels, input has " + x[3]);
                ConvGeometry c = ConvGeometry.of(n, x, w[0], w[1]);
                long[] y = {x[0], c.outH(), c.outW(), w[3]};
                if (n.op().equals(Ops.FUSED_CONV2D)) {
                    long[] b = in(n, 2);
                    if (b.length != 1 || b[0] != w[3]) throw bad(n, "bias " + Arrays.toString(b) + " does not match " + w[3] + " output channels");
                    if (n.inputs().size() > 3 && !Arrays.equals(in(n, 3), y)) {
                        throw bad(n, "summand " + Arrays.toString(in(n, 3)) + " does not match output " + Arrays.toString(y));
                    }
                }
                out(n, y);
            }
            case Ops.PAD -> {
                long[] x = in(n, 0);
                long[] p = integers(g, n, 1);
                if (p.length != 2 * x.length) throw bad(n, "paddings have " + p.length + " values for rank " + x.length);
                long[] y = x.clone();
                for (int i = 0; i < x.length; i++) y[i] += p[2 * i] + p[2 * i + 1];
                out(n, y);
            }
            case Ops.MAX_POOL, Ops.AVG_POOL -> {
                long[] x = in(n, 0);
                requireNhwc(n, x);
                long[] k = n.attrLongs("ksize");
                if (k[0] != 1 || k[3] != 1) throw bad(n, "pooling across batch or channels is not supported");
                ConvGeometry c = ConvGeometry.of(n, x, k[1], k[2]);
                out(n, new long[] {x[0], c.outH(), c.outW(), x[3]});
            }
            case Ops.MEAN -> {
                long[] x = in(n, 0);
                long[] axes = normalizeAxes(n, integers(g, n, 1), x.length);
                boolean keep = n.attrBool("keep_dims", false);
                long[] y = java.util.stream.IntStream.range(0, x.length)
                        .filter(i -> keep || !contains(axes, i))
                        .mapToLong(i -> contains(axes, i) ? 1 : x[i]).toArray();
                out(n, y);
            }
            case Ops.SQUEEZE -> {
                long[] x = in(n, 0);
                long[] dims = normalizeAxes(n, n.attrLongs("squeeze_dims", new long[0]), x.length);
                long[] y = java.util.stream.IntStream.range(0, x.length)
                        .filter(i -> dims.length == 0 ? x[i] != 1 : !contains(dims, i)).mapToLong(i -> x[i]).toArray();
                for (long d : dims) if (x[(int) d] != 1) throw bad(n, "cannot squeeze dimension " + d + " of size " + x[(int) d]);
                out(n, y);
            }
            case Ops.RESHAPE -> {
                long[] x = in(n, 0);
                long[] y = integers(g, n, 1).clone();
                long total = Tensor.elementCount(x), known = 1;
                int unknown = -1;
                for (int i = 0; i < y.length; i++) {
                    if (y[i] == -1) {
                        if (unknown >= 0) throw bad(n, "more than one -1 in the target shape");
                        unknown = i;
                    } else {
                        known *= y[i];
                    }
                }
                if (unknown >= 0) y[unknown] = known == 0 ? 0 : total / known;
                if (Tensor.elementCount(y) != total) throw bad(n, "cannot reshape " + Arrays.toString(x) + " to " + Arrays.toString(y));
                out(n, y);
            }
            case Ops.MAT_MUL -> {
                long[] a = in(n, 0), b = in(n, 1);
                if (a.length != 2 || b.length != 2) throw bad(n, "operands must be rank 2, got " + Arrays.toString(a) + " and " + Arrays.toString(b));
                boolean ta = n.attrBool("transpose_a", false), tb = n.attrBool("transpose_b", false);
                long m = ta ? a[1] : a[0], k = ta ? a[0] : a[1], kb = tb ? b[1] : b[0], cols = tb ? b[0] : b[1];
                if (k != kb) throw bad(n, "inner dimensions differ: " + Arrays.toString(a) + " x " + Arrays.toString(b));
                out(n, new long[] {m, cols});
            }
            case Ops.ARG_MAX -> {
                long[] x = in(n, 0);
                long axis = normalizeAxes(n, integers(g, n, 1), x.length)[0];
                out(n, java.util.stream.IntStream.range(0, x.length).filter(i -> i != axis).mapToLong(i -> x[i]).toArray());
            }
            default -> throw bad(n, "no shape rule for this op");
        }
    }

    /** Output 0 with the given shape plus the scalar float min (output 1) and max (output 2) of quantized ops. */
    private void outWithRange(Node n, long[] shape) {
        out(n, shape);
        shapes.put(new TensorRef(n.name(), 1), new long[0]);
        shapes.put(new TensorRef(n.name(), 2), new long[0]);
    }

    private static void requireScalars(Node n, long[]... shapes) {
        for (long[] s : shapes) {
            if (s.length != 0) throw bad(n, "range inputs must be scalars, got shape " + Arrays.toString(s));
        }
    }

    private static boolean contains(long[] a, long v) {
        for (long x : a) if (x == v) return true;
        return false;
    }

    private static long[] normalizeAxes(Node n, long[] axes, int rank) {
        long[] r = new long[axes.length];
        for (int i = 0; i < axes.length; i++) {
            long a = axes[i] < 0 ? axes[i] + rank : axes[i];
            if (a < 0 || a >= rank) throw bad(n, "axis " + axes[i] + " is out of range for rank " + rank);
            r[i] = a;
        }
        return r;
    }

    private static void requireNhwc(Node n, long[] x) {
        if (!n.attrString("data_format", "NHWC").equals("NHWC")) throw bad(n, "only NHWC data_format is supported");
        if (x.length != 4) throw bad(n, "input must be rank 4 NHWC, got " + Arrays.toString(x));
    }

    private static long[] broadcast(Node n, long[] a, long[] b) {
        int r = Math.max(a.length, b.length);
        long[] y = new long[r];
        for (int i = 0; i < r; i++) {
            long da = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1;
            long db = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
            if (da != db && da != 1 && db != 1) throw bad(n, "shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            y[i] = Math.max(da, db);
        }
        return y;
    }
}
