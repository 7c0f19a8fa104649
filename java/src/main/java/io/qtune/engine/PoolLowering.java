package io.qtune.engine;

import io.qtune.graph.ConvGeometry;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;

import static io.qtune.engine.CompileContext.bad;
import static io.qtune.engine.CompileContext.dims;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;

/** FP32 MaxPool and AvgPool, and the Mean over H and W (global average pooling) of ResNet's tail. */
final class PoolLowering implements OpLowering {
    @Override
    public void lower(Node n, CompileContext c) {
        if (n.op().equals(Ops.MEAN)) mean(n, c);
        else pool(n, c);
    }

    private static void pool(Node n, CompileContext c) {
        Value x = c.nativeIn(n, 0);
        long[] k = n.attrLongs("ksize");
        if (k.length != 4) throw bad(n, "ksize must have 4 values, got " + Arrays.toString(k));
        ConvGeometry geo = ConvGeometry.of(n, x.shape, k[1], k[2]);
        boolean max = n.op().equals(Ops.MAX_POOL);
        // TF's AvgPool divides by the number of valid (unpadded) elements
        algorithm alg = max ? algorithm.pooling_max : algorithm.pooling_avg_exclude_padding;
        long[] ys = c.shapeOf(n);
        pooling_forward.primitive_desc pd = c.temp.own(new pooling_forward.primitive_desc(c.eng, prop_kind.forward_inference,
                alg, x.desc, c.anyDesc(dims(ys)), new long[] {geo.strideH(), geo.strideW()}, new long[] {k[1], k[2]},
                new long[] {0, 0}, new long[] {geo.padTop(), geo.padLeft()}, new long[] {geo.padBottom(), geo.padRight()},
                c.userScratchpad(), false));
        Value out = c.newRoot(n.name(), ys, c.scope.own(pd.dst_desc()));
        c.emit(n.name(), max ? "max pool" : "avg pool", pd, c.scope.own(new pooling_forward(pd)),
                new PrimitiveStep.Args().read(DNNL_ARG_SRC, x).write(DNNL_ARG_DST, out));
        c.bind(n, out);
    }

    private static void mean(Node n, CompileContext c) {
        Value x = c.nativeIn(n, 0);
        long[] axes = c.g.requireConstant(n, 1).longs();
        Set<Long> ax = new HashSet<>();
        for (long a : axes) ax.add(a < 0 ? a + x.shape.length : a);
        if (x.shape.length != 4 || !ax.equals(Set.of(1L, 2L))) {
            throw bad(n, "only the mean over H and W of an NHWC tensor is supported, got axes " + Arrays.toString(axes)
                    + " of " + Arrays.toString(x.shape));
        }
        long[] pooled = {x.shape[0], 1, 1, x.shape[3]};
        memory.desc dst = c.plainDesc(pooled); // plain, so the squeeze that follows is free
        pooling_forward.primitive_desc pd = c.temp.own(new pooling_forward.primitive_desc(c.eng, prop_kind.forward_inference,
                algorithm.pooling_avg_exclude_padding, x.desc, dst, new long[] {1, 1}, new long[] {x.shape[1], x.shape[2]},
                new long[] {0, 0}, new long[] {0, 0}, new long[] {0, 0}, c.userScratchpad(), false));
        Value out = c.newRoot(n.name(), pooled, dst);
        c.emit(n.name(), "mean", pd, c.scope.own(new pooling_forward(pd)),
                new PrimitiveStep.Args().read(DNNL_ARG_SRC, x).write(DNNL_ARG_DST, out));
        long[] ys = c.shapeOf(n);
        c.bind(n, Arrays.equals(ys, pooled) ? out : c.newView(n.name(), ys, c.plainDesc(ys), out));
    }
}
