package io.qtune.onnx;

import io.qtune.QtuneException;
import io.qtune.semantics.Int8Semantics;
import io.qtune.export.Int8Weights;
import io.qtune.graph.DType;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.Tensor;
import io.qtune.graph.TensorRef;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The INT8 ops of a quant plan in ONNX's QDQ form, with the decisions and scales of qtune's INT8 graph
 * ({@code Int8GraphWriter}, docs/int8-semantics.md), so ONNX Runtime computes what qtune's INT8 engine computes:
 * <ul>
 *   <li>activations u8 with zero point 0 (ReLU outputs, step R/255), s8 with zero point 0 where the range is signed
 *       (the stem input, step R/127.5 as TF's QuantizeV2 rounds it, and BiasAdd-only convolutions, step R/127);</li>
 *   <li>weights s8, symmetric, per output channel (or per tensor), the very codes qtune's exporter writes;</li>
 *   <li>bias int32 = round(b / (sIn * sW[oc])), dequantized with scale sIn * sW[oc] as QLinearConv requires;</li>
 *   <li>requantization by the next QuantizeLinear; ReLU before a QuantizeLinear with zero point 0 (ONNX Runtime
 *       removes it: saturation at 0 is the ReLU); Relu6 as ReLU with the range capped at 6.</li>
 * </ul>
 * ONNX Runtime has no int8 convolution that adds a residual, so a sum convolution takes one of two forms
 * ({@link OnnxExporter.ResidualAdd}): FLOAT keeps the convolution's output in float, adds the dequantized summand and
 * requantizes once, as qtune does (ONNX Runtime then runs that convolution on dequantized weights, in float); INT8
 * quantizes the convolution's output first, so ONNX Runtime runs QLinearConv then QLinearAdd. That intermediate is
 * quantized over [-R(summand), R(out)] (plus R(summand) above for a signed summand): values outside it give the same
 * output after the ReLU and the final saturation, so the only extra error is its rounding, about
 * (R(out)+R(summand))/510 before the add.
 */
final class QdqLowering {
    /** A quantized IR tensor: the ONNX tensor of codes (NCHW when rank 4), its type and TF-style range (step = range / L). */
    private record QVal(String name, boolean nchw, DType type, float range) {
        float scale() {
            return range / Int8Semantics.limit(type);
        }
    }

    private static final float ZERO_RANGE_SUBSTITUTE = Int8Semantics.DEFAULT_ENSURE_MINIMUM_RANGE;

    private final OnnxEmission e;
    private final OnnxGraphBuilder g;
    private final Map<TensorRef, QVal> quantized = new HashMap<>();
    private final Map<String, QVal> quantizeLinears = new HashMap<>();
    private final Map<String, String> scalars = new HashMap<>();

    QdqLowering(OnnxEmission e) {
        this.e = e;
        this.g = e.g;
    }

    // ---------------------------------------------------------------- shared constants

    private String scaleInit(float s) {
        return scalars.computeIfAbsent("f" + Float.floatToIntBits(s), k -> g.floats("scale", new long[0], new float[] {s}));
    }

    private String zeroPoint(DType t, int zp) {
        boolean u8 = t == DType.QUINT8;
        return scalars.computeIfAbsent((u8 ? "u8:" : "s8:") + zp,
                k -> g.bytes(u8 ? "zero_point_u8" : "zero_point_s8", u8 ? OnnxProto.UINT8 : OnnxProto.INT8, new long[0], new byte[] {(byte) zp}));
    }

    private String quantizeLinear(String x, float scale, DType t, int zp, String out) {
        return g.node("QuantizeLinear", out, List.of(x, scaleInit(scale), zeroPoint(t, zp)));
    }

    private String dequantizeLinear(String q, float scale, DType t, int zp, String out) {
        return g.node("DequantizeLinear", out, List.of(q, scaleInit(scale), zeroPoint(t, zp)));
    }

    /** A DequantizeLinear for one consumer (ONNX Runtime groups each op with its own DQ inputs). */
    private String dq(QVal q, String consumer) {
        return dequantizeLinear(q.name(), q.scale(), q.type(), 0, g.unique(consumer + "/" + shortName(q.name()) + "_dq"));
    }

    private static String shortName(String s) {
        return s.substring(s.lastIndexOf('/') + 1);
    }

    // ---------------------------------------------------------------- tensors

    /** The float value of a quantized IR tensor (a DequantizeLinear named after the tensor), or null if it is not quantized. */
    OnnxEmission.Val dequantized(TensorRef t) {
        QVal q = quantized.get(t);
        if (q == null) return null;
        Node n = e.fused.node(t.node());
        String out = t.output() == 0 ? e.finalName(n, q.nchw()) : g.unique(t.node() + "_" + t.output());
        return new OnnxEmission.Val(dequantizeLinear(q.name(), q.scale(), q.type(), 0, out), q.nchw(), OnnxProto.FLOAT);
    }

    /**
     * The quantized version of an IR tensor of the wanted type (null: by the sign of its calibrated range), or null
     * when that would clip it. A float tensor is quantized as TF's QuantizeV2 does (SCALED, round half to even).
     */
    private QVal asQuantized(TensorRef t, DType want, String consumer) {
        QVal q = quantized.get(t);
        if (q != null) return want == null || q.type() == want ? q : null;
        float[] r = range(t, consumer);
        DType type = want != null ? want : r[0] < 0 ? DType.QINT8 : DType.QUINT8;
        if (type == DType.QUINT8 && r[0] < 0) return null;
        String key = t + "|" + type;
        QVal made = quantizeLinears.get(key);
        if (made == null) {
            Int8Semantics.QuantizeV2Range eff = Int8Semantics.quantizeV2(type, r[0], r[1], Int8Semantics.DEFAULT_ENSURE_MINIMUM_RANGE);
            // TF's qint8 QuantizeV2 multiplies by 127.5/range: a step of range/127.5, i.e. a "range" of range*127/127.5
            float range = type == DType.QUINT8 ? eff.outMax() : eff.outMax() * 127f / 127.5f;
            OnnxEmission.Val f = e.asFloat(t, consumer);
            int rank = e.shape(t).length;
            String x = e.nchw(f, rank);
            String name = g.unique((t.output() == 0 ? t.node() : t.node() + "_" + t.output()) + "_quantize_" + type.name().toLowerCase());
            made = new QVal(name, f.nchw() || rank == 4, type, range);
            quantizeLinear(x, made.scale(), type, 0, name);
            quantizeLinears.put(key, made);
        }
        return made;
    }

    private float[] range(TensorRef t, String consumer) {
        float[] r = e.decisions.range(t.toString());
        String where = "tensor '" + t + "' (needed by node '" + consumer + "')";
        if (r == null) throw new QtuneException("no calibrated range for " + where);
        if (r.length != 2 || !Float.isFinite(r[0]) || !Float.isFinite(r[1]) || r[0] > r[1]) {
            throw new QtuneException("calibrated range of " + where + " is not a finite [min, max]: " + java.util.Arrays.toString(r));
        }
        return r;
    }

    // ---------------------------------------------------------------- convolutions

    /** An INT8 convolution in QDQ form; false (with a note) when qtune keeps it FP32 too. */
    boolean conv(Node n) {
        OnnxEmission.requireNhwc(n);
        boolean plainConv = n.op().equals(Ops.CONV2D);
        List<String> fusedOps = plainConv ? List.of(Ops.BIAS_ADD) : n.attrStrings("fused_ops");
        boolean sum = fusedOps.equals(List.of(Ops.BIAS_ADD, Ops.ADD, Ops.RELU));
        boolean relu = sum || fusedOps.equals(List.of(Ops.BIAS_ADD, Ops.RELU)) || fusedOps.equals(List.of(Ops.BIAS_ADD, Ops.RELU6));
        if (!sum && !relu && !fusedOps.equals(List.of(Ops.BIAS_ADD))) {
            e.notes.add("node '" + n.name() + "' stays FP32: qtune has no INT8 convolution fusing " + fusedOps);
            return false;
        }
        QVal x = asQuantized(n.input(0), sum ? DType.QUINT8 : null, n.name());
        if (x == null) {
            e.notes.add("node '" + n.name() + "' stays FP32: its input '" + n.input(0) + "' is signed and qtune's sum convolutions take u8 only");
            return false;
        }
        QVal summand = sum ? asQuantized(n.input(3), null, n.name()) : null;
        boolean signedSum = summand != null && summand.type() == DType.QINT8;

        float[] r = range(new TensorRef(n.name(), 0), n.name());
        float outRange = Int8Semantics.range(r[0], r[1]);
        if (fusedOps.contains(Ops.RELU6)) outRange = Math.min(outRange, 6f); // saturation at 255 then is Relu6's clip
        if (outRange == 0) outRange = ZERO_RANGE_SUBSTITUTE;
        // qtune's signed-sum kernel keeps codes 0..127 over twice the range: the same step here
        float declaredOut = signedSum ? 2 * outRange : outRange;

        Tensor w = e.fused.requireConstant(n, 1);
        long[] hwio = w.shape();
        long oc = hwio[3];
        Tensor b = plainConv ? Tensor.ofFloats(new long[] {oc}, new float[(int) oc]) : e.fused.requireConstant(n, 2);
        if (b.dtype() != DType.FLOAT || b.rank() != 1 || b.dim(0) != oc) throw OnnxEmission.bad(n, "bias must be a float vector of " + oc);
        // the same filter codes as qtune's INT8 graph: its qint32 bias (u8 input) may raise a channel's range
        float[] minRange = x.type() == DType.QUINT8 ? Int8Weights.minFilterRange(b.floats(), x.type(), x.range()) : null;
        boolean perChannel = e.decisions.perChannel(n.name());
        Int8Weights.QuantizedFilter qf = Int8Weights.quantizeFilter(n.name(), w, perChannel, minRange,
                // ONNX Runtime needs no doubled codes on signed input: the same real weights as the INT8 graph's
                e.decisions.sevenBitWeights(n.name()) ? Int8Weights.Codes.SEVEN_BIT : Int8Weights.Codes.FULL);
        long[] biasQ = Int8Weights.qint32Bias(n.name(), b.floats(), x.type(), x.range(), qf.range()).longs();

        int[] from = OnnxEmission.oihwOrder(hwio);
        long[] codes = qf.values().longs();
        byte[] oihw = new byte[codes.length];
        for (int i = 0; i < from.length; i++) oihw[i] = (byte) codes[from[i]];
        int scales = qf.range().length;
        float[] wScale = new float[scales], bScale = new float[scales];
        int[] bias32 = new int[(int) oc];
        float sIn = x.scale();
        for (int k = 0; k < scales; k++) {
            wScale[k] = qf.range()[k] / 127f;
            bScale[k] = sIn * wScale[k]; // one float product, as qtune forms it
        }
        for (int k = 0; k < oc; k++) bias32[k] = Math.toIntExact(biasQ[k]);
        long[] scaleDims = perChannel ? new long[] {oc} : new long[0];
        byte[][] axis = perChannel ? new byte[][] {OnnxProto.intAttr("axis", 0)} : new byte[0][];

        String wq = g.bytes(n.name() + "/filter", OnnxProto.INT8, new long[] {oc, hwio[2], hwio[0], hwio[1]}, oihw);
        String wdq = g.node("DequantizeLinear", g.unique(n.name() + "/filter_dq"), List.of(wq,
                g.floats(n.name() + "/filter_scale", scaleDims, wScale),
                g.bytes(n.name() + "/filter_zero_point", OnnxProto.INT8, scaleDims, new byte[scales])), axis);
        String bq = g.int32s(n.name() + "/bias", new long[] {oc}, bias32);
        String bdq = g.node("DequantizeLinear", g.unique(n.name() + "/bias_dq"), List.of(bq,
                g.floats(n.name() + "/bias_scale", scaleDims, bScale),
                g.int32s(n.name() + "/bias_zero_point", scaleDims, new int[scales])), axis);
        String conv = g.node("Conv", g.unique(n.name() + "/conv"), List.of(dq(x, n.name()), wdq, bdq),
                e.convAttrs(n, e.shape(n.input(0)), hwio[0], hwio[1]));

        String pre = conv;
        if (sum && e.residualAdd == OnnxExporter.ResidualAdd.FLOAT) {
            pre = g.node("Add", g.unique(n.name() + "/add"), List.of(conv, dq(summand, n.name())));
        } else if (sum) {
            // the conv output before the residual, quantized over the only part of its range that reaches the output
            float lo = -summand.range(), hi = outRange + (signedSum ? summand.range() : 0f);
            float cScale = (hi - lo) / 255f;
            int cZero = (int) Math.max(0, Math.min(255, Math.rint(-lo / cScale)));
            String cq = quantizeLinear(conv, cScale, DType.QUINT8, cZero, g.unique(n.name() + "/conv_quantized"));
            String cdq = dequantizeLinear(cq, cScale, DType.QUINT8, cZero, g.unique(n.name() + "/conv_dq"));
            pre = g.node("Add", g.unique(n.name() + "/add"), List.of(cdq, dq(summand, n.name())));
        }
        if (relu) pre = g.node("Relu", g.unique(n.name() + "/relu"), List.of(pre));
        DType outType = relu ? DType.QUINT8 : DType.QINT8;
        QVal out = new QVal(g.unique(n.name() + "_quantized"), true, outType, declaredOut);
        quantizeLinear(pre, out.scale(), outType, 0, out.name());
        quantized.put(new TensorRef(n.name(), 0), out);
        return true;
    }

    /** A u8 max pool: DQ, MaxPool, Q with the same scale (ONNX Runtime runs it on the u8 codes). */
    boolean maxPool(Node n) {
        OnnxEmission.requireNhwc(n);
        QVal x = quantized.get(n.input(0));
        String padding = n.attrString("padding");
        long[] k = n.attrLongs("ksize");
        if (x == null || x.type() != DType.QUINT8 || !(padding.equals("SAME") || padding.equals("VALID")) || k.length != 4) return false;
        String pooled = e.poolNode(n, "MaxPool", dq(x, n.name()), g.unique(n.name() + "/pool"));
        QVal out = new QVal(g.unique(n.name() + "_quantized"), true, DType.QUINT8, x.range());
        quantizeLinear(pooled, out.scale(), DType.QUINT8, 0, out.name());
        quantized.put(new TensorRef(n.name(), 0), out);
        return true;
    }

}
