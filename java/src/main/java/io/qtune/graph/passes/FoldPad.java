package io.qtune.graph.passes;

import io.qtune.graph.ConvGeometry;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Tensor;
import io.qtune.graph.Ops;
import io.qtune.graph.ShapeInference;
import io.qtune.graph.TensorRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Folds a spatial zero Pad into the convolutions that read it, as TensorFlow's EXPLICIT padding
 * ({@code explicit_paddings = [0,0, top,bottom, left,right, 0,0]}); an all-zero result becomes VALID.
 * A Pad read by anything but convolutions stays (max pooling pads with -inf, not zero).
 */
public final class FoldPad implements GraphPass {
    @Override
    public String name() {
        return "fold-pad";
    }

    @Override
    public Graph apply(Graph g) {
        Map<TensorRef, long[]> shapes = null;
        Graph.Editor e = g.edit();
        for (Node pad : g.nodes()) {
            if (!pad.op().equals(Ops.PAD)) continue;
            Tensor amounts = g.constant(pad.input(1));
            // float amounts are left for shape inference to refuse with the node's name (graphs built in code)
            long[] p = amounts == null || amounts.isFloat() ? null : amounts.longs();
            List<Node> readers = g.consumers(pad.name());
            if (p == null || p.length != 8 || p[0] != 0 || p[1] != 0 || p[6] != 0 || p[7] != 0 || readers.isEmpty()) continue;
            boolean allConvs = readers.stream().allMatch(c -> Ops.isConv(c.op()) && c.input(0).node().equals(pad.name())
                    && c.inputs().stream().filter(r -> r.node().equals(pad.name())).count() == 1);
            if (!allConvs) continue;
            if (shapes == null) shapes = ShapeInference.infer(g, 1);
            for (Node conv : readers) {
                long[] w = shapes.get(conv.input(1));
                // the conv's own padding is relative to the padded input
                ConvGeometry own = ConvGeometry.of(conv, shapes.get(conv.input(0)), w[0], w[1]);
                long[] total = {0, 0, p[2] + own.padTop(), p[3] + own.padBottom(), p[4] + own.padLeft(), p[5] + own.padRight(), 0, 0};
                Node folded = new Node(conv.name(), conv.op(), replaceFirst(conv.inputs(), pad.input(0)), conv.attrs());
                boolean none = total[2] == 0 && total[3] == 0 && total[4] == 0 && total[5] == 0;
                folded = none ? folded.withAttr("padding", "VALID").withoutAttr("explicit_paddings")
                        : folded.withAttr("padding", "EXPLICIT").withAttr("explicit_paddings", total);
                e.put(folded);
            }
            e.remove(pad.name());
        }
        return e.build();
    }

    private static List<TensorRef> replaceFirst(List<TensorRef> inputs, TensorRef source) {
        List<TensorRef> r = new ArrayList<>(inputs);
        r.set(0, source);
        return r;
    }
}
