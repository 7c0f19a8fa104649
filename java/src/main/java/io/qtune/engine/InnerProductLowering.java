package io.qtune.engine;

import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.Tensor;
import io.qtune.graph.TensorRef;
import java.util.Arrays;
import org.bytedeco.dnnl.inner_product_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;

import static io.qtune.engine.CompileContext.bad;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

/** MatMul with a constant right operand, and the BiasAdd (and Relu) after it, as one inner product. */
final class InnerProductLowering implements OpLowering {
    @Override
    public void lower(Node n, CompileContext c) {
        if (n.attrBool("transpose_a", false)) throw bad(n, "transpose_a is not supported");
        Value a = c.toPlain(n.name(), c.nativeIn(n, 0));
        Tensor w = c.g.requireConstant(n, 1);
        if (!w.isFloat() || w.rank() != 2) throw bad(n, "the constant operand must be a float matrix, got " + w);
        boolean tb = n.attrBool("transpose_b", false);
        long m = a.shape[0], k = a.shape[1], o = tb ? w.dim(0) : w.dim(1);
        if ((tb ? w.dim(1) : w.dim(0)) != k) throw bad(n, "inner dimensions differ: " + Arrays.toString(a.shape) + " x " + w);

        Node last = n;
        float[] bias = null;
        boolean relu = false;
        Node biasNode = c.soleConsumer(n);
        if (biasNode != null && biasNode.op().equals(Ops.BIAS_ADD) && biasNode.input(0).equals(new TensorRef(n.name(), 0))) {
            Tensor b = c.g.constant(biasNode.input(1));
            if (b != null && b.isFloat() && b.rank() == 1 && b.dim(0) == o) {
                bias = b.floats();
                c.fuseAway(biasNode);
                last = biasNode;
                Node r = c.soleConsumer(biasNode);
                if (r != null && r.op().equals(Ops.RELU)) {
                    relu = true;
                    c.fuseAway(r);
                    last = r;
                }
            }
        }
        primitive_attr attr = c.userScratchpad();
        if (relu) {
            post_ops po = c.temp.own(new post_ops());
            po.append_eltwise(algorithm.eltwise_relu, 0f, 0f);
            attr.set_post_ops(po);
        }
        long[] wDims = {o, k};
        memory.desc biasDesc = bias != null ? c.tagDesc(new long[] {o}, memory.format_tag.a) : null;
        inner_product_forward.primitive_desc pd = bias != null
                ? c.temp.own(new inner_product_forward.primitive_desc(c.eng, prop_kind.forward_inference, a.desc,
                        c.anyDesc(wDims), biasDesc, c.anyDesc(m, o), attr, false))
                : c.temp.own(new inner_product_forward.primitive_desc(c.eng, prop_kind.forward_inference, a.desc,
                        c.anyDesc(wDims), c.anyDesc(m, o), attr, false));
        if (!c.temp.own(pd.src_desc()).equals(a.desc)) a = c.reorderTo(n.name(), a, c.scope.own(pd.src_desc()));
        // TF keeps [K, O] row-major (or [O, K] with transpose_b): tag ba / ab over oneDNN's {O, K}
        memory weights = c.constants.get(n.name() + "/weights", w.floats(),
                c.tagDesc(wDims, tb ? memory.format_tag.ab : memory.format_tag.ba), c.temp.own(pd.weights_desc()));
        Value out = c.newRoot(last.name(), new long[] {m, o}, c.scope.own(pd.dst_desc()));
        PrimitiveStep.Args args = new PrimitiveStep.Args().read(DNNL_ARG_SRC, a).shared(DNNL_ARG_WEIGHTS, weights);
        if (bias != null) {
            args.shared(DNNL_ARG_BIAS, c.constants.get(n.name() + "/bias", bias, biasDesc, c.temp.own(pd.bias_desc())));
        }
        args.write(DNNL_ARG_DST, out);
        c.emit(n.name(), "inner product", pd, c.scope.own(new inner_product_forward(pd)), args);
        c.bind(last, out);
    }
}
