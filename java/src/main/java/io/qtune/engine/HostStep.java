package io.qtune.engine;

import java.util.List;

/** A step computed in Java on small tensors (ArgMax over class scores, Cast), after the stream has finished. */
abstract non-sealed class HostStep extends Step {
    HostStep(String node, String kind, List<Value> reads, List<Value> writes) {
        super(node, kind, reads, writes);
    }

    abstract void run(Workspace ws);
}
