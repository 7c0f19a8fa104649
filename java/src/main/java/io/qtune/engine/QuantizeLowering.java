package io.qtune.engine;

import io.qtune.graph.DType;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.semantics.Int8Semantics;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;

import static io.qtune.engine.CompileContext.bad;
import static io.qtune.engine.QuantizedTensors.checkArity;
import static io.qtune.engine.QuantizedTensors.dnnlType;
import static io.qtune.engine.QuantizedTensors.quantizedAttr;
import static io.qtune.engine.QuantizedTensors.requireScaled;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_ATTR_SCALES;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;

/** QuantizeV2 and Dequantize (SCALED) as scaled reorders between f32 and u8/s8, with TF's multipliers. */
final class QuantizeLowering implements OpLowering {
    @Override
    public void lower(Node n, CompileContext c) {
        if (n.op().equals(Ops.QUANTIZE_V2)) quantizeV2(n, c);
        else dequantize(n, c);
    }

    private static void quantizeV2(Node n, CompileContext c) {
        QuantizedTensors q = c.quantized;
        checkArity(n, 3);
        requireScaled(n);
        String round = n.attrString("round_mode", "HALF_AWAY_FROM_ZERO");
        // TF runs only SCALED + HALF_TO_EVEN on its oneDNN kernel; other modes take another kernel with other rules
        if (!round.equals("HALF_TO_EVEN")) throw bad(n, "only round_mode HALF_TO_EVEN is supported, got " + round);
        if (n.attrLong("axis", -1) != -1) throw bad(n, "per-axis quantization is not supported");
        DType t = quantizedAttr(n, "T");
        Value x = c.in(n, 0);
        if (!x.isNative() || x.isQuantized()) throw bad(n, "input 0 ('" + n.input(0) + "') must be a float tensor");
        Int8Semantics.QuantizeV2Range r = q.quantizeV2Range(n);
        Value out = c.newRoot(n.name(), x.shape, q.plainDesc(x.shape, dnnlType(t)));
        // TF multiplies by 255/m (quint8) or 127.5/m (qint8); the reorder's src scale is that multiplier
        scaledReorder(c, n.name(), "quantize", x, out, DNNL_ARG_SRC, q.floats(n.name() + "/multiplier", new float[] {r.multiplier()}));
        q.bind(n, out, t);
    }

    private static void dequantize(Node n, CompileContext c) {
        QuantizedTensors q = c.quantized;
        checkArity(n, 3);
        requireScaled(n);
        DType t = quantizedAttr(n, "T");
        Value x = q.quantizedIn(n, 0, t, "T");
        float s = Int8Semantics.dequantizeScale(t, q.scalar(n, 1), q.scalar(n, 2));
        Value out = c.newRoot(n.name(), x.shape, q.plainDesc(x.shape, memory.data_type.f32));
        scaledReorder(c, n.name(), "dequantize", x, out, DNNL_ARG_SRC, q.floats(n.name() + "/scale", new float[] {s}));
        c.bind(n, out);
    }

    private static void scaledReorder(CompileContext c, String node, String kind, Value from, Value to, int scaleArg,
                                      memory scale) {
        primitive_attr attr = c.userScratchpad();
        attr.set_scales_mask(scaleArg, 0);
        reorder.primitive_desc pd = c.temp.own(new reorder.primitive_desc(c.eng, from.desc, c.eng, to.desc, attr, false));
        PrimitiveStep.Args a = new PrimitiveStep.Args().read(DNNL_ARG_FROM, from).shared(DNNL_ARG_ATTR_SCALES | scaleArg, scale)
                .write(DNNL_ARG_TO, to);
        c.emit(node, kind, pd, c.scope.own(new reorder(pd)), a);
    }
}
