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
        Value out = c.newRoot(last.name(), new long[] {m, o}, c.plainDesc(new long[] {m, o}));
        // One primitive per row, each the batch-1 primitive: for more rows oneDNN picks another GEMM blocking whose
        // sums round otherwise, and an image's logits would depend on the batch it ran in (957 of 1,001 differed on
        // ResNet50). The weights (8 MB for ResNet50) stay in the last-level cache from one row to the next. Rows
        // move through reorders: row views (submemory offsets) given to the inner product itself gave wrong rows.
        for (long row = 0; row < m; row++) {
            Value src = a, dst = out;
            if (m > 1) {
                src = c.newRoot(a.name + "/row" + row, new long[] {1, k}, c.plainDesc(new long[] {1, k}));
                c.emitReorder(n.name(), "row copy", c.newView(a.name + "/row" + row + "/view", new long[] {1, k},
                        c.scope.own(a.desc.submemory_desc(new long[] {1, k}, new long[] {row, 0})), a), src);
                dst = c.newRoot(out.name + "/row" + row, new long[] {1, o}, c.plainDesc(new long[] {1, o}));
            }
            inner_product_forward.primitive_desc pd = bias != null
                    ? c.temp.own(new inner_product_forward.primitive_desc(c.eng, prop_kind.forward_inference, src.desc,
                            c.anyDesc(wDims), biasDesc, dst.desc, attr, false))
                    : c.temp.own(new inner_product_forward.primitive_desc(c.eng, prop_kind.forward_inference, src.desc,
                            c.anyDesc(wDims), dst.desc, attr, false));
            // TF keeps [K, O] row-major (or [O, K] with transpose_b): tag ba / ab over oneDNN's {O, K}
            memory weights = c.constants.get(n.name() + "/weights", w.floats(),
                    c.tagDesc(wDims, tb ? memory.format_tag.ab : memory.format_tag.ba), c.temp.own(pd.weights_desc()));
            PrimitiveStep.Args args = new PrimitiveStep.Args().read(DNNL_ARG_SRC, src).shared(DNNL_ARG_WEIGHTS, weights);
            if (bias != null) {
                args.shared(DNNL_ARG_BIAS, c.constants.get(n.name() + "/bias", bias, biasDesc, c.temp.own(pd.bias_desc())));
            }
            args.write(DNNL_ARG_DST, dst);
            c.emit(n.name(), "inner product", pd, c.scope.own(new inner_product_forward(pd)), args);
            if (m > 1) {
                c.emitReorder(n.name(), "row copy", dst, c.newView(out.name + "/row" + row + "/view", new long[] {1, o},
                        c.scope.own(out.desc.submemory_desc(new long[] {1, o}, new long[] {row, 0})), out));
            }
        }
        c.bind(last, out);
    }
}
