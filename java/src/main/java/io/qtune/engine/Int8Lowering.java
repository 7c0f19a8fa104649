package io.qtune.engine;

import io.qtune.QtuneException;
import io.qtune.semantics.Int8Semantics;
import io.qtune.graph.ConvGeometry;
import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.Tensor;
import io.qtune.graph.TensorRef;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_ATTR_SCALES;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

/**
 * Lowers the ops of Intel's INT8 TensorFlow format to oneDNN int8 primitives, reproducing what stock TF computes
 * (docs/int8-semantics.md, {@link Int8Semantics}): QuantizeV2 and Dequantize become scaled reorders, the quantized
 * convolutions int8 convolutions that requantize straight to the next layer's u8/s8 (bias, ReLU and the residual
 * sum as post-ops, scales as runtime arguments), QuantizedMaxPool a u8 max pooling. Every min/max input must be a
 * frozen range: a constant, or the min/max output of another quantized op, resolved here at compile time.
 */
final class Int8Lowering {
    private final ProgramCompiler c;
    private final Graph g;
    /** The TF type (qint8 / quint8) of each quantized tensor computed so far, by node name (output 0). */
    private final Map<String, DType> qtype = new HashMap<>();

    Int8Lowering(ProgramCompiler c) {
        this.c = c;
        this.g = c.g;
    }

    void visit(Node n) {
        switch (n.op()) {
            case Ops.QUANTIZE_V2 -> quantizeV2(n);
            case Ops.DEQUANTIZE -> dequantize(n);
            case Ops.QUANTIZED_MAX_POOL -> maxPool(n);
            default -> conv(n);
        }
    }

    // ---------------------------------------------------------------- frozen ranges

    /** The float value(s) a min/max input stands for, followed through Identity and the quantized ops' outputs 1, 2. */
    private float[] frozen(Node consumer, int input) {
        float[] v = frozen(consumer, input, consumer.input(input), 0);
        if (v == null) {
            throw ProgramCompiler.bad(consumer, "input " + input + " ('" + consumer.input(input) + "') must be a frozen range: "
                    + "a float constant or a min/max output of a quantized op");
        }
        return v;
    }

    private float[] frozen(Node consumer, int input, TensorRef r, int depth) {
        if (depth > 64 || !g.contains(r.node())) return null;
        Node p = g.node(r.node());
        switch (p.op()) {
            case Ops.CONST -> {
                if (r.output() != 0) return null;
                Tensor t = p.attrTensor("value");
                if (!t.isFloat()) throw ProgramCompiler.bad(consumer, "input " + input + " ('" + r + "') must be float, got " + t.dtype());
                return t.floats();
            }
            case Ops.IDENTITY -> {
                return r.output() == 0 ? frozen(consumer, input, p.input(0), depth + 1) : null;
            }
            case Ops.QUANTIZE_V2 -> {
                if (r.output() == 0) return null;
                Int8Semantics.QuantizeV2Range q = quantizeV2Range(p);
                return new float[] {r.output() == 1 ? q.outMin() : q.outMax()};
            }
            case Ops.QUANTIZED_MAX_POOL -> {
                return r.output() == 0 ? null : frozen(consumer, input, p.input(r.output()), depth + 1);
            }
            default -> {
                if (Ops.isQuantizedConv(p.op()) && r.output() > 0) return frozen(consumer, input, p.input(6 + r.output()), depth + 1);
                return null;
            }
        }
    }

    private float scalar(Node n, int input) {
        float[] v = frozen(n, input);
        if (v.length != 1) throw ProgramCompiler.bad(n, "input " + input + " ('" + n.input(input) + "') must be a scalar, has " + v.length + " values");
        return v[0];
    }

    private Int8Semantics.QuantizeV2Range quantizeV2Range(Node n) {
        DType t = quantizedAttr(n, "T");
        return Int8Semantics.quantizeV2(t, scalar(n, 1), scalar(n, 2),
                n.attrFloat("ensure_minimum_range", Int8Semantics.DEFAULT_ENSURE_MINIMUM_RANGE));
    }

    // ---------------------------------------------------------------- helpers

    private DType quantizedAttr(Node n, String attr) {
        if (!n.hasAttr(attr)) throw ProgramCompiler.bad(n, "attribute " + attr + " is missing");
        DType t = n.attrType(attr);
        if (t != DType.QINT8 && t != DType.QUINT8) throw ProgramCompiler.bad(n, attr + " must be qint8 or quint8, got " + t);
        return t;
    }

    private static memory.data_type dnnlType(DType t) {
        return t == DType.QINT8 ? memory.data_type.s8 : memory.data_type.u8;
    }

    /** A computed quantized input of the type the op's attribute declares. */
    private Value quantizedIn(Node n, int i, DType expected, String attr) {
        checkArity(n, i + 1);
        Value v = c.in(n, i);
        DType actual = qtypeOf(n.input(i));
        if (!v.isNative() || !v.isQuantized() || actual == null) {
            throw ProgramCompiler.bad(n, "input " + i + " ('" + n.input(i) + "') must be a quantized tensor (" + expected
                    + "), got a float one; is a QuantizeV2 missing?");
        }
        if (actual != expected) {
            throw ProgramCompiler.bad(n, "input " + i + " ('" + n.input(i) + "') is " + actual + " but " + attr + " says " + expected);
        }
        return v;
    }

    /** The quantized type of a tensor, looking through Identity; null for float tensors. */
    private DType qtypeOf(TensorRef r) {
        for (int depth = 0; r.output() == 0 && depth < 64; depth++) {
            DType t = qtype.get(r.node());
            if (t != null) return t;
            Node p = g.node(r.node());
            if (!p.op().equals(Ops.IDENTITY)) return null;
            r = p.input(0);
        }
        return null;
    }

    private static void checkArity(Node n, int needed) {
        if (n.inputs().size() < needed) {
            throw ProgramCompiler.bad(n, "needs at least " + needed + " inputs, has " + n.inputs().size());
        }
    }

    private static void requireScaled(Node n) {
        String mode = n.attrString("mode", "MIN_COMBINED");
        if (!mode.equals("SCALED")) throw ProgramCompiler.bad(n, "only mode SCALED is supported, got " + mode);
        if (n.attrBool("narrow_range", false)) throw ProgramCompiler.bad(n, "narrow_range is not supported");
    }

    /** TF's row-major layout (NHWC for rank 4) with the given element type. */
    private memory.desc plainDesc(long[] shape, memory.data_type t) {
        memory.format_tag tag = switch (shape.length) {
            case 0, 1 -> memory.format_tag.a;
            case 2 -> memory.format_tag.ab;
            case 3 -> memory.format_tag.abc;
            case 4 -> memory.format_tag.nhwc;
            default -> throw new QtuneException("quantized tensors of rank " + shape.length + " are not supported");
        };
        return c.scope.own(new memory.desc(ProgramCompiler.dims(shape), t, tag));
    }

    /** A shared f32 vector (scales) that every batch size's program reuses. */
    private memory floats(String key, float[] v) {
        memory.desc d = c.temp.own(new memory.desc(new long[] {v.length}, memory.data_type.f32, memory.format_tag.a));
        return c.constants.get(key, v, d, d);
    }

    private void bindQuantized(Node n, Value v, DType t) {
        c.bind(n, v);
        qtype.put(n.name(), t);
    }

    // ---------------------------------------------------------------- ops

    private void quantizeV2(Node n) {
        checkArity(n, 3);
        requireScaled(n);
        String round = n.attrString("round_mode", "HALF_AWAY_FROM_ZERO");
        // TF runs only SCALED + HALF_TO_EVEN on its oneDNN kernel; other modes take another kernel with other rules
        if (!round.equals("HALF_TO_EVEN")) throw ProgramCompiler.bad(n, "only round_mode HALF_TO_EVEN is supported, got " + round);
        if (n.attrLong("axis", -1) != -1) throw ProgramCompiler.bad(n, "per-axis quantization is not supported");
        DType t = quantizedAttr(n, "T");
        Value x = c.in(n, 0);
        if (!x.isNative() || x.isQuantized()) throw ProgramCompiler.bad(n, "input 0 ('" + n.input(0) + "') must be a float tensor");
        Int8Semantics.QuantizeV2Range r = quantizeV2Range(n);
        Value out = c.newRoot(n.name(), x.shape, plainDesc(x.shape, dnnlType(t)));
        // TF multiplies by 255/m (quint8) or 127.5/m (qint8); the reorder's src scale is that multiplier
        scaledReorder(n.name(), "quantize", x, out, DNNL_ARG_SRC, floats(n.name() + "/multiplier", new float[] {r.multiplier()}));
        bindQuantized(n, out, t);
    }

    private void dequantize(Node n) {
        checkArity(n, 3);
        requireScaled(n);
        DType t = quantizedAttr(n, "T");
        Value x = quantizedIn(n, 0, t, "T");
        float s = Int8Semantics.dequantizeScale(t, scalar(n, 1), scalar(n, 2));
        Value out = c.newRoot(n.name(), x.shape, plainDesc(x.shape, memory.data_type.f32));
        scaledReorder(n.name(), "dequantize", x, out, DNNL_ARG_SRC, floats(n.name() + "/scale", new float[] {s}));
        c.bind(n, out);
    }

    private void scaledReorder(String node, String kind, Value from, Value to, int scaleArg, memory scale) {
        primitive_attr attr = c.userScratchpad();
        attr.set_scales_mask(scaleArg, 0);
        reorder.primitive_desc pd = c.temp.own(new reorder.primitive_desc(c.eng, from.desc, c.eng, to.desc, attr, false));
        PrimitiveStep.Args a = new PrimitiveStep.Args().read(DNNL_ARG_FROM, from).shared(DNNL_ARG_ATTR_SCALES | scaleArg, scale)
                .write(DNNL_ARG_TO, to);
        c.emit(node, kind, pd, c.scope.own(new reorder(pd)), a);
    }

    private void maxPool(Node n) {
        checkArity(n, 3);
        DType t = quantizedAttr(n, "T");
        Value x = quantizedIn(n, 0, t, "T");
        scalar(n, 1);
        scalar(n, 2);
        long[] k = n.attrLongs("ksize");
        if (k.length != 4) throw ProgramCompiler.bad(n, "ksize must have 4 values, got " + Arrays.toString(k));
        ConvGeometry geo = ConvGeometry.of(n, x.shape, k[1], k[2]);
        long[] ys = c.shapeOf(n);
        memory.desc any = c.temp.own(new memory.desc(ProgramCompiler.dims(ys), dnnlType(t), memory.format_tag.any));
        // oneDNN's max pooling ignores padded positions, as TF's does
        pooling_forward.primitive_desc pd = c.temp.own(new pooling_forward.primitive_desc(c.eng, prop_kind.forward_inference,
                algorithm.pooling_max, x.desc, any, new long[] {geo.strideH(), geo.strideW()}, new long[] {k[1], k[2]},
                new long[] {0, 0}, new long[] {geo.padTop(), geo.padLeft()}, new long[] {geo.padBottom(), geo.padRight()},
                c.userScratchpad(), false));
        Value out = c.newRoot(n.name(), ys, c.scope.own(pd.dst_desc()));
        c.emit(n.name(), "int8 max pool", pd, c.scope.own(new pooling_forward(pd)),
                new PrimitiveStep.Args().read(DNNL_ARG_SRC, x).write(DNNL_ARG_DST, out));
        bindQuantized(n, out, t);
    }

    private void conv(Node n) {
        boolean sum = n.op().equals(Ops.QCONV_BIAS_SUM_RELU_REQUANTIZE) || n.op().equals(Ops.QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE);
        boolean signedSum = n.op().equals(Ops.QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE);
        boolean relu = !n.op().equals(Ops.QCONV_BIAS_REQUANTIZE);
        checkArity(n, sum ? 12 : 9);
        DType tin = quantizedAttr(n, "Tinput");
        DType tout = quantizedAttr(n, "out_type");
        DType expectOut = relu ? DType.QUINT8 : DType.QINT8;
        if (tout != expectOut) throw ProgramCompiler.bad(n, "out_type must be " + expectOut + ", got " + tout);
        if (n.attrType("Tfilter", DType.QINT8) != DType.QINT8) throw ProgramCompiler.bad(n, "Tfilter must be qint8");
        if (sum && tin != DType.QUINT8) throw ProgramCompiler.bad(n, "the sum convolutions take quint8 input, Tinput is " + tin);
        Value x = quantizedIn(n, 0, tin, "Tinput");

        Tensor w = g.requireConstant(n, 1);
        if (w.dtype() != DType.QINT8 || w.rank() != 4) throw ProgramCompiler.bad(n, "filter must be a qint8 HWIO constant, got " + w);
        long kh = w.dim(0), kw = w.dim(1), ic = w.dim(2), oc = w.dim(3);
        if (ic != x.shape[3]) throw ProgramCompiler.bad(n, "filter expects " + ic + " input channels, input has " + x.shape[3]);
        DType tbias = n.hasAttr("Tbias") ? n.attrType("Tbias") : DType.FLOAT;
        Tensor b = g.requireConstant(n, 2);
        if (b.dtype() != tbias || (tbias != DType.FLOAT && tbias != DType.QINT32) || b.rank() != 1 || b.dim(0) != oc) {
            throw ProgramCompiler.bad(n, "bias must be a " + tbias + " [" + oc + "] constant (Tbias float or qint32), got " + b);
        }
        float inRange = Int8Semantics.range(scalar(n, 3), scalar(n, 4));
        float sIn = inRange / Int8Semantics.limit(tin);
        float[] fmin = frozen(n, 5), fmax = frozen(n, 6);
        if (fmin.length != fmax.length || (fmin.length != 1 && fmin.length != oc)) {
            throw ProgramCompiler.bad(n, "filter min/max must be scalars or vectors of " + oc + ", got " + fmin.length + " and " + fmax.length);
        }
        float sOut = Int8Semantics.scale(tout, scalar(n, 7), scalar(n, 8));
        if (!(sOut > 0) || !(sIn > 0) || Float.isInfinite(sOut)) {
            throw ProgramCompiler.bad(n, "input and output ranges must be positive and finite");
        }
        int o = Math.toIntExact(oc);
        float[] wScale = new float[o], biasF = new float[o];
        long[] bq = tbias == DType.QINT32 ? b.longs() : null;
        float[] bf = tbias == DType.FLOAT ? b.floats() : null;
        for (int k = 0; k < o; k++) {
            float fRange = Int8Semantics.range(fmin[fmin.length == 1 ? 0 : k], fmax[fmax.length == 1 ? 0 : k]);
            // one float product, as TF forms it, so the rounding matches
            wScale[k] = sIn * (fRange / 127f);
            biasF[k] = bf != null ? bf[k] : Int8Semantics.qint32BiasToFloat(bq[k], tin, inRange, fRange);
        }

        Value summand = null;
        float sumScale = 0;
        if (sum) {
            DType ts = quantizedAttr(n, "Tsummand");
            DType expectSummand = signedSum ? DType.QINT8 : DType.QUINT8;
            if (ts != expectSummand) throw ProgramCompiler.bad(n, "Tsummand must be " + expectSummand + ", got " + ts);
            summand = quantizedIn(n, 9, ts, "Tsummand");
            sumScale = Int8Semantics.scale(ts, scalar(n, 10), scalar(n, 11));
        }

        ConvGeometry geo = ConvGeometry.of(n, x.shape, kh, kw);
        if (geo.dilationH() != 1 || geo.dilationW() != 1) throw ProgramCompiler.bad(n, "dilated convolutions are not supported");
        long[] ys = c.shapeOf(n);
        if (summand != null && !Arrays.equals(summand.shape, ys)) {
            throw ProgramCompiler.bad(n, "summand " + Arrays.toString(summand.shape) + " does not match output " + Arrays.toString(ys));
        }
        // TF runs the signed sum with an s8 destination and relabels it quint8: outputs saturate at 127
        memory.data_type dstType = signedSum ? memory.data_type.s8 : dnnlType(tout);

        primitive_attr attr = c.userScratchpad();
        attr.set_scales_mask(DNNL_ARG_WEIGHTS, 1);
        attr.set_scales_mask(DNNL_ARG_DST, 0);
        post_ops po = c.temp.own(new post_ops());
        if (sum) po.append_sum(sumScale, 0, memory.data_type.undef);
        if (relu) po.append_eltwise(algorithm.eltwise_relu, 0f, 0f);
        attr.set_post_ops(po);

        long[] srcDims = ProgramCompiler.dims(x.shape), wDims = {oc, ic, kh, kw}, dstDims = ProgramCompiler.dims(ys);
        long[] strides = {geo.strideH(), geo.strideW()};
        long[] padL = {geo.padTop(), geo.padLeft()}, padR = {geo.padBottom(), geo.padRight()};
        memory.desc wAny = c.temp.own(new memory.desc(wDims, memory.data_type.s8, memory.format_tag.any));
        memory.desc biasDesc = c.temp.own(new memory.desc(new long[] {oc}, memory.data_type.f32, memory.format_tag.a));
        memory.desc dstAny = c.temp.own(new memory.desc(dstDims, dstType, memory.format_tag.any));
        memory.desc srcAny = c.temp.own(new memory.desc(srcDims, dnnlType(tin), memory.format_tag.any));
        convolution_forward.primitive_desc pd = convDesc(srcAny, wAny, biasDesc, dstAny, strides, padL, padR, attr);
        String impl = pd.impl_info_str().getString();
        if (!c.temp.own(pd.src_desc()).equals(x.desc)) {
            // keep the producer's layout when the same kernel takes it, so consecutive int8 convs need no reorder
            convolution_forward.primitive_desc fixed = tryConvDesc(x.desc, wAny, biasDesc, dstAny, strides, padL, padR, attr);
            if (fixed != null && fixed.impl_info_str().getString().equals(impl)) pd = fixed;
            else x = c.reorderTo(n.name(), x, c.scope.own(pd.src_desc()));
        }
        if (summand != null && !c.temp.own(pd.dst_desc()).equals(summand.desc)) {
            // the sum reads dst in place: a dst in the summand's layout saves copying it
            convolution_forward.primitive_desc fixed = tryConvDesc(c.temp.own(pd.src_desc()), wAny, biasDesc, summand.desc,
                    strides, padL, padR, attr);
            if (fixed != null && fixed.impl_info_str().getString().equals(impl)) pd = fixed;
        }
        memory.desc dst = c.scope.own(pd.dst_desc());

        Value out;
        if (summand != null) {
            boolean dead = c.lastRead.get(c.bufferOwner(n.input(9).node())) <= c.position.get(n.name());
            if (dead && summand.desc.equals(dst) && summand.root != x.root) {
                out = c.newView(n.name(), ys, dst, summand); // the sum post-op reads and overwrites the summand in place
            } else {
                out = c.newRoot(n.name(), ys, dst);
                c.emitReorder(n.name(), "summand copy", summand, out);
            }
        } else {
            out = c.newRoot(n.name(), ys, dst);
        }

        long[] wq = w.longs();
        byte[] wBytes = new byte[wq.length];
        for (int i = 0; i < wq.length; i++) {
            if (wq[i] < -128 || wq[i] > 127) throw ProgramCompiler.bad(n, "filter value " + wq[i] + " is outside qint8");
            wBytes[i] = (byte) wq[i];
        }
        memory.desc wSrc = c.temp.own(new memory.desc(wDims, memory.data_type.s8, memory.format_tag.hwio));
        memory weights = c.constants.getBytes(n.name() + "/filter", wBytes, wSrc, c.temp.own(pd.weights_desc()));
        PrimitiveStep.Args a = new PrimitiveStep.Args().read(DNNL_ARG_SRC, x).shared(DNNL_ARG_WEIGHTS, weights)
                .shared(DNNL_ARG_BIAS, c.constants.get(n.name() + "/bias", biasF, biasDesc, c.temp.own(pd.bias_desc())))
                .shared(DNNL_ARG_ATTR_SCALES | DNNL_ARG_WEIGHTS, floats(n.name() + "/weight_scales", wScale))
                .shared(DNNL_ARG_ATTR_SCALES | DNNL_ARG_DST, floats(n.name() + "/dst_scale", new float[] {sOut}));
        if (summand != null) a.readWrite(DNNL_ARG_DST, out);
        else a.write(DNNL_ARG_DST, out);
        c.emit(n.name(), "int8 convolution", pd, c.scope.own(new convolution_forward(pd)), a);
        if (signedSum) {
            // the s8 codes of a ReLU output are 0..127, the same bytes as quint8: readers see a u8 view
            long[] st = stridesOf(dst);
            memory.desc u8 = c.scope.own(new memory.desc(dstDims, memory.data_type.u8, st));
            memory.desc s8 = c.temp.own(new memory.desc(dstDims, memory.data_type.s8, st));
            // a blocked dst has no stride form: then a reorder, exact on 0..127
            out = s8.equals(dst) ? c.newView(n.name() + "/as_quint8", ys, u8, out) : c.reorderTo(n.name(), out, plainDesc(ys, memory.data_type.u8));
        }
        bindQuantized(n, out, tout);
    }

    private static long[] stridesOf(memory.desc d) {
        org.bytedeco.javacpp.LongPointer p = d.get_strides();
        long[] s = new long[d.get_ndims()];
        p.get(s);
        return s;
    }

    private convolution_forward.primitive_desc convDesc(memory.desc src, memory.desc w, memory.desc bias, memory.desc dst,
                                                        long[] strides, long[] padL, long[] padR, primitive_attr attr) {
        return c.temp.own(new convolution_forward.primitive_desc(c.eng, prop_kind.forward_inference,
                algorithm.convolution_direct, src, w, bias, dst, strides, padL, padR, attr, false));
    }

    /** A descriptor with fixed layouts, or null when no implementation takes them. */
    private convolution_forward.primitive_desc tryConvDesc(memory.desc src, memory.desc w, memory.desc bias, memory.desc dst,
                                                           long[] strides, long[] padL, long[] padR, primitive_attr attr) {
        try {
            return convDesc(src, w, bias, dst, strides, padL, padR, attr);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
