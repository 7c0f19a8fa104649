/**
 * The oneDNN runtime: {@link io.qtune.engine.Model} (the embeddable, thread-safe API), the compiler from a fused
 * graph (FP32, BF16 or Intel's INT8 ops) to a flat list of primitive steps, and the plain-Java reference interpreter.
 * May use {@code quant}, {@code calib}, {@code graph}, {@code kernels}, the package of TF's INT8 semantics and the
 * root; never {@code export}, {@code tune}, {@code eval} or the CLI.
 */
package io.qtune.engine;
