package io.qtune.graph.passes;

import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.TensorRef;

/** Removes Identity nodes (frozen graphs read every weight through one), wiring readers to the source. */
public final class StripIdentity implements GraphPass {
    @Override
    public String name() {
        return "strip-identity";
    }

    @Override
    public Graph apply(Graph g) {
        Graph.Editor e = g.edit();
        for (Node n : g.nodes()) {
            // an Identity nobody reads is a named graph output: keep it so the output name survives
            if (!n.op().equals(Ops.IDENTITY) || g.consumers(n.name()).isEmpty()) continue;
            e.redirect(new TensorRef(n.name(), 0), n.input(0));
            e.remove(n.name());
        }
        return e.build();
    }
}
