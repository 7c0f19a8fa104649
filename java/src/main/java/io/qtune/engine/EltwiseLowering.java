package io.qtune.engine;

import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.Tensor;
import java.util.Arrays;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;

import static io.qtune.engine.CompileContext.bad;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_0;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_1;

/** Element-wise FP32 ops left unfused: BiasAdd and Add as oneDNN binaries, Relu and Relu6 as eltwise primitives. */
final class EltwiseLowering implements OpLowering {
    @Override
    public void lower(Node n, CompileContext c) {
        switch (n.op()) {
            case Ops.BIAS_ADD -> biasAdd(n, c);
            case Ops.ADD, Ops.ADD_V2 -> add(n, c);
            default -> relu(n, c);
        }
    }

    private static void biasAdd(Node n, CompileContext c) {
        if (!n.attrString("data_format", "NHWC").equals("NHWC")) throw bad(n, "only NHWC data_format is supported");
        Value x = c.nativeIn(n, 0);
        Tensor b = c.g.requireConstant(n, 1);
        long ch = x.shape[x.shape.length - 1];
        if (!b.isFloat() || b.rank() != 1 || b.dim(0) != ch) throw bad(n, "bias must be float [" + ch + "], got " + b);
        long[] bDims = new long[Math.max(x.shape.length, 1)];
        Arrays.fill(bDims, 1);
        bDims[x.shape.length == 4 ? 1 : bDims.length - 1] = ch; // the channel axis in oneDNN's order
        memory.desc bSrc = c.tagDesc(bDims, plainTag(bDims.length));
        memory bias = c.constants.get(n.name() + "/bias", b.floats(), bSrc, bSrc);
        binary.primitive_desc pd = c.temp.own(new binary.primitive_desc(c.eng, algorithm.binary_add, x.desc, bSrc, x.desc,
                c.userScratchpad(), false));
        Value out = c.newRoot(n.name(), c.shapeOf(n), x.desc);
        c.emit(n.name(), "bias add", pd, c.scope.own(new binary(pd)),
                new PrimitiveStep.Args().read(DNNL_ARG_SRC_0, x).shared(DNNL_ARG_SRC_1, bias).write(DNNL_ARG_DST, out));
        c.bind(n, out);
    }

    private static memory.format_tag plainTag(int rank) {
        return switch (rank) {
            case 1 -> memory.format_tag.a;
            case 2 -> memory.format_tag.ab;
            case 3 -> memory.format_tag.abc;
            case 4 -> memory.format_tag.abcd;
            default -> memory.format_tag.abcde;
        };
    }

    private static void add(Node n, CompileContext c) {
        Value a = c.nativeIn(n, 0), b = c.nativeIn(n, 1);
        if (!Arrays.equals(a.shape, b.shape)) {
            throw bad(n, "broadcasting " + Arrays.toString(a.shape) + " + " + Arrays.toString(b.shape)
                    + " is not supported; both operands must have the same shape");
        }
        if (!b.desc.equals(a.desc)) b = c.reorderTo(n.name(), b, a.desc);
        binary.primitive_desc pd = c.temp.own(new binary.primitive_desc(c.eng, algorithm.binary_add, a.desc, b.desc, a.desc,
                c.userScratchpad(), false));
        Value out = c.newRoot(n.name(), c.shapeOf(n), a.desc);
        c.emit(n.name(), "add", pd, c.scope.own(new binary(pd)),
                new PrimitiveStep.Args().read(DNNL_ARG_SRC_0, a).read(DNNL_ARG_SRC_1, b).write(DNNL_ARG_DST, out));
        c.bind(n, out);
    }

    private static void relu(Node n, CompileContext c) {
        Value x = c.nativeIn(n, 0);
        boolean six = n.op().equals(Ops.RELU6);
        eltwise_forward.primitive_desc pd = c.temp.own(new eltwise_forward.primitive_desc(c.eng, prop_kind.forward_inference,
                six ? algorithm.eltwise_clip : algorithm.eltwise_relu, x.desc, x.desc, 0f, six ? 6f : 0f,
                c.userScratchpad(), false));
        Value out = c.newRoot(n.name(), c.shapeOf(n), x.desc);
        c.emit(n.name(), six ? "relu6" : "relu", pd, c.scope.own(new eltwise_forward(pd)),
                new PrimitiveStep.Args().read(DNNL_ARG_SRC, x).write(DNNL_ARG_DST, out));
        c.bind(n, out);
    }
}
