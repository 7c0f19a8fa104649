/**
 * Rewrite passes over the IR, one pure Graph-to-Graph pass per file, the pattern matcher they share and the
 * {@link io.qtune.graph.passes.Passes} registry that chains them. May use {@code graph} and the root only.
 */
package io.qtune.graph.passes;
