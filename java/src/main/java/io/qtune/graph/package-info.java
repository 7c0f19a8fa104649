/**
 * The IR: an immutable {@link io.qtune.graph.Graph} of {@link io.qtune.graph.Node}s read from and written to TF
 * GraphDefs, shape inference, conv geometry and the op names qtune knows. May use only the root and {@code tf}'s
 * protos; the rewrite passes live in {@code graph.passes}.
 */
package io.qtune.graph;
