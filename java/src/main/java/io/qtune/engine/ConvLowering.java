package io.qtune.engine;

import io.qtune.graph.ConvGeometry;
import io.qtune.graph.FusedOps;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.Tensor;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;

import static io.qtune.engine.CompileContext.bad;
import static io.qtune.engine.CompileContext.dims;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core_bf16;
import static org.bytedeco.dnnl.global.dnnl.dnnl_get_effective_cpu_isa;

/**
 * Conv2D and _FusedConv2D (BiasAdd, then an optional residual Add, then an optional Relu/Relu6) as one FP32
 * convolution with post-ops, or a bf16 one where the graph marks it ({@link Ops#PRECISION_ATTR}) and the CPU
 * has native bf16.
 */
final class ConvLowering implements OpLowering {
    @Override
    public void lower(Node n, CompileContext c) {
        Value x = c.nativeIn(n, 0);
        Tensor w = c.g.requireConstant(n, 1);
        if (!w.isFloat() || w.rank() != 4) throw bad(n, "filter must be a float HWIO tensor, got " + w);
        long kh = w.dim(0), kw = w.dim(1), ic = w.dim(2), oc = w.dim(3);
        long[] xs = x.shape;
        ConvGeometry geo = ConvGeometry.of(n, xs, kh, kw);
        long[] ys = c.shapeOf(n);

        FusedOps fused = FusedOps.of(n);
        boolean hasBias = fused.bias(), sum = fused.sum();
        String activation = fused.activation();
        if (n.inputs().size() != fused.inputs()) {
            throw bad(n, "fused_ops " + fused.ops() + " needs " + fused.inputs() + " inputs, found " + n.inputs().size());
        }
        float[] bias = null;
        if (hasBias) {
            Tensor b = c.g.requireConstant(n, 2);
            if (!b.isFloat() || b.rank() != 1 || b.dim(0) != oc) {
                throw bad(n, "bias must be float [" + oc + "], got " + b);
            }
            bias = b.floats();
        }

        primitive_attr attr = c.userScratchpad();
        post_ops po = c.temp.own(new post_ops());
        if (sum) po.append_sum(1.0f, 0, memory.data_type.undef);
        if (Ops.RELU.equals(activation)) po.append_eltwise(algorithm.eltwise_relu, 0f, 0f);
        if (Ops.RELU6.equals(activation)) po.append_eltwise(algorithm.eltwise_clip, 0f, 6f);
        attr.set_post_ops(po);

        long[] srcDims = dims(xs), wDims = {oc, ic, kh, kw}, dstDims = dims(ys);
        long[] strides = {geo.strideH(), geo.strideW()};
        long[] padL = {geo.padTop(), geo.padLeft()}, padR = {geo.padBottom(), geo.padRight()};
        memory.desc biasDesc = hasBias ? c.tagDesc(new long[] {oc}, memory.format_tag.a) : null;
        convolution_forward.primitive_desc pd = bf16Conv(n)
                ? bf16Desc(c, n, srcDims, wDims, biasDesc, dstDims, strides, padL, padR, attr) : null;
        boolean bf16 = pd != null;
        if (bf16) {
            // src and weights in bf16, f32 bias; dst in bf16 when only bf16 convolutions read it, else f32
            memory.desc src = c.scope.own(pd.src_desc());
            if (!src.equals(x.desc)) x = c.reorderTo(n.name(), x, src);
        } else if (isBf16(x.desc)) {
            // a bf16 producer whose reader fell back to FP32: widen its output
            pd = convDesc(c, c.anyDesc(srcDims), c.anyDesc(wDims), biasDesc, c.anyDesc(dstDims), strides, padL, padR, attr);
            x = c.reorderTo(n.name(), x, c.scope.own(pd.src_desc()));
        } else if (!c.temp.own((pd = convDesc(c, c.anyDesc(srcDims), c.anyDesc(wDims), biasDesc, c.anyDesc(dstDims),
                strides, padL, padR, attr)).src_desc()).equals(x.desc)) {
            // keep the producer's layout when the same kernel accepts it: a reorder costs more than it saves
            convolution_forward.primitive_desc fixed = convDesc(c, x.desc, c.anyDesc(wDims), biasDesc, c.anyDesc(dstDims),
                    strides, padL, padR, attr);
            if (fixed.impl_info_str().getString().equals(pd.impl_info_str().getString())) pd = fixed;
            else x = c.reorderTo(n.name(), x, c.scope.own(pd.src_desc()));
        }
        memory.desc dst = c.scope.own(pd.dst_desc());

        Value out = sum ? InPlaceSummand.destination(c, n, 3, c.nativeIn(n, 3), x, ys, dst) : c.newRoot(n.name(), ys, dst);

        memory weights = c.constants.get(n.name() + "/filter", w.floats(), c.tagDesc(wDims, memory.format_tag.hwio),
                c.temp.own(pd.weights_desc()));
        PrimitiveStep.Args a = new PrimitiveStep.Args().read(DNNL_ARG_SRC, x).shared(DNNL_ARG_WEIGHTS, weights);
        if (hasBias) {
            a.shared(DNNL_ARG_BIAS, c.constants.get(n.name() + "/bias", bias, biasDesc, c.temp.own(pd.bias_desc())));
        }
        if (sum) a.readWrite(DNNL_ARG_DST, out);
        else a.write(DNNL_ARG_DST, out);
        c.emit(n.name(), bf16 ? "bf16 convolution" : "convolution", pd, c.scope.own(new convolution_forward(pd)), a);
        c.bind(n, out);
    }

    /** Whether the graph marks this convolution bf16 (the exporter's {@link Ops#PRECISION_ATTR}). */
    private static boolean bf16Conv(Node n) {
        if (!n.hasAttr(Ops.PRECISION_ATTR)) return false;
        String p = n.attrString(Ops.PRECISION_ATTR);
        if (p.equals(Ops.BF16)) return true;
        if (p.equals("fp32")) return false;
        throw bad(n, Ops.PRECISION_ATTR + " is '" + p + "', expected 'bf16' or 'fp32'");
    }

    /** Whether oneDNN may use the CPU's native bf16 dot products (avx512_bf16, AMX), as capped by ONEDNN_MAX_CPU_ISA. */
    static boolean cpuHasBf16() {
        int isa = dnnl_get_effective_cpu_isa();
        return (isa & dnnl_cpu_isa_avx512_core_bf16) == dnnl_cpu_isa_avx512_core_bf16;
    }

    /**
     * A bf16 convolution descriptor, or null (with a note) when the CPU lacks bf16 or oneDNN offers only its
     * reference kernel: emulated bf16 would be slower than FP32 and no more exact.
     */
    private static convolution_forward.primitive_desc bf16Desc(CompileContext c, Node n, long[] srcDims, long[] wDims,
                                                               memory.desc biasDesc, long[] dstDims, long[] strides,
                                                               long[] padL, long[] padR, primitive_attr attr) {
        if (!cpuHasBf16()) {
            c.bf16WithoutCpu.add(n.name());
            return null;
        }
        memory.desc dst = readByBf16ConvsOnly(c, n)
                ? c.temp.own(new memory.desc(dstDims, memory.data_type.bf16, memory.format_tag.any)) : c.anyDesc(dstDims);
        convolution_forward.primitive_desc pd = convDesc(c,
                c.temp.own(new memory.desc(srcDims, memory.data_type.bf16, memory.format_tag.any)),
                c.temp.own(new memory.desc(wDims, memory.data_type.bf16, memory.format_tag.any)),
                biasDesc, dst, strides, padL, padR, attr);
        String impl = pd.impl_info_str().getString();
        if (impl.startsWith("ref")) {
            c.notes.add("node '" + n.name() + "' runs in FP32, not bf16: oneDNN has only " + impl + " for it");
            return null;
        }
        return pd;
    }

    /**
     * Whether every reader of a convolution's output is a bf16-marked convolution reading it as its source or its
     * summand: then the output can stay bf16 (half the bytes, no reorder before each reader), as TF keeps it.
     */
    private static boolean readByBf16ConvsOnly(CompileContext c, Node n) {
        java.util.List<Node> readers = c.g.consumers(n.name());
        if (readers.isEmpty() || c.isReturned(n)) return false;
        for (Node r : readers) {
            if (!Ops.isConv(r.op()) || !bf16Conv(r)) return false;
            for (int i = 0; i < r.inputs().size(); i++) {
                if (r.input(i).node().equals(n.name()) && i != 0 && i != 3) return false;
            }
        }
        return true;
    }

    static boolean isBf16(memory.desc d) {
        return d != null && d.get_data_type().value == memory.data_type.bf16.value;
    }

    private static convolution_forward.primitive_desc convDesc(CompileContext c, memory.desc src, memory.desc w,
                                                               memory.desc bias, memory.desc dst, long[] strides,
                                                               long[] padL, long[] padR, primitive_attr attr) {
        if (bias == null) {
            return c.temp.own(new convolution_forward.primitive_desc(c.eng, prop_kind.forward_inference,
                    algorithm.convolution_direct, src, w, dst, strides, padL, padR, attr, false));
        }
        return c.temp.own(new convolution_forward.primitive_desc(c.eng, prop_kind.forward_inference,
                algorithm.convolution_direct, src, w, bias, dst, strides, padL, padR, attr, false));
    }
}
