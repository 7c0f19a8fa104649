package io.qtune.loadgen;

/** Where a system under test reports each sample it was given: exactly once, from any thread. */
public interface Responses {
    /** The sample is done; {@code data} is its response (for a classifier: the ArgMax class as one float). */
    void complete(QuerySample sample, float[] data);

    /** The sample failed; the run stops with this error. */
    void fail(QuerySample sample, Throwable error);
}
