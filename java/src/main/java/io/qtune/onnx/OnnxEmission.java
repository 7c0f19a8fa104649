package io.qtune.onnx;

import io.qtune.QtuneException;
import io.qtune.export.QuantDecisions;
import io.qtune.graph.ConvGeometry;
import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.ShapeAttr;
import io.qtune.graph.ShapeInference;
import io.qtune.graph.Tensor;
import io.qtune.graph.TensorRef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One export: walks the fused IR in order and emits ONNX nodes. Every IR tensor has a float ONNX value, made on
 * demand (a DequantizeLinear for an INT8 tensor); rank-4 activations live in NCHW, everything else as in TF, and
 * a Transpose is inserted where an op needs the other layout. The INT8 ops are emitted by {@link QdqLowering}.
 */
final class OnnxEmission {
    /** A float (or integer) ONNX value standing for an IR tensor; {@code nchw} when a rank-4 NHWC tensor was transposed. */
    record Val(String name, boolean nchw, int elemType) {}

    /** TF NHWC axis k sits at NCHW position NHWC_TO_NCHW[k]. */
    private static final int[] NHWC_TO_NCHW = {0, 2, 3, 1};
    /**
     * Shapes are inferred at this batch size (2 tells the batch dimension from genuine 1s) and at the next one: a
     * dimension that is the batch size in both is the batch, one that grows otherwise with it has no fixed size.
     */
    private static final long SHAPE_BATCH = 2;

    final Graph fused;
    final QuantDecisions decisions;
    final OnnxExporter.ResidualAdd residualAdd;
    final OnnxGraphBuilder g = new OnnxGraphBuilder("N");
    final List<String> notes = new ArrayList<>();
    private final Map<TensorRef, long[]> shapes, nextBatchShapes;
    private final Map<TensorRef, Val> values = new HashMap<>();
    private final Map<String, String> transposed = new HashMap<>();
    private final Set<String> outputs = new LinkedHashSet<>();
    private final QdqLowering qdq;

    OnnxEmission(Graph fused, QuantDecisions decisions, OnnxExporter.ResidualAdd residualAdd, List<String> extraOutputs) {
        this.fused = fused;
        this.decisions = decisions;
        this.residualAdd = residualAdd;
        for (Node n : fused.sinks()) outputs.add(n.name());
        for (String o : extraOutputs) {
            if (!fused.contains(o)) throw new QtuneException("no node '" + o + "' to return as an output");
            outputs.add(o);
        }
        this.shapes = ShapeInference.infer(fused, SHAPE_BATCH);
        this.nextBatchShapes = ShapeInference.infer(fused, SHAPE_BATCH + 1);
        List<String> taken = new ArrayList<>();
        for (Node n : fused.nodes()) taken.add(n.name());
        g.reserve(taken);
        this.qdq = decisions == null ? null : new QdqLowering(this);
    }

    OnnxExporter.Result run(String producerVersion) {
        for (Node n : fused.nodes()) visit(n);
        for (String o : outputs) {
            TensorRef r = new TensorRef(o, 0);
            Val v = asFloat(r, o);
            String name = plain(v);
            if (!name.equals(o)) g.node("Identity", o, List.of(name));
            g.output(o, v.elemType(), declaredDims(r));
        }
        String doc = decisions == null ? "FP32 network exported by qtune" : "INT8 network (QDQ) exported by qtune from a quant plan";
        byte[] bytes = g.model("qtune", producerVersion, doc);
        return new OnnxExporter.Result(bytes, g.nodeCount(), List.copyOf(notes));
    }

    // ---------------------------------------------------------------- the walk

    private void visit(Node n) {
        switch (n.op()) {
            case Ops.PLACEHOLDER -> placeholder(n);
            case Ops.CONST -> { } // emitted where a consumer reads it as data
            case Ops.FUSED_CONV2D, Ops.CONV2D -> {
                boolean int8 = qdq != null && decisions.int8(n.name()) && qdq.conv(n);
                if (!int8) conv(n);
            }
            case Ops.MAX_POOL -> {
                boolean int8 = qdq != null && decisions.int8(n.name()) && qdq.maxPool(n);
                if (!int8) pool(n, "MaxPool");
            }
            case Ops.AVG_POOL -> pool(n, "AveragePool");
            case Ops.IDENTITY -> unary(n, "Identity");
            case Ops.RELU -> unary(n, "Relu");
            case Ops.RELU6 -> relu6(n);
            case Ops.BIAS_ADD -> biasAdd(n);
            case Ops.ADD, Ops.ADD_V2 -> add(n);
            case Ops.FUSED_BATCH_NORM, Ops.FUSED_BATCH_NORM_V2, Ops.FUSED_BATCH_NORM_V3 -> batchNorm(n);
            case Ops.PAD -> pad(n);
            case Ops.MEAN -> mean(n);
            case Ops.SQUEEZE -> squeeze(n);
            case Ops.RESHAPE -> reshape(n);
            case Ops.MAT_MUL -> matMul(n);
            case Ops.SOFTMAX -> softmax(n);
            case Ops.ARG_MAX -> argMax(n);
            case Ops.CAST -> cast(n);
            default -> throw bad(n, "the ONNX exporter does not support this op");
        }
    }

    static QtuneException bad(Node n, String why) {
        return new QtuneException("node '" + n.name() + "' (" + n.op() + "): " + why);
    }

    // ---------------------------------------------------------------- values and layouts

    long[] shape(TensorRef r) {
        long[] s = shapes.get(r);
        if (s == null) throw new IllegalStateException("no shape for " + r);
        return s;
    }

    /** The shape a graph input or output is declared with, in TF's layout (OnnxProto.valueInfo's dimensions). */
    private long[] declaredDims(TensorRef r) {
        long[] a = shape(r), b = nextBatchShapes.get(r);
        long[] d = new long[a.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = a[i] == b[i] ? a[i] : a[i] == SHAPE_BATCH && b[i] == SHAPE_BATCH + 1 ? OnnxProto.BATCH_DIM : OnnxProto.UNKNOWN_DIM;
        }
        return d;
    }

    /** The name a node's last ONNX output gets: the node's own name, unless it is a graph output not in TF's layout. */
    String finalName(Node n, boolean nchw) {
        return nchw && outputs.contains(n.name()) ? g.unique(n.name() + "/nchw") : n.name();
    }

    void bind(Node n, Val v) {
        values.put(new TensorRef(n.name(), 0), v);
    }

    /** The float ONNX value of an IR tensor: computed, a constant (as an initializer), or a dequantized INT8 tensor. */
    Val asFloat(TensorRef t, String consumer) {
        Val v = values.get(t);
        if (v != null) return v;
        if (qdq != null) {
            v = qdq.dequantized(t);
            if (v != null) {
                values.put(t, v);
                return v;
            }
        }
        Tensor c = fused.constant(t);
        if (c != null) {
            v = new Val(constant(t.node(), c), false, elemType(c.dtype(), t.node()));
            values.put(t, v);
            return v;
        }
        throw new IllegalStateException("tensor '" + t + "' read by '" + consumer + "' was not produced");
    }

    private String constant(String base, Tensor c) {
        if (c.isFloat()) return g.floats(base, c.shape(), c.floats());
        return switch (c.dtype()) {
            case INT64 -> g.int64s(base, c.shape(), c.longs());
            case INT32 -> g.int32s(base, c.shape(), Arrays.stream(c.longs()).mapToInt(Math::toIntExact).toArray());
            default -> throw new QtuneException("constant '" + base + "' of type " + c.dtype() + " has no ONNX form here");
        };
    }

    static int elemType(DType t, String where) {
        return switch (t) {
            case FLOAT -> OnnxProto.FLOAT;
            case INT32 -> OnnxProto.INT32;
            case INT64 -> OnnxProto.INT64;
            case UINT8 -> OnnxProto.UINT8;
            case INT8 -> OnnxProto.INT8;
            case BOOL -> OnnxProto.BOOL;
            default -> throw new QtuneException("'" + where + "': type " + t + " has no ONNX equivalent here");
        };
    }

    Val in(Node n, int i) {
        return asFloat(n.input(i), n.name());
    }

    /** The value in NCHW (rank 4) for ops that run there. */
    String nchw(Val v, int rank) {
        if (v.nchw() || rank != 4) return v.name();
        return transposed.computeIfAbsent(v.name() + "|nchw", k -> g.node("Transpose", g.unique(v.name() + "/nchw"),
                List.of(v.name()), OnnxProto.intsAttr("perm", 0, 3, 1, 2)));
    }

    /** The value in TF's layout. */
    String plain(Val v) {
        if (!v.nchw()) return v.name();
        return transposed.computeIfAbsent(v.name() + "|nhwc", k -> g.node("Transpose", g.unique(v.name() + "/nhwc"),
                List.of(v.name()), OnnxProto.intsAttr("perm", 0, 2, 3, 1)));
    }

    String scalar(String base, float v) {
        return g.floats(base, new long[0], new float[] {v});
    }

    // ---------------------------------------------------------------- float ops

    private void placeholder(Node n) {
        if (n.attrType("dtype", DType.FLOAT) != DType.FLOAT) throw bad(n, "only float inputs are supported");
        ShapeAttr s = n.hasAttr("shape") ? n.attrShape("shape") : new ShapeAttr(null);
        if (s.unknownRank()) throw bad(n, "the input needs a static rank, e.g. [-1,224,224,3]");
        g.input(n.name(), OnnxProto.FLOAT, declaredDims(new TensorRef(n.name(), 0)));
        bind(n, new Val(n.name(), false, OnnxProto.FLOAT));
    }

    /** Conv attributes from TF's geometry (explicit pads, so SAME's uneven split is kept). */
    byte[][] convAttrs(Node n, long[] xNhwc, long kh, long kw) {
        ConvGeometry geo = ConvGeometry.of(n, xNhwc, kh, kw);
        return new byte[][] {
            OnnxProto.intsAttr("dilations", 1, 1),
            OnnxProto.intAttr("group", 1),
            OnnxProto.intsAttr("kernel_shape", kh, kw),
            OnnxProto.intsAttr("pads", geo.padTop(), geo.padLeft(), geo.padBottom(), geo.padRight()),
            OnnxProto.intsAttr("strides", geo.strideH(), geo.strideW()),
        };
    }

    /** TF's HWIO filter as ONNX's OIHW (the same element order both for floats and for codes). */
    static int[] oihwOrder(long[] hwio) {
        int kh = (int) hwio[0], kw = (int) hwio[1], ci = (int) hwio[2], co = (int) hwio[3];
        int[] from = new int[kh * kw * ci * co];
        int k = 0;
        for (int o = 0; o < co; o++) {
            for (int i = 0; i < ci; i++) {
                for (int h = 0; h < kh; h++) {
                    for (int w = 0; w < kw; w++) from[k++] = ((h * kw + w) * ci + i) * co + o;
                }
            }
        }
        return from;
    }

    static void requireNhwc(Node n) {
        if (!n.attrString("data_format", "NHWC").equals("NHWC")) throw bad(n, "only NHWC is supported");
    }

    /** An FP32 (or BF16-planned: ONNX Runtime runs it in FP32) convolution with its fused bias, summand and activation. */
    private void conv(Node n) {
        requireNhwc(n);
        boolean plainConv = n.op().equals(Ops.CONV2D);
        List<String> fusedOps = plainConv ? List.of() : n.attrStrings("fused_ops");
        Tensor w = fused.requireConstant(n, 1);
        if (w.dtype() != DType.FLOAT || w.rank() != 4) throw bad(n, "filter must be a float HWIO constant, got " + w);
        long[] hwio = w.shape();
        int[] from = oihwOrder(hwio);
        float[] wf = w.floats(), oihw = new float[wf.length];
        for (int i = 0; i < from.length; i++) oihw[i] = wf[from[i]];
        long[] xs = shape(n.input(0));
        String x = nchw(in(n, 0), 4);
        List<String> ins = new ArrayList<>(List.of(x, g.floats(n.name() + "/filter", new long[] {hwio[3], hwio[2], hwio[0], hwio[1]}, oihw)));
        if (!fusedOps.isEmpty()) {
            if (!fusedOps.get(0).equals(Ops.BIAS_ADD)) throw bad(n, "fused ops must start with BiasAdd, got " + fusedOps);
            Tensor b = fused.requireConstant(n, 2);
            if (b.dtype() != DType.FLOAT || b.rank() != 1 || b.dim(0) != hwio[3]) throw bad(n, "bias must be a float vector of " + hwio[3]);
            ins.add(g.floats(n.name() + "/bias", b.shape(), b.floats()));
        }
        List<String> rest = fusedOps.isEmpty() ? List.of() : fusedOps.subList(1, fusedOps.size());
        String cur = g.node("Conv", rest.isEmpty() ? finalName(n, true) : g.unique(n.name() + "/conv"), ins, convAttrs(n, xs, hwio[0], hwio[1]));
        for (int i = 0; i < rest.size(); i++) {
            String step = rest.get(i);
            String name = i == rest.size() - 1 ? finalName(n, true) : g.unique(n.name() + "/" + step);
            cur = switch (step) {
                case Ops.ADD -> g.node("Add", name, List.of(cur, nchw(in(n, 3), 4)));
                case Ops.RELU -> g.node("Relu", name, List.of(cur));
                case Ops.RELU6 -> g.node("Clip", name, List.of(cur, scalar(n.name() + "/min", 0f), scalar(n.name() + "/max", 6f)));
                default -> throw bad(n, "unknown fused op " + step);
            };
        }
        bind(n, new Val(cur, true, OnnxProto.FLOAT));
    }

    private void pool(Node n, String op) {
        requireNhwc(n);
        long[] k = n.attrLongs("ksize");
        if (k.length != 4 || k[0] != 1 || k[3] != 1) throw bad(n, "ksize must be [1,h,w,1], got " + Arrays.toString(k));
        bind(n, new Val(poolNode(n, op, nchw(in(n, 0), 4), finalName(n, true)), true, OnnxProto.FLOAT));
    }

    /** MaxPool or AveragePool over an NCHW value; TF's SAME padding never counts padded cells in either. */
    String poolNode(Node n, String op, String x, String out) {
        long[] k = n.attrLongs("ksize");
        ConvGeometry geo = ConvGeometry.of(n, shape(n.input(0)), k[1], k[2]);
        List<byte[]> a = new ArrayList<>();
        if (op.equals("AveragePool")) a.add(OnnxProto.intAttr("count_include_pad", 0));
        a.add(OnnxProto.intsAttr("kernel_shape", k[1], k[2]));
        a.add(OnnxProto.intsAttr("pads", geo.padTop(), geo.padLeft(), geo.padBottom(), geo.padRight()));
        a.add(OnnxProto.intsAttr("strides", geo.strideH(), geo.strideW()));
        return g.node(op, out, List.of(x), a.toArray(new byte[0][]));
    }

    private void unary(Node n, String op) {
        Val x = in(n, 0);
        bind(n, new Val(g.node(op, finalName(n, x.nchw()), List.of(x.name())), x.nchw(), x.elemType()));
    }

    private void relu6(Node n) {
        Val x = in(n, 0);
        String out = g.node("Clip", finalName(n, x.nchw()), List.of(x.name(), scalar(n.name() + "/min", 0f), scalar(n.name() + "/max", 6f)));
        bind(n, new Val(out, x.nchw(), OnnxProto.FLOAT));
    }

    private void biasAdd(Node n) {
        requireNhwc(n);
        Val x = in(n, 0);
        Tensor b = fused.requireConstant(n, 1);
        if (b.dtype() != DType.FLOAT || b.rank() != 1) throw bad(n, "bias must be a float vector");
        // NCHW needs the channel vector as [C,1,1] to broadcast over H and W
        long[] dims = x.nchw() ? new long[] {b.dim(0), 1, 1} : b.shape();
        String bias = g.floats(n.name() + "/bias", dims, b.floats());
        bind(n, new Val(g.node("Add", finalName(n, x.nchw()), List.of(x.name(), bias)), x.nchw(), OnnxProto.FLOAT));
    }

    private void add(Node n) {
        TensorRef ra = n.input(0), rb = n.input(1);
        Val a = in(n, 0), b = in(n, 1);
        int rankA = shape(ra).length, rankB = shape(rb).length;
        boolean nchw = rankA == 4 && rankB == 4 && (a.nchw() || b.nchw());
        String x = nchw ? nchw(a, 4) : plain(a), y = nchw ? nchw(b, 4) : plain(b);
        bind(n, new Val(g.node("Add", finalName(n, nchw), List.of(x, y)), nchw, a.elemType()));
    }

    private void batchNorm(Node n) {
        requireNhwc(n);
        if (n.attrBool("is_training", false)) throw bad(n, "training-mode batch norm cannot be exported");
        List<String> ins = new ArrayList<>(List.of(nchw(in(n, 0), 4)));
        for (int i = 1; i <= 4; i++) ins.add(in(n, i).name());
        String out = g.node("BatchNormalization", finalName(n, true), ins, OnnxProto.floatAttr("epsilon", n.attrFloat("epsilon", 1e-3f)));
        bind(n, new Val(out, true, OnnxProto.FLOAT));
    }

    private void pad(Node n) {
        Val x = in(n, 0);
        long[] p = fused.requireConstant(n, 1).longs();
        int rank = shape(n.input(0)).length;
        if (p.length != 2 * rank) throw bad(n, "paddings have " + p.length + " values for rank " + rank);
        boolean nchw = rank == 4;
        long[] pads = new long[2 * rank];
        for (int k = 0; k < rank; k++) {
            int at = nchw ? NHWC_TO_NCHW[k] : k;
            pads[at] = p[2 * k];
            pads[rank + at] = p[2 * k + 1];
        }
        String in = nchw ? nchw(x, 4) : plain(x);
        String padsInit = g.int64s(n.name() + "/pads", new long[] {pads.length}, pads);
        bind(n, new Val(g.node("Pad", finalName(n, nchw), List.of(in, padsInit)), nchw, x.elemType()));
    }

    /** Axes of TF's NHWC tensor in NCHW, or null when the kept axes would come out in another order than TF's. */
    private static long[] nchwAxes(long[] removed, int rank) {
        if (rank != 4) return null;
        List<Integer> kept = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            final int kk = k;
            if (Arrays.stream(removed).noneMatch(a -> a == kk)) kept.add(NHWC_TO_NCHW[k]);
        }
        for (int i = 1; i < kept.size(); i++) if (kept.get(i) < kept.get(i - 1)) return null;
        return Arrays.stream(removed).map(a -> NHWC_TO_NCHW[(int) a]).sorted().toArray();
    }

    private static long[] normalize(Node n, long[] axes, int rank) {
        long[] r = new long[axes.length];
        for (int i = 0; i < axes.length; i++) {
            r[i] = axes[i] < 0 ? axes[i] + rank : axes[i];
            if (r[i] < 0 || r[i] >= rank) throw bad(n, "axis " + axes[i] + " is out of range for rank " + rank);
        }
        return Arrays.stream(r).sorted().distinct().toArray();
    }

    private void mean(Node n) {
        Val x = in(n, 0);
        int rank = shape(n.input(0)).length;
        long[] axes = normalize(n, fused.requireConstant(n, 1).longs(), rank);
        boolean keep = n.attrBool("keep_dims", false);
        long[] mapped = x.nchw() ? (keep ? Arrays.stream(axes).map(a -> NHWC_TO_NCHW[(int) a]).sorted().toArray() : nchwAxes(axes, rank)) : null;
        boolean nchwIn = mapped != null;
        String in = nchwIn ? x.name() : plain(x);
        boolean nchwOut = nchwIn && keep;
        String out = g.node("ReduceMean", finalName(n, nchwOut), List.of(in),
                OnnxProto.intsAttr("axes", nchwIn ? mapped : axes), OnnxProto.intAttr("keepdims", keep ? 1 : 0));
        bind(n, new Val(out, nchwOut, OnnxProto.FLOAT));
    }

    private void squeeze(Node n) {
        Val x = in(n, 0);
        long[] s = shape(n.input(0));
        long[] dims = normalize(n, n.attrLongs("squeeze_dims", new long[0]), s.length);
        if (dims.length == 0) {
            // TF squeezes every dimension of size 1; the batch (inferred at 2) is never one of them
            List<Long> ones = new ArrayList<>();
            for (int k = 1; k < s.length; k++) if (s[k] == 1) ones.add((long) k);
            dims = ones.stream().mapToLong(Long::longValue).toArray();
        }
        for (long d : dims) if (d == 0 || s[(int) d] != 1) throw bad(n, "cannot squeeze dimension " + d);
        long[] mapped = x.nchw() ? nchwAxes(dims, s.length) : null;
        String in = mapped != null ? x.name() : plain(x);
        long[] axes = mapped != null ? mapped : dims;
        String axesInit = g.int64s(n.name() + "/axes", new long[] {axes.length}, axes);
        bind(n, new Val(g.node("Squeeze", finalName(n, false), List.of(in, axesInit)), false, x.elemType()));
    }

    private void reshape(Node n) {
        Val x = in(n, 0);
        long[] target = fused.requireConstant(n, 1).longs();
        // ONNX reads 0 as "copy this dimension", TF as an empty dimension
        if (Arrays.stream(target).anyMatch(d -> d == 0)) throw bad(n, "a target shape with 0 cannot be exported");
        String shapeInit = g.int64s(n.name() + "/shape", new long[] {target.length}, target);
        bind(n, new Val(g.node("Reshape", finalName(n, false), List.of(plain(x), shapeInit)), false, x.elemType()));
    }

    private void matMul(Node n) {
        String a = plain(in(n, 0));
        if (n.attrBool("transpose_a", false)) a = g.node("Transpose", g.unique(n.name() + "/a_t"), List.of(a), OnnxProto.intsAttr("perm", 1, 0));
        boolean tb = n.attrBool("transpose_b", false);
        Tensor bc = fused.constant(n.input(1));
        String b;
        if (bc != null && bc.isFloat() && bc.rank() == 2 && tb) {
            int rows = (int) bc.dim(0), cols = (int) bc.dim(1);
            float[] v = bc.floats(), t = new float[v.length];
            for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) t[c * rows + r] = v[r * cols + c];
            b = g.floats(n.name() + "/b", new long[] {cols, rows}, t);
        } else {
            b = plain(in(n, 1));
            if (tb) b = g.node("Transpose", g.unique(n.name() + "/b_t"), List.of(b), OnnxProto.intsAttr("perm", 1, 0));
        }
        bind(n, new Val(g.node("MatMul", finalName(n, false), List.of(a, b)), false, OnnxProto.FLOAT));
    }

    private void softmax(Node n) {
        String x = plain(in(n, 0));
        bind(n, new Val(g.node("Softmax", finalName(n, false), List.of(x), OnnxProto.intAttr("axis", -1)), false, OnnxProto.FLOAT));
    }

    private void argMax(Node n) {
        String x = plain(in(n, 0));
        int rank = shape(n.input(0)).length;
        long[] axis = normalize(n, fused.requireConstant(n, 1).longs(), rank);
        if (axis.length != 1) throw bad(n, "needs one axis, got " + axis.length);
        DType outType = n.attrType("output_type", DType.INT64);
        boolean int32 = outType == DType.INT32;
        if (!int32 && outType != DType.INT64) throw bad(n, "output_type must be int32 or int64, got " + outType);
        String am = g.node("ArgMax", int32 ? g.unique(n.name() + "/int64") : finalName(n, false), List.of(x),
                OnnxProto.intAttr("axis", axis[0]), OnnxProto.intAttr("keepdims", 0));
        if (int32) am = g.node("Cast", finalName(n, false), List.of(am), OnnxProto.intAttr("to", OnnxProto.INT32));
        bind(n, new Val(am, false, int32 ? OnnxProto.INT32 : OnnxProto.INT64));
    }

    private void cast(Node n) {
        Val x = in(n, 0);
        int to = elemType(n.attrType("DstT"), n.name());
        bind(n, new Val(g.node("Cast", finalName(n, x.nchw()), List.of(x.name()), OnnxProto.intAttr("to", to)), x.nchw(), to));
    }
}
