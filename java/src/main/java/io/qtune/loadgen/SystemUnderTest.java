package io.qtune.loadgen;

import java.util.List;

/**
 * What LoadGen measures: it is handed queries (lists of sample indices into the {@link QuerySampleLibrary}) and
 * answers each sample asynchronously through {@link Responses}. {@link #issue} must return promptly: the Server
 * scenario sends the next query at its scheduled time whether or not earlier ones are done.
 */
public interface SystemUnderTest extends AutoCloseable {
    /** A name for the summary ("SUT name"). */
    String name();

    /** Starts work on the samples and returns; each one is later reported to {@code responses}. */
    void issue(List<QuerySample> samples, Responses responses);

    /** Runs a few untimed inferences so that one-time costs (compiling, connecting) fall outside the timed run. */
    default void warmUp() {}

    @Override
    default void close() {}
}
