package io.qtune.loadgen;

import io.qtune.QtuneException;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one scenario against a system under test, the way MLPerf's LoadGen does: load the performance sample set,
 * warm up (untimed), build the whole schedule from the seed, then issue and time it.
 */
public final class LoadGen {
    /** Queries of the untimed warm-up that also estimates the rate used to size Offline and stream schedules. */
    static final int WARMUP_QUERIES = 8;
    static final int WARMUP_ROUNDS = 10;

    private final Live live = new Live();

    /** What the run is doing now, for a progress line. */
    public Live live() {
        return live;
    }

    /** A performance run. */
    public Summary performance(TestSettings s, SystemUnderTest sut, QuerySampleLibrary qsl) {
        return performance(s, sut, qsl, false);
    }

    /**
     * @param stopWhenCertainlyInvalid Server: stop sending once the run can only end INVALID on latency (for peak
     *                                 search, where an overloaded trial would otherwise queue for minutes)
     */
    public Summary performance(TestSettings s, SystemUnderTest sut, QuerySampleLibrary qsl, boolean stopWhenCertainlyInvalid) {
        if (s.mode() != TestSettings.Mode.PERFORMANCE) throw new QtuneException("performance() needs performance mode");
        int[] set = Schedule.performanceSet(s.seed(), qsl.totalCount(), s.performanceSamples());
        live.phase("loading " + set.length + " samples");
        qsl.load(set);
        try {
            live.phase("warming up");
            sut.warmUp();
            double warmRate = warmUp(s, sut, set);  // queries per second, one at a time
            boolean explicitRate = s.targetQps() > 0;
            if (s.scenario() == Scenario.OFFLINE && !explicitRate) s = s.withTargetQps(warmRate); // shown as the expected rate
            Schedule schedule = schedule(s, set, warmRate, explicitRate);
            Tracker tracker = new Tracker(schedule, false);
            long drain = 120_000_000_000L + 3 * s.minDurationNs();
            RunRecord r = switch (s.scenario()) {
                case SERVER -> ServerScenario.run(sut, schedule, tracker, live, drain, s.latencyBoundNs(),
                        stopWhenCertainlyInvalid ? s.scenario().percentile() : 0);
                case OFFLINE -> OfflineScenario.run(sut, schedule, tracker, live, s.minDurationNs(), drain);
                case SINGLE_STREAM -> SingleStreamScenario.run(sut, schedule, tracker, live, s.minDurationNs(), s.minQueries(), drain);
                case MULTI_STREAM -> MultiStreamScenario.run(sut, schedule, tracker, live, s.minDurationNs(), s.minQueries(), drain);
            };
            live.phase("done");
            Summary summary = new Summary(s, sut.name(), r);
            if (schedule.queryCount() == r.queries() && r.durationNs() < s.minDurationNs()
                    && (s.scenario() == Scenario.SINGLE_STREAM || s.scenario() == Scenario.MULTI_STREAM)) {
                summary.note("the schedule of " + schedule.queryCount() + " queries, sized from the warm-up latency, ran out "
                        + "before the minimum duration: the system got faster after warm-up");
            }
            return summary;
        } finally {
            qsl.unload();
        }
    }

    /**
     * Untimed rounds of queries shaped like the scenario's, repeated until a second has passed (at most
     * {@link #WARMUP_ROUNDS}); returns the rate of the last round, which no longer pays one-time costs (samples/s for
     * Offline, else queries/s one at a time).
     */
    private double warmUp(TestSettings s, SystemUnderTest sut, int[] set) {
        Scenario sc = s.scenario();
        int per = sc == Scenario.OFFLINE ? Math.min(256, Math.max(set.length, 32)) : sc.samplesPerQuery();
        int queries = sc == Scenario.OFFLINE ? 1 : WARMUP_QUERIES;
        long begin = System.nanoTime();
        double rate = 0;
        for (int round = 0; round < WARMUP_ROUNDS && (round < 2 || System.nanoTime() - begin < 1_000_000_000L); round++) {
            Schedule w = Schedule.stream(s.seed() + 1 + round, queries, per, set);
            Tracker t = new Tracker(w, false);
            long start = System.nanoTime();
            for (int q = 0; q < queries; q++) {
                t.issue(sut, q, System.nanoTime());
                t.awaitQueries(q + 1, 600_000_000_000L);
            }
            double secs = Math.max((System.nanoTime() - start) / 1e9, 1e-6);
            rate = sc == Scenario.OFFLINE ? per / secs : queries / secs;
        }
        return rate;
    }

    private static Schedule schedule(TestSettings s, int[] set, double warmRate, boolean explicitRate) {
        double durS = s.minDurationNs() / 1e9;
        return switch (s.scenario()) {
            case SERVER -> Schedule.server(s.seed(), s.targetQps(), s.minDurationNs(), s.minQueries(), set);
            case OFFLINE -> {
                // LoadGen's 10% slack over a rate the user gives; 50% over one guessed from a short warm-up
                long n = Math.max(s.minQueries(), (long) Math.ceil((explicitRate ? 1.1 : 1.5) * durS * s.targetQps()));
                if (n > Schedule.MAX_SAMPLES) throw new QtuneException("an Offline query of " + n + " samples exceeds the " + Schedule.MAX_SAMPLES + " bound; lower the target QPS or the duration");
                yield Schedule.offline(s.seed(), (int) n, set);
            }
            case SINGLE_STREAM, MULTI_STREAM -> {
                // 3x rather than LoadGen's 1.1x: the rate comes from a short warm-up, and unused queries cost nothing
                long n = Math.max(s.minQueries(), (long) Math.ceil(3 * durS * warmRate) + 1);
                long cap = Schedule.MAX_SAMPLES / s.scenario().samplesPerQuery();
                yield Schedule.stream(s.seed(), (int) Math.min(n, cap), s.scenario().samplesPerQuery(), set);
            }
        };
    }

    /** An accuracy run's outcome: one log entry per sample of the data set, in sequence order. */
    public record AccuracyRun(List<AccuracyLog.Entry> entries, int samples, long wallNs) {}

    /**
     * Accuracy mode: every sample of the data set once, loaded {@code performanceSamples} at a time, sent in queries
     * shaped like the scenario's (Offline: one query per loaded chunk; MultiStream: 8 samples, one query at a time;
     * SingleStream: one; Server: one-sample queries all sent at once). Latencies are not judged here.
     */
    public AccuracyRun accuracy(TestSettings s, SystemUnderTest sut, QuerySampleLibrary qsl) {
        int total = qsl.totalCount(), chunk = Math.max(1, s.performanceSamples());
        List<AccuracyLog.Entry> entries = new ArrayList<>(total);
        long start = System.nanoTime();
        sut.warmUp();
        for (int from = 0; from < total; from += chunk) {
            int n = Math.min(chunk, total - from);
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) idx[i] = from + i;
            qsl.load(idx);
            try {
                Scenario sc = s.scenario();
                int per = sc == Scenario.OFFLINE ? n : sc.samplesPerQuery();
                Schedule sched = Schedule.ofSamples(idx, per);
                Tracker t = new Tracker(sched, true);
                live.begin("accuracy " + sc.mlperfName() + " " + (from + n) + "/" + total, System.nanoTime(), 0, sched.queryCount(), t);
                boolean oneAtATime = sc == Scenario.SINGLE_STREAM || sc == Scenario.MULTI_STREAM;
                for (int q = 0; q < sched.queryCount(); q++) {
                    t.issue(sut, q, System.nanoTime());
                    live.issued(q + 1);
                    if (oneAtATime) t.awaitQueries(q + 1, 600_000_000_000L);
                }
                t.awaitQueries(sched.queryCount(), 600_000_000_000L);
                for (int i = 0; i < n; i++) {
                    entries.add(new AccuracyLog.Entry(from + i, sched.sampleIndex(i), AccuracyLog.float32Bytes(t.response(i))));
                }
            } finally {
                qsl.unload();
            }
        }
        live.phase("done");
        return new AccuracyRun(entries, total, System.nanoTime() - start);
    }
}
