package io.qtune.eval;

/**
 * A user's evaluation: scores a candidate model, higher is better. It runs the model on its own data (any images, any
 * labels, any post-processing) and may compare with the FP32 model, e.g. agreement or a detection metric.
 * The two classifiers are open for the call only; both run on the tuner's runtime (oneDNN, or TF when oneDNN cannot
 * run the INT8 graph). It must be deterministic for the tuning history to be resumable.
 */
@FunctionalInterface
public interface EvalFunction {
    double score(Classifier candidate, Classifier fp32);
}
