package io.qtune.loadgen;

/**
 * Server: queries of one sample arrive as a Poisson process at the target QPS. Each is sent at its scheduled time
 * even when the system is behind (never waiting for earlier answers), and its latency counts from the scheduled
 * time, so a late sender cannot hide queueing.
 */
final class ServerScenario {
    private ServerScenario() {}

    /**
     * @param abortPercentile when positive, stop sending once more than (1 - p) of all scheduled queries are
     *                        already over {@code boundNs}: the p-th percentile can then only exceed the bound
     */
    static RunRecord run(SystemUnderTest sut, Schedule schedule, Tracker tracker, Live live, long drainTimeoutNs,
                         long boundNs, double abortPercentile) {
        int n = schedule.queryCount();
        long t0 = System.nanoTime() + 1_000_000L;
        live.begin("Server", t0, schedule.dueNs(n - 1), n, tracker);
        tracker.countOver(boundNs);
        long allowedOver = abortPercentile > 0 ? (long) Math.floor(n * (1 - abortPercentile)) : Long.MAX_VALUE;
        int issued = 0;
        String aborted = null;
        for (int q = 0; q < n; q++) {
            long due = t0 + schedule.dueNs(q);
            Clock.sleepUntil(due);
            tracker.checkFailure();
            if (tracker.overBound() > allowedOver) {
                aborted = String.format(java.util.Locale.ROOT, "stopped after %d of %d scheduled queries: %d were already over "
                        + "the bound, more than %.1f%% of the run", q, n, tracker.overBound(), 100 * (1 - abortPercentile));
                break;
            }
            tracker.issue(sut, q, due);
            issued = q + 1;
            live.issued(issued);
        }
        tracker.awaitQueries(issued, drainTimeoutNs);
        long last = schedule.dueNs(issued - 1);
        double scheduledQps = issued > 1 && last > 0 ? (issued - 1) / (last / 1e9) : 0;
        return new RunRecord(issued, issued, tracker.sampleLatencies(issued), tracker.queryLatencies(issued), last,
                tracker.lastCompletion(issued) - t0, scheduledQps, aborted);
    }
}
