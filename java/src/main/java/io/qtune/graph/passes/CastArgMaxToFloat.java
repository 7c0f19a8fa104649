package io.qtune.graph.passes;

import io.qtune.graph.DType;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.TensorRef;

/**
 * Makes every ArgMax output of the graph FP32, as MLPerf's INT8 graphs have it: the ArgMax is renamed and a Cast
 * to float takes its name, so a reader fetching "ArgMax:0" gets float32 class indices from stock TF.
 */
public final class CastArgMaxToFloat implements GraphPass {
    @Override
    public String name() {
        return "cast-argmax-to-float";
    }

    @Override
    public Graph apply(Graph g) {
        Graph.Editor e = g.edit();
        for (Node n : g.sinks()) {
            if (!n.op().equals(Ops.ARG_MAX)) continue;
            DType type = n.attrType("output_type", DType.INT64);
            if (type == DType.FLOAT) continue;
            String renamed = e.uniqueName(n.name() + "/" + type.name().toLowerCase(java.util.Locale.ROOT));
            e.remove(n.name());
            e.put(n.withName(renamed));
            e.put(ConvertToBf16.castNode(n.name(), new TensorRef(renamed, 0), type, DType.FLOAT));
        }
        return e.build();
    }
}
