package io.qtune.engine;

import io.qtune.graph.Node;
import org.bytedeco.dnnl.softmax_forward;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;

/** Softmax over TF's last axis, on the plain layout. */
final class SoftmaxLowering implements OpLowering {
    @Override
    public void lower(Node n, CompileContext c) {
        Value x = c.toPlain(n.name(), c.nativeIn(n, 0));
        int axis = x.shape.length == 4 ? 1 : Math.max(x.shape.length - 1, 0); // TF's last axis, in oneDNN's order
        softmax_forward.primitive_desc pd = c.temp.own(new softmax_forward.primitive_desc(c.eng, prop_kind.forward_inference,
                algorithm.softmax_accurate, x.desc, x.desc, axis, c.userScratchpad(), false));
        Value out = c.newRoot(n.name(), c.shapeOf(n), x.desc);
        c.emit(n.name(), "softmax", pd, c.scope.own(new softmax_forward(pd)),
                new PrimitiveStep.Args().read(DNNL_ARG_SRC, x).write(DNNL_ARG_DST, out));
        c.bind(n, out);
    }
}
