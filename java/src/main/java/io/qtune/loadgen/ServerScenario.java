package io.qtune.loadgen;

/**
 * Server: queries of one sample arrive as a Poisson process at the target QPS. Each is sent at its scheduled time
 * even when the system is behind (never waiting for earlier answers), and its latency counts from the scheduled
 * time, so a late sender cannot hide queueing.
 */
final class ServerScenario {
    private ServerScenario() {}

    static RunRecord run(SystemUnderTest sut, Schedule schedule, Tracker tracker, Live live, long drainTimeoutNs) {
        int n = schedule.queryCount();
        long t0 = System.nanoTime() + 1_000_000L;
        live.begin("Server", t0, schedule.dueNs(n - 1), n, tracker);
        for (int q = 0; q < n; q++) {
            long due = t0 + schedule.dueNs(q);
            Clock.sleepUntil(due);
            tracker.checkFailure();
            tracker.issue(sut, q, due);
            live.issued(q + 1);
        }
        tracker.awaitQueries(n, drainTimeoutNs);
        long last = schedule.dueNs(n - 1);
        double scheduledQps = n > 1 && last > 0 ? (n - 1) / (last / 1e9) : 0;
        return new RunRecord(n, n, tracker.sampleLatencies(n), tracker.queryLatencies(n), last,
                tracker.lastCompletion(n) - t0, scheduledQps);
    }
}
