package io.qtune.loadgen;

/**
 * MultiStream: queries of 8 samples sent back to back, the next when the previous one completes; a query's latency
 * is that of its last sample, and the metric is the 99th percentile query latency.
 */
final class MultiStreamScenario {
    private MultiStreamScenario() {}

    static RunRecord run(SystemUnderTest sut, Schedule schedule, Tracker tracker, Live live, long minDurationNs,
                         long minQueries, long queryTimeoutNs) {
        return SingleStreamScenario.sequential("MultiStream", sut, schedule, tracker, live, minDurationNs, minQueries,
                queryTimeoutNs);
    }
}
