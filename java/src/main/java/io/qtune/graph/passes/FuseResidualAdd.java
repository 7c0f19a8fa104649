package io.qtune.graph.passes;

import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.TensorRef;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuses a residual Add (optionally followed by Relu) into the fused convolution that produces one of its operands,
 * which then reads the other operand as a summand: fused_ops [BiasAdd, Add] or [BiasAdd, Add, Relu].
 * When both operands come from plain fused convolutions (a projection block), the later one in graph order takes
 * the sum, so the summand is ready before it runs, as Intel's quantizer fuses it.
 */
public final class FuseResidualAdd implements GraphPass {
    private static final Pattern ADD = Pattern.op(Ops.ADD, Ops.ADD_V2).from(Pattern.any(), Pattern.any()).as("add");
    private static final Pattern ADD_RELU = Pattern.op(Ops.RELU).from(ADD).as("relu");

    @Override
    public String name() {
        return "fuse-residual-add";
    }

    @Override
    public Graph apply(Graph g) {
        java.util.Map<String, Integer> order = new java.util.HashMap<>();
        for (int i = 0; i < g.nodes().size(); i++) order.put(g.nodes().get(i).name(), i);
        java.util.Map<TensorRef, long[]> shapes = io.qtune.graph.ShapeInference.infer(g, 1);
        Graph.Editor e = g.edit();
        java.util.Set<String> taken = new java.util.HashSet<>();
        for (Node n : g.nodesReversed()) {
            var m = ADD_RELU.match(g, n).filter(x -> x.readOnlyInside(g, "add")).or(() -> ADD.match(g, n));
            if (m.isEmpty() || taken.contains(m.get().get("add").name())) continue;
            Node add = m.get().get("add");
            Node conv = null;
            int convSide = -1;
            for (int side = 0; side < 2; side++) {
                Node p = g.producer(add.input(side));
                boolean candidate = p.op().equals(Ops.FUSED_CONV2D) && add.input(side).output() == 0
                        && p.attrStrings("fused_ops").equals(List.of(Ops.BIAS_ADD))
                        && g.consumers(p.name()).size() == 1 && !add.input(0).equals(add.input(1));
                if (candidate && (conv == null || order.get(p.name()) > order.get(conv.name()))) {
                    conv = p;
                    convSide = side;
                }
            }
            // the sum post-op adds elementwise: a broadcasting Add is not a residual connection
            if (conv == null || !java.util.Arrays.equals(shapes.get(add.input(0)), shapes.get(add.input(1)))) continue;
            taken.add(add.name());
            List<String> fused = new ArrayList<>(List.of(Ops.BIAS_ADD, Ops.ADD));
            if (m.get().has("relu")) fused.add(Ops.RELU);
            List<TensorRef> inputs = new ArrayList<>(conv.inputs());
            inputs.add(add.input(1 - convSide));
            e.put(new Node(n.name(), Ops.FUSED_CONV2D, inputs, conv.attrs()).withAttr("fused_ops", fused).withAttr("num_args", 2L));
            e.remove(conv.name());
            if (m.get().has("relu")) e.remove(add.name());
        }
        return e.build();
    }
}
