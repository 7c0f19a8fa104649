/**
 * Plain-Java interpreters of fused FP32 graphs and of Intel's INT8 ops: the independent references that tests hold
 * the oneDNN engine, the passes and the exporter against. May use {@code semantics}, {@code graph} and the root.
 */
package io.qtune.reference;
