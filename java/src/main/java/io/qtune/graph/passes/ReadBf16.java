package io.qtune.graph.passes;

import io.qtune.QtuneException;
import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a BF16 graph ({@link ConvertToBf16}'s, or TF auto-mixed-precision's) into the FP32 IR the engines compile:
 * bfloat16 constants become float constants of the same (bf16-exact) values, float/bf16 Casts become Identity, and
 * every bf16 convolution keeps its precision as the {@link Ops#PRECISION_ATTR} mark, which the oneDNN engine lowers
 * to a bf16 primitive. The other bf16 ops (bias, add, relu, pooling, the matmul) run in f32 in the engine: they are
 * fused into the convolutions' post-ops or cost a fraction of a percent. A graph without bfloat16 comes back as is.
 */
public final class ReadBf16 implements GraphPass {
    @Override
    public String name() {
        return "read-bf16";
    }

    @Override
    public Graph apply(Graph g) {
        if (g.nodes().stream().noneMatch(ReadBf16::mentionsBf16)) return g;
        List<Node> out = new ArrayList<>(g.size());
        for (Node n : g.nodes()) {
            if (!mentionsBf16(n)) {
                out.add(n);
            } else if (n.op().equals(Ops.CONST)) {
                Tensor t = n.attrTensor("value");
                if (!t.isFloat()) {
                    throw new QtuneException("node '" + n.name() + "' (Const): its attributes say bfloat16 but its value is "
                            + "a " + t.dtype() + " tensor");
                }
                out.add(n.withAttr("dtype", DType.FLOAT).withAttr("value", Tensor.ofFloats(t.shape(), t.floats())));
            } else if (n.op().equals(Ops.CAST)) {
                DType src = n.attrType("SrcT"), dst = n.attrType("DstT");
                if (!isFloatLike(src) || !isFloatLike(dst)) {
                    throw new QtuneException("node '" + n.name() + "' (Cast): a cast from " + src + " to " + dst
                            + " is not supported; bfloat16 casts must be to or from float");
                }
                out.add(new Node(n.name(), Ops.IDENTITY, n.inputs(), Map.of("T", DType.FLOAT)));
            } else if (n.attrType("T", null) == DType.BFLOAT16 && n.attrs().entrySet().stream()
                    .noneMatch(a -> !a.getKey().equals("T") && a.getValue() == DType.BFLOAT16)) {
                Node f = n.withAttr("T", DType.FLOAT);
                out.add(Ops.isConv(n.op()) ? f.withAttr(Ops.PRECISION_ATTR, Ops.BF16) : f);
            } else {
                throw new QtuneException("node '" + n.name() + "' (" + n.op() + "): bfloat16 is supported as the T of an op "
                        + "and in Casts to or from float, not here " + n.attrs().keySet());
            }
        }
        return new Graph(out);
    }

    private static boolean isFloatLike(DType t) {
        return t == DType.FLOAT || t == DType.BFLOAT16;
    }

    static boolean mentionsBf16(Node n) {
        for (Object v : n.attrs().values()) {
            if (v == DType.BFLOAT16 || v instanceof Tensor t && t.dtype() == DType.BFLOAT16) return true;
        }
        return false;
    }
}
