/**
 * The oneDNN runtime: {@link io.qtune.engine.Model} (the embeddable, thread-safe API), the compiler from a fused
 * graph (FP32, BF16 or Intel's INT8 ops) to a flat list of primitive steps (one lowering per op family), the buffer
 * planner. The plain-Java reference interpreters live in {@code reference}.
 * May use {@code calib} (the observer it reports activations to), {@code graph} and its passes, {@code platform}
 * (thread teams), the package of TF's INT8 semantics and the root; never {@code quant} (which runs the engine to
 * calibrate), {@code export}, {@code tune}, {@code eval} or the CLI.
 */
package io.qtune.engine;
