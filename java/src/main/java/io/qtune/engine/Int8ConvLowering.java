package io.qtune.engine;

import io.qtune.graph.ConvGeometry;
import io.qtune.graph.DType;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.Tensor;
import io.qtune.semantics.Int8Semantics;
import java.util.Arrays;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;

import static io.qtune.engine.CompileContext.bad;
import static io.qtune.engine.CompileContext.dims;
import static io.qtune.engine.QuantizedTensors.checkArity;
import static io.qtune.engine.QuantizedTensors.dnnlType;
import static io.qtune.engine.QuantizedTensors.quantizedAttr;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_ATTR_SCALES;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

/**
 * Intel's quantized convolutions (QuantizedConv2DWithBias[AndRelu|SumAndRelu|SignedSumAndRelu]AndRequantize) as
 * oneDNN int8 convolutions that requantize straight to the next layer's u8/s8: bias, ReLU and the residual sum as
 * post-ops, per-channel weight scales and the output scale as runtime arguments, computed as stock TF computes
 * them (docs/int8-semantics.md, {@link Int8Semantics}).
 */
final class Int8ConvLowering implements OpLowering {
    @Override
    public void lower(Node n, CompileContext c) {
        QuantizedTensors q = c.quantized;
        boolean sum = n.op().equals(Ops.QCONV_BIAS_SUM_RELU_REQUANTIZE) || n.op().equals(Ops.QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE);
        boolean signedSum = n.op().equals(Ops.QCONV_BIAS_SIGNED_SUM_RELU_REQUANTIZE);
        boolean relu = !n.op().equals(Ops.QCONV_BIAS_REQUANTIZE);
        checkArity(n, sum ? 12 : 9);
        DType tin = quantizedAttr(n, "Tinput");
        DType tout = quantizedAttr(n, "out_type");
        DType expectOut = relu ? DType.QUINT8 : DType.QINT8;
        if (tout != expectOut) throw bad(n, "out_type must be " + expectOut + ", got " + tout);
        if (n.attrType("Tfilter", DType.QINT8) != DType.QINT8) throw bad(n, "Tfilter must be qint8");
        if (sum && tin != DType.QUINT8) throw bad(n, "the sum convolutions take quint8 input, Tinput is " + tin);
        Value x = q.quantizedIn(n, 0, tin, "Tinput");

        Tensor w = c.g.requireConstant(n, 1);
        if (w.dtype() != DType.QINT8 || w.rank() != 4) throw bad(n, "filter must be a qint8 HWIO constant, got " + w);
        long kh = w.dim(0), kw = w.dim(1), ic = w.dim(2), oc = w.dim(3);
        if (ic != x.shape[3]) throw bad(n, "filter expects " + ic + " input channels, input has " + x.shape[3]);
        DType tbias = n.hasAttr("Tbias") ? n.attrType("Tbias") : DType.FLOAT;
        Tensor b = c.g.requireConstant(n, 2);
        if (b.dtype() != tbias || (tbias != DType.FLOAT && tbias != DType.QINT32) || b.rank() != 1 || b.dim(0) != oc) {
            throw bad(n, "bias must be a " + tbias + " [" + oc + "] constant (Tbias float or qint32), got " + b);
        }
        float inRange = Int8Semantics.range(q.scalar(n, 3), q.scalar(n, 4));
        float sIn = inRange / Int8Semantics.limit(tin);
        float[] fmin = q.frozen(n, 5), fmax = q.frozen(n, 6);
        if (fmin.length != fmax.length || (fmin.length != 1 && fmin.length != oc)) {
            throw bad(n, "filter min/max must be scalars or vectors of " + oc + ", got " + fmin.length + " and " + fmax.length);
        }
        float sOut = Int8Semantics.scale(tout, q.scalar(n, 7), q.scalar(n, 8));
        if (!(sOut > 0) || !(sIn > 0) || Float.isInfinite(sOut)) {
            throw bad(n, "input and output ranges must be positive and finite");
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
            if (ts != expectSummand) throw bad(n, "Tsummand must be " + expectSummand + ", got " + ts);
            summand = q.quantizedIn(n, 9, ts, "Tsummand");
            sumScale = Int8Semantics.scale(ts, q.scalar(n, 10), q.scalar(n, 11));
        }

        ConvGeometry geo = ConvGeometry.of(n, x.shape, kh, kw);
        if (geo.dilationH() != 1 || geo.dilationW() != 1) throw bad(n, "dilated convolutions are not supported");
        long[] ys = c.shapeOf(n);
        if (summand != null && !Arrays.equals(summand.shape, ys)) {
            throw bad(n, "summand " + Arrays.toString(summand.shape) + " does not match output " + Arrays.toString(ys));
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

        long[] srcDims = dims(x.shape), wDims = {oc, ic, kh, kw}, dstDims = dims(ys);
        long[] strides = {geo.strideH(), geo.strideW()};
        long[] padL = {geo.padTop(), geo.padLeft()}, padR = {geo.padBottom(), geo.padRight()};
        memory.desc wAny = c.temp.own(new memory.desc(wDims, memory.data_type.s8, memory.format_tag.any));
        memory.desc biasDesc = c.temp.own(new memory.desc(new long[] {oc}, memory.data_type.f32, memory.format_tag.a));
        memory.desc dstAny = c.temp.own(new memory.desc(dstDims, dstType, memory.format_tag.any));
        memory.desc srcAny = c.temp.own(new memory.desc(srcDims, dnnlType(tin), memory.format_tag.any));
        convolution_forward.primitive_desc pd = convDesc(c, srcAny, wAny, biasDesc, dstAny, strides, padL, padR, attr);
        String impl = pd.impl_info_str().getString();
        if (!c.temp.own(pd.src_desc()).equals(x.desc)) {
            // keep the producer's layout when the same kernel takes it, so consecutive int8 convs need no reorder
            convolution_forward.primitive_desc fixed = tryConvDesc(c, x.desc, wAny, biasDesc, dstAny, strides, padL, padR, attr);
            if (fixed != null && fixed.impl_info_str().getString().equals(impl)) pd = fixed;
            else x = c.reorderTo(n.name(), x, c.scope.own(pd.src_desc()));
        }
        if (summand != null && !c.temp.own(pd.dst_desc()).equals(summand.desc)) {
            // the sum reads dst in place: a dst in the summand's layout saves copying it
            convolution_forward.primitive_desc fixed = tryConvDesc(c, c.temp.own(pd.src_desc()), wAny, biasDesc, summand.desc,
                    strides, padL, padR, attr);
            if (fixed != null && fixed.impl_info_str().getString().equals(impl)) pd = fixed;
        }
        memory.desc dst = c.scope.own(pd.dst_desc());

        Value out = summand != null ? InPlaceSummand.destination(c, n, 9, summand, x, ys, dst) : c.newRoot(n.name(), ys, dst);

        long[] wq = w.longs();
        byte[] wBytes = new byte[wq.length];
        for (int i = 0; i < wq.length; i++) {
            if (wq[i] < -128 || wq[i] > 127) throw bad(n, "filter value " + wq[i] + " is outside qint8");
            wBytes[i] = (byte) wq[i];
        }
        memory.desc wSrc = c.temp.own(new memory.desc(wDims, memory.data_type.s8, memory.format_tag.hwio));
        memory weights = c.constants.getBytes(n.name() + "/filter", wBytes, wSrc, c.temp.own(pd.weights_desc()));
        PrimitiveStep.Args a = new PrimitiveStep.Args().read(DNNL_ARG_SRC, x).shared(DNNL_ARG_WEIGHTS, weights)
                .shared(DNNL_ARG_BIAS, c.constants.get(n.name() + "/bias", biasF, biasDesc, c.temp.own(pd.bias_desc())))
                .shared(DNNL_ARG_ATTR_SCALES | DNNL_ARG_WEIGHTS, q.floats(n.name() + "/weight_scales", wScale))
                .shared(DNNL_ARG_ATTR_SCALES | DNNL_ARG_DST, q.floats(n.name() + "/dst_scale", new float[] {sOut}));
        if (summand != null) a.readWrite(DNNL_ARG_DST, out);
        else a.write(DNNL_ARG_DST, out);
        c.emit(n.name(), "int8 convolution", pd, c.scope.own(new convolution_forward(pd)), a);
        if (signedSum) {
            // the s8 codes of a ReLU output are 0..127, the same bytes as quint8: readers see a u8 view
            long[] st = stridesOf(dst);
            memory.desc u8 = c.scope.own(new memory.desc(dstDims, memory.data_type.u8, st));
            memory.desc s8 = c.temp.own(new memory.desc(dstDims, memory.data_type.s8, st));
            // a blocked dst has no stride form: then a reorder, exact on 0..127
            out = s8.equals(dst) ? c.newView(n.name() + "/as_quint8", ys, u8, out) : c.reorderTo(n.name(), out, q.plainDesc(ys, memory.data_type.u8));
        }
        q.bind(n, out, tout);
    }

    private static long[] stridesOf(memory.desc d) {
        org.bytedeco.javacpp.LongPointer p = d.get_strides();
        long[] s = new long[d.get_ndims()];
        p.get(s);
        return s;
    }

    private static convolution_forward.primitive_desc convDesc(CompileContext c, memory.desc src, memory.desc w, memory.desc bias, memory.desc dst,
                                                        long[] strides, long[] padL, long[] padR, primitive_attr attr) {
        return c.temp.own(new convolution_forward.primitive_desc(c.eng, prop_kind.forward_inference,
                algorithm.convolution_direct, src, w, bias, dst, strides, padL, padR, attr, false));
    }

    /** A descriptor with fixed layouts, or null when no implementation takes them. */
    private static convolution_forward.primitive_desc tryConvDesc(CompileContext c, memory.desc src, memory.desc w, memory.desc bias, memory.desc dst,
                                                           long[] strides, long[] padL, long[] padR, primitive_attr attr) {
        try {
            return convDesc(c, src, w, bias, dst, strides, padL, padR, attr);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
