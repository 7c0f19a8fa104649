package io.qtune.graph;

import io.qtune.QtuneException;
import java.util.List;

/**
 * The epilogue of a convolution, as {@link Ops#FUSED_CONV2D}'s {@code fused_ops} lists it: BiasAdd, then an
 * optional residual Add (the fourth input), then an optional Relu or Relu6 (Relu only after an Add). A plain
 * Conv2D has none. The one reader of {@code fused_ops} for the engine, the exporter and the reference interpreter.
 */
public record FusedOps(List<String> ops, boolean sum, String activation) {
    /** A plain convolution's (empty) epilogue. */
    public static final FusedOps NONE = new FusedOps(List.of(), false, null);
    /** [BiasAdd]. */
    public static final FusedOps BIAS = new FusedOps(List.of(Ops.BIAS_ADD), false, null);

    /** The epilogue of a Conv2D or _FusedConv2D; a list outside the five forms is an error naming the node. */
    public static FusedOps of(Node n) {
        if (!n.op().equals(Ops.FUSED_CONV2D)) return NONE;
        List<String> f = n.attrStrings("fused_ops");
        if (f.isEmpty() || !f.get(0).equals(Ops.BIAS_ADD)) throw bad(n, f);
        boolean sum = false;
        String activation = null;
        int i = 1;
        if (i < f.size() && Ops.isAdd(f.get(i))) {
            sum = true;
            i++;
        }
        if (i < f.size() && (f.get(i).equals(Ops.RELU) || (!sum && f.get(i).equals(Ops.RELU6)))) activation = f.get(i++);
        if (i != f.size()) throw bad(n, f);
        return new FusedOps(List.copyOf(f), sum, activation);
    }

    /** Whether a bias is added (every fused epilogue starts with BiasAdd). */
    public boolean bias() {
        return !ops.isEmpty();
    }

    /** How many inputs the node has: input and filter, then bias and summand as fused. */
    public int inputs() {
        return 2 + (bias() ? 1 : 0) + (sum ? 1 : 0);
    }

    private static QtuneException bad(Node n, List<String> f) {
        return new QtuneException("node '" + n.name() + "' (" + n.op() + "): fused_ops " + f + " is not one of [BiasAdd], "
                + "[BiasAdd, Relu], [BiasAdd, Relu6], [BiasAdd, Add], [BiasAdd, Add, Relu]");
    }
}
