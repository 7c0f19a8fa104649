package io.qtune.loadgen;

/**
 * Offline: one query holding every sample (the performance set repeated until the count covers the minimum
 * duration at the expected rate and the minimum sample count); the metric is samples per second, the sample
 * count over the longest sample latency.
 */
final class OfflineScenario {
    private OfflineScenario() {}

    static RunRecord run(SystemUnderTest sut, Schedule schedule, Tracker tracker, Live live, long plannedNs, long timeoutNs) {
        long t0 = System.nanoTime();
        live.begin("Offline", t0, plannedNs, 1, tracker);
        tracker.issue(sut, 0, t0);
        live.issued(1);
        tracker.awaitQueries(1, timeoutNs);
        long[] lat = tracker.sampleLatencies(1);
        long max = 0;
        for (long l : lat) max = Math.max(max, l);
        return new RunRecord(1, lat.length, lat, tracker.queryLatencies(1), max, tracker.lastCompletion(1) - t0, 0);
    }
}
