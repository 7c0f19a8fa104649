package io.qtune.engine;

import io.qtune.graph.ConvGeometry;
import io.qtune.graph.DType;
import io.qtune.graph.Node;
import java.util.Arrays;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;

import static io.qtune.engine.CompileContext.bad;
import static io.qtune.engine.QuantizedTensors.checkArity;
import static io.qtune.engine.QuantizedTensors.dnnlType;
import static io.qtune.engine.QuantizedTensors.quantizedAttr;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;

/** QuantizedMaxPool as a u8/s8 max pooling: the codes pass through, so the range inputs pass through too. */
final class Int8PoolLowering implements OpLowering {
    @Override
    public void lower(Node n, CompileContext c) {
        QuantizedTensors q = c.quantized;
        checkArity(n, 3);
        DType t = quantizedAttr(n, "T");
        Value x = q.quantizedIn(n, 0, t, "T");
        q.scalar(n, 1);
        q.scalar(n, 2);
        long[] k = n.attrLongs("ksize");
        if (k.length != 4) throw bad(n, "ksize must have 4 values, got " + Arrays.toString(k));
        ConvGeometry geo = ConvGeometry.of(n, x.shape, k[1], k[2]);
        long[] ys = c.shapeOf(n);
        memory.desc any = c.temp.own(new memory.desc(CompileContext.dims(ys), dnnlType(t), memory.format_tag.any));
        // oneDNN's max pooling ignores padded positions, as TF's does
        pooling_forward.primitive_desc pd = c.temp.own(new pooling_forward.primitive_desc(c.eng, prop_kind.forward_inference,
                algorithm.pooling_max, x.desc, any, new long[] {geo.strideH(), geo.strideW()}, new long[] {k[1], k[2]},
                new long[] {0, 0}, new long[] {geo.padTop(), geo.padLeft()}, new long[] {geo.padBottom(), geo.padRight()},
                c.userScratchpad(), false));
        Value out = c.newRoot(n.name(), ys, c.scope.own(pd.dst_desc()));
        c.emit(n.name(), "int8 max pool", pd, c.scope.own(new pooling_forward(pd)),
                new PrimitiveStep.Args().read(DNNL_ARG_SRC, x).write(DNNL_ARG_DST, out));
        q.bind(n, out, t);
    }
}
