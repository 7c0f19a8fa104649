package io.qtune.loadgen;

/**
 * SingleStream: one sample per query, the next query sent when the previous one completes; the metric is the 90th
 * percentile latency. Runs until a query has been issued at or after the minimum duration and the minimum count
 * is reached (LoadGen judges the duration by the last query's issue time).
 */
final class SingleStreamScenario {
    private SingleStreamScenario() {}

    static RunRecord run(SystemUnderTest sut, Schedule schedule, Tracker tracker, Live live, long minDurationNs,
                         long minQueries, long queryTimeoutNs) {
        return sequential("SingleStream", sut, schedule, tracker, live, minDurationNs, minQueries, queryTimeoutNs);
    }

    /** Shared with MultiStream, which differs only in the samples per query. */
    static RunRecord sequential(String name, SystemUnderTest sut, Schedule schedule, Tracker tracker, Live live,
                                long minDurationNs, long minQueries, long queryTimeoutNs) {
        long t0 = System.nanoTime();
        live.begin(name, t0, minDurationNs, schedule.queryCount(), tracker);
        int q = 0;
        long lastIssue = 0;
        while (q < schedule.queryCount()) {
            long now = System.nanoTime();
            tracker.issue(sut, q, now);
            lastIssue = now - t0;
            q++;
            live.issued(q);
            tracker.awaitQueries(q, queryTimeoutNs);
            if (q >= minQueries && lastIssue >= minDurationNs) break;
        }
        int samples = schedule.firstSample(q - 1) + schedule.samplesIn(q - 1);
        return new RunRecord(q, samples, tracker.sampleLatencies(q), tracker.queryLatencies(q), lastIssue,
                tracker.lastCompletion(q) - t0, 0);
    }
}
