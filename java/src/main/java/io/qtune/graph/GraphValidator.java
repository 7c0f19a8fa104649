package io.qtune.graph;

import io.qtune.QtuneException;
import java.util.Arrays;
import java.util.Map;

/**
 * The one check a graph passes before anything hands it to TensorFlow or oneDNN (run by {@link GraphDefCodec#read}
 * and {@link GraphDefCodec#fromBytes}, so by every command, the Java API and the TF runtime path). It turns what
 * would otherwise be a JVM crash, an {@code ArithmeticException}, an out-of-memory or a silently wrong answer into a
 * one-line error naming the node:
 * <ul>
 *   <li>window attributes: strides, dilations and pooling sizes in [1, {@link #MAX_WINDOW}]; explicit paddings and
 *       Pad amounts in [0, {@link #MAX_PAD}]; every filter dimension positive;</li>
 *   <li>the input: every dimension but the batch positive and at most {@link #MAX_DIM};</li>
 *   <li>sizes, from shape inference at batch 1: every tensor has positive dimensions and at most
 *       {@link #MAX_ELEMENTS} elements, and the convolutions and matrix products at most {@link #MAX_MACS}
 *       multiply-adds per image;</li>
 *   <li>values: every float constant (weights, biases, batch-norm parameters, ranges) finite;
 *       the constant min/max pairs of the INT8 ops finite with min &lt; max.</li>
 * </ul>
 * Differences from TensorFlow, which accepts more: the size bounds (TF takes any size that fits memory), pads and
 * windows above the bounds, and min == max (TF widens such a range by 1% of its magnitude; a frozen range of zero
 * width only comes from a broken calibration, so qtune refuses it). TF also accepts non-finite weights.
 */
public final class GraphValidator {
    /** Largest stride, dilation or pooling window: far above any ImageNet network (ResNet50: 7). */
    public static final long MAX_WINDOW = 1 << 12;
    /** Largest padding on one side (ResNet50: 3). */
    public static final long MAX_PAD = 1 << 12;
    /** Largest input dimension (ImageNet models: 224 to 600). */
    public static final long MAX_DIM = 1 << 14;
    /** Largest tensor per image: 2^28 elements, 1 GiB in FP32 (ResNet50's largest: 802,816). */
    public static final long MAX_ELEMENTS = 1L << 28;
    /** Most multiply-adds per image: 10^12, 250 times ResNet50's 4.1 * 10^9. */
    public static final long MAX_MACS = 1_000_000_000_000L;

    private GraphValidator() {}

    /** Returns {@code g} when it passes every check above, else throws a {@link QtuneException} naming the node. */
    public static Graph validate(Graph g) {
        for (Node n : g.nodes()) {
            checkWindows(n);
            if (n.op().equals(Ops.CONST)) checkFinite(n);
            if (n.op().equals(Ops.PLACEHOLDER)) checkInput(n);
        }
        for (Node n : g.nodes()) {
            if (n.op().equals(Ops.PAD)) checkPad(g, n);
            checkRanges(g, n);
        }
        if (hasStaticInputs(g)) checkSizes(g);
        return g;
    }

    private static QtuneException bad(Node n, String why) {
        return new QtuneException("node '" + n.name() + "' (" + n.op() + "): " + why);
    }

    private static void checkWindows(Node n) {
        for (String key : new String[] {"strides", "dilations", "ksize"}) {
            if (!(n.attrs().get(key) instanceof long[] v)) continue;
            if (v.length != 4) throw bad(n, key + " " + Arrays.toString(v) + " must have 4 values (NHWC)");
            for (long x : v) {
                if (x < 1 || x > MAX_WINDOW) throw bad(n, key + " " + Arrays.toString(v) + " must be between 1 and " + MAX_WINDOW);
            }
        }
        for (String key : new String[] {"explicit_paddings", "padding_list"}) {
            if (!(n.attrs().get(key) instanceof long[] v)) continue;
            for (long x : v) {
                if (x < 0 || x > MAX_PAD) throw bad(n, key + " " + Arrays.toString(v) + " must be between 0 and " + MAX_PAD);
            }
        }
    }

    private static void checkPad(Graph g, Node n) {
        Tensor p = g.constant(n.input(1));
        if (p == null) return; // shape inference names a computed paddings input
        // refused here, not later: the fold-pad pass reads the amounts before shape inference runs
        if (p.isFloat()) throw bad(n, "input 1 (paddings) must be an integer constant, got " + p);
        for (long x : p.longs()) {
            if (x < 0 || x > MAX_PAD) throw bad(n, "paddings " + Arrays.toString(p.longs()) + " must be between 0 and " + MAX_PAD);
        }
    }

    private static void checkFinite(Node n) {
        if (!(n.attrs().get("value") instanceof Tensor t) || !t.isFloat()) return;
        float[] f = t.floats();
        int bad = 0, first = -1;
        for (int i = 0; i < f.length; i++) {
            if (!Float.isFinite(f[i])) {
                if (bad++ == 0) first = i;
            }
        }
        if (bad > 0) {
            throw bad(n, bad + " of " + f.length + " values are not finite (NaN or infinity; the first at index " + first
                    + " is " + f[first] + ")");
        }
    }

    private static void checkInput(Node n) {
        if (!(n.attrs().get("shape") instanceof ShapeAttr s) || s.unknownRank()) return;
        long[] d = s.dims();
        for (int i = 0; i < d.length; i++) {
            if (i == 0 && d[i] == -1) continue; // a free batch dimension
            if (d[i] < 1 || d[i] > MAX_DIM) {
                throw bad(n, "input shape " + Arrays.toString(d) + ": dimension " + i + " must be between 1 and " + MAX_DIM);
            }
        }
    }

    /** Range input pairs (min index, max index) of the INT8 ops. */
    private static int[][] rangePairs(String op) {
        if (op.equals(Ops.QUANTIZE_V2) || op.equals(Ops.DEQUANTIZE) || op.equals(Ops.QUANTIZED_MAX_POOL)) return new int[][] {{1, 2}};
        if (op.equals(Ops.QCONV_BIAS_SUM_RELU_REQUANTIZE) || op.equals(Ops.QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE)) {
            return new int[][] {{3, 4}, {5, 6}, {7, 8}, {10, 11}};
        }
        if (Ops.isQuantizedConv(op)) return new int[][] {{3, 4}, {5, 6}, {7, 8}};
        return new int[0][];
    }

    private static void checkRanges(Graph g, Node n) {
        for (int[] pair : rangePairs(n.op())) {
            if (n.inputs().size() <= pair[1]) throw bad(n, "has " + n.inputs().size() + " inputs, expected at least " + (pair[1] + 1));
            Tensor lo = g.constant(n.input(pair[0])), hi = g.constant(n.input(pair[1]));
            if (lo == null || hi == null || !lo.isFloat() || !hi.isFloat()) continue; // a range computed by another quantized op
            float[] a = lo.floats(), b = hi.floats();
            if (a.length != b.length) continue; // shape inference names the mismatch
            for (int i = 0; i < a.length; i++) {
                if (!(a[i] < b[i])) { // also false for NaN
                    throw bad(n, "range inputs " + pair[0] + "/" + pair[1] + " ('" + n.input(pair[0]) + "', '" + n.input(pair[1])
                            + "') must be finite with min < max, got min " + a[i] + " and max " + b[i] + (a.length > 1 ? " at channel " + i : ""));
                }
            }
        }
    }

    private static boolean hasStaticInputs(Graph g) {
        if (g.placeholders().isEmpty()) return false;
        for (Node p : g.placeholders()) {
            if (!(p.attrs().get("shape") instanceof ShapeAttr s) || s.unknownRank()) return false;
            for (int i = 1; i < s.dims().length; i++) if (s.dims()[i] < 0) return false;
        }
        return true;
    }

    private static void checkSizes(Graph g) {
        Map<TensorRef, long[]> shapes;
        try {
            shapes = ShapeInference.infer(g, 1);
        } catch (ArithmeticException e) {
            throw new QtuneException("the graph's tensor sizes overflow 64-bit arithmetic (" + e.getMessage() + ")");
        }
        long macs = 0;
        for (Node n : g.nodes()) {
            long[] y = shapes.get(new TensorRef(n.name(), 0));
            if (y == null) continue;
            for (long d : y) {
                if (d < 1) throw bad(n, "output shape " + Arrays.toString(y) + " has a dimension below 1");
            }
            if (saturatingProduct(MAX_ELEMENTS, y) > MAX_ELEMENTS) {
                throw bad(n, "output " + Arrays.toString(y) + " has more than " + MAX_ELEMENTS + " elements per image");
            }
            macs = Math.min(MAX_MACS + 1, macs + macs(n, shapes, y));
            if (macs > MAX_MACS) throw bad(n, "the graph needs more than " + MAX_MACS + " multiply-adds per image up to this node");
        }
    }

    /** Multiply-adds of one node at batch 1 (convolutions and matrix products), saturating above the bound. */
    private static long macs(Node n, Map<TensorRef, long[]> shapes, long[] y) {
        long[] w;
        if (Ops.isConv(n.op()) || Ops.isQuantizedConv(n.op())) {
            w = shapes.get(n.input(1)); // HWIO
            if (w == null || w.length != 4) return 0;
            for (long d : w) if (d < 1) throw bad(n, "filter shape " + Arrays.toString(w) + " has a dimension below 1");
            return saturatingProduct(MAX_MACS, y[1], y[2], w[0], w[1], w[2], w[3]);
        }
        if (n.op().equals(Ops.MAT_MUL)) {
            long[] a = shapes.get(n.input(0));
            if (a == null || a.length != 2) return 0;
            long k = n.attrBool("transpose_a", false) ? a[0] : a[1];
            return saturatingProduct(MAX_MACS, y[0], y[1], k);
        }
        return 0;
    }

    /** The product of {@code xs}, or {@code bound + 1} when it is larger than the bound (never overflows). */
    private static long saturatingProduct(long bound, long... xs) {
        long p = 1;
        for (long x : xs) {
            if (x < 0) return bound + 1;
            if (x != 0 && p > (bound + 1) / x) return bound + 1;
            p *= x;
        }
        return p;
    }
}
