package io.qtune.graph.passes;

import io.qtune.graph.Graph;

/** A pure rewrite of the IR: the input graph is never changed, a new graph comes back. */
public interface GraphPass {
    /** The name the command line and reports use for this pass. */
    String name();

    Graph apply(Graph g);
}
