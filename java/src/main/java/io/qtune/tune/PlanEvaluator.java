package io.qtune.tune;

/**
 * Measures candidates for the tuner: the real one builds the INT8 graph and runs it ({@link RuntimePlanEvaluator});
 * tests plug in deterministic fakes.
 */
public interface PlanEvaluator extends AutoCloseable {
    /** The FP32 model on the subset or the full set; called once per stage, the tuner caches it. */
    Measurement fp32(Stage stage);

    Measurement evaluate(Candidate candidate, Stage stage);

    /** Images per second of the candidate (null: the FP32 model) on the runtime used for evaluation. */
    double throughput(Candidate candidate);

    /** The runtime the numbers come from, e.g. "tf" or "onednn". */
    String runtime();

    @Override
    default void close() {}
}
