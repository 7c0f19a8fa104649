package io.qtune.engine;

import io.qtune.graph.Node;

/**
 * Turns one graph node into engine steps: reads its inputs' values from the context, emits primitives, binds its
 * output. One implementation per op family, registered by op name in {@link Lowerings}.
 */
@FunctionalInterface
interface OpLowering {
    void lower(Node n, CompileContext c);
}
