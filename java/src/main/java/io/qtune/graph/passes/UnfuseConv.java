package io.qtune.graph.passes;

import io.qtune.QtuneException;
import io.qtune.graph.DType;
import io.qtune.graph.FusedOps;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.TensorRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes each {@link Ops#FUSED_CONV2D} back as stock TF ops: Conv2D, BiasAdd, then AddV2 and Relu/Relu6 as fused,
 * the last one named as the fused node so readers are untouched. TF's own remapper fuses them again when it loads
 * the graph; _FusedConv2D itself is TF-internal and has no CPU kernel for every type and epilogue.
 */
public final class UnfuseConv implements GraphPass {
    @Override
    public String name() {
        return "unfuse-conv";
    }

    @Override
    public Graph apply(Graph g) {
        Graph.Editor e = g.edit();
        for (Node n : g.nodes()) {
            if (!n.op().equals(Ops.FUSED_CONV2D)) continue;
            FusedOps fused = FusedOps.of(n);
            if (n.inputs().size() != fused.inputs()) {
                throw new QtuneException("node '" + n.name() + "' (" + n.op() + "): fused_ops " + fused.ops() + " needs "
                        + fused.inputs() + " inputs, found " + n.inputs().size());
            }
            DType t = n.attrType("T", DType.FLOAT);
            Map<String, Object> convAttrs = new LinkedHashMap<>(n.attrs());
            convAttrs.remove("fused_ops");
            convAttrs.remove("num_args");
            convAttrs.remove("epsilon");
            convAttrs.remove("leakyrelu_alpha");
            if (!"EXPLICIT".equals(n.attrString("padding", ""))) convAttrs.remove("explicit_paddings");
            List<String> steps = new ArrayList<>(List.of(Ops.CONV2D));
            steps.addAll(fused.ops());
            TensorRef cur = null;
            for (int i = 0; i < steps.size(); i++) {
                String step = steps.get(i);
                String name = i == steps.size() - 1 ? n.name() : e.uniqueName(n.name() + "/" + step);
                Map<String, Object> tOnly = new LinkedHashMap<>(Map.of("T", t));
                Node made = switch (step) {
                    case Ops.CONV2D -> new Node(name, Ops.CONV2D, List.of(n.input(0), n.input(1)), convAttrs);
                    case Ops.BIAS_ADD -> {
                        tOnly.put("data_format", "NHWC");
                        yield new Node(name, Ops.BIAS_ADD, List.of(cur, n.input(2)), tOnly);
                    }
                    case Ops.ADD -> new Node(name, Ops.ADD_V2, List.of(cur, n.input(3)), tOnly);
                    case Ops.RELU, Ops.RELU6 -> new Node(name, step, List.of(cur), tOnly);
                    default -> throw new QtuneException("node '" + n.name() + "': unknown fused op " + step);
                };
                e.put(made);
                cur = new TensorRef(name, 0);
            }
        }
        return e.build();
    }
}
