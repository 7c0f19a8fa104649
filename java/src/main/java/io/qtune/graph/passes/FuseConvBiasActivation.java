package io.qtune.graph.passes;

import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuses Conv2D + BiasAdd, optionally followed by Relu or Relu6, into one {@link Ops#FUSED_CONV2D} node that takes
 * the name of the last fused node, so readers are untouched. Longest match first.
 */
public final class FuseConvBiasActivation implements GraphPass {
    private static final Pattern CONV_BIAS = Pattern.op(Ops.BIAS_ADD)
            .from(Pattern.op(Ops.CONV2D).from(Pattern.any(), Pattern.constant()).as("conv"), Pattern.constant().as("bias"))
            .as("bias_add");
    private static final Pattern CONV_BIAS_ACT = Pattern.op(Ops.RELU, Ops.RELU6).from(CONV_BIAS).as("act");

    @Override
    public String name() {
        return "fuse-conv-bias-activation";
    }

    @Override
    public Graph apply(Graph g) {
        Graph.Editor e = g.edit();
        java.util.Set<String> taken = new java.util.HashSet<>();
        for (Node n : g.nodesReversed()) {
            var m = CONV_BIAS_ACT.match(g, n)
                    .filter(x -> x.readOnlyInside(g, "conv") && x.readOnlyInside(g, "bias_add"))
                    .or(() -> CONV_BIAS.match(g, n).filter(x -> x.readOnlyInside(g, "conv")));
            if (m.isEmpty() || taken.contains(m.get().get("conv").name())) continue;
            Node conv = m.get().get("conv");
            taken.add(conv.name());
            List<String> fused = new ArrayList<>(List.of(Ops.BIAS_ADD));
            if (m.get().has("act")) fused.add(m.get().get("act").op());
            e.put(fusedConv(n.name(), conv, m.get().get("bias_add").input(1), fused));
            e.remove(conv.name());
            if (m.get().has("act")) e.remove(m.get().get("bias_add").name());
        }
        return e.build();
    }

    static Node fusedConv(String name, Node conv, io.qtune.graph.TensorRef bias, List<String> fusedOps) {
        Map<String, Object> attrs = new LinkedHashMap<>(conv.attrs());
        attrs.put("fused_ops", List.copyOf(fusedOps));
        attrs.put("num_args", 1L);
        return new Node(name, Ops.FUSED_CONV2D, List.of(conv.input(0), conv.input(1), bias), attrs);
    }
}
