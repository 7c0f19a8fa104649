package io.qtune.loadgen;

import io.qtune.QtuneException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Times the queries of one schedule: each query's clock starts when the scenario says (Server: its scheduled
 * time, even when it is sent late; otherwise when it is sent), each sample stops when the system under test
 * reports it, and a query is done when its last sample is. Safe to report into from any thread.
 */
final class Tracker implements Responses {
    private final Schedule schedule;
    private final int[] queryOf;
    private final long[] queryStart;
    private final long[] queryDone;
    private final long[] sampleDone;
    private final float[][] data;          // kept only when an accuracy log is written
    private final AtomicIntegerArray remaining;
    private final AtomicInteger queriesDone = new AtomicInteger();
    private final AtomicInteger samplesDone = new AtomicInteger();
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final AtomicInteger overBound = new AtomicInteger();
    private volatile long boundNs = Long.MAX_VALUE;
    private volatile Thread waiter;

    Tracker(Schedule schedule, boolean keepData) {
        this.schedule = schedule;
        int nq = schedule.queryCount(), ns = schedule.sampleCount();
        this.queryOf = new int[ns];
        for (int q = 0; q < nq; q++) {
            for (int i = 0; i < schedule.samplesIn(q); i++) queryOf[schedule.firstSample(q) + i] = q;
        }
        this.queryStart = new long[nq];
        this.queryDone = new long[nq];
        this.sampleDone = new long[ns];
        this.data = keepData ? new float[ns][] : null;
        this.remaining = new AtomicIntegerArray(nq);
        for (int q = 0; q < nq; q++) remaining.set(q, schedule.samplesIn(q));
    }

    /** Starts query q's clock at {@code startNs} (System.nanoTime) and hands it to the system under test. */
    void issue(SystemUnderTest sut, int q, long startNs) {
        queryStart[q] = startNs;
        sut.issue(schedule.query(q), this);
    }

    @Override
    public void complete(QuerySample s, float[] response) {
        long now = System.nanoTime();
        int id = s.id();
        if (id < 0 || id >= sampleDone.length || sampleDone[id] != 0) {
            failure.compareAndSet(null, "the system under test answered sample " + id + " twice or never had it");
            LockSupport.unpark(waiter);
            return;
        }
        sampleDone[id] = now;
        if (data != null) data[id] = response == null ? new float[0] : response.clone();
        samplesDone.incrementAndGet();
        int q = queryOf[id];
        if (remaining.decrementAndGet(q) == 0) {
            queryDone[q] = now;
            if (now - queryStart[q] > boundNs) overBound.incrementAndGet();
            queriesDone.incrementAndGet();
            LockSupport.unpark(waiter);
        }
    }

    @Override
    public void fail(QuerySample s, Throwable error) {
        String msg = error.getMessage() != null ? error.getMessage() : error.toString();
        failure.compareAndSet(null, "the system under test failed on sample " + s.index() + ": " + msg);
        LockSupport.unpark(waiter);
    }

    /** Counts completed queries slower than {@code bound} from now on ({@link #overBound}). */
    void countOver(long bound) {
        boundNs = bound;
    }

    int overBound() {
        return overBound.get();
    }

    int queriesDone() {
        return queriesDone.get();
    }

    int samplesDone() {
        return samplesDone.get();
    }

    /** Waits until {@code queries} queries are done; fails on a reported error or after {@code timeoutNs}. */
    void awaitQueries(int queries, long timeoutNs) {
        waiter = Thread.currentThread();
        long deadline = System.nanoTime() + timeoutNs;
        while (queriesDone.get() < queries) {
            checkFailure();
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new QtuneException("the system under test left " + (queries - queriesDone.get())
                        + " queries unanswered after " + timeoutNs / 1_000_000_000L + " s");
            }
            LockSupport.parkNanos(this, Math.min(left, 10_000_000L));
        }
        checkFailure();
    }

    void checkFailure() {
        String f = failure.get();
        if (f != null) throw new QtuneException(f);
    }

    /** Sample latencies of the first {@code queries} queries (all done). */
    long[] sampleLatencies(int queries) {
        int n = queries == 0 ? 0 : schedule.firstSample(queries - 1) + schedule.samplesIn(queries - 1);
        long[] l = new long[n];
        for (int i = 0; i < n; i++) l[i] = sampleDone[i] - queryStart[queryOf[i]];
        return l;
    }

    /** Query latencies (start to last sample) of the first {@code queries} queries. */
    long[] queryLatencies(int queries) {
        long[] l = new long[queries];
        for (int q = 0; q < queries; q++) l[q] = queryDone[q] - queryStart[q];
        return l;
    }

    long lastCompletion(int queries) {
        long m = Long.MIN_VALUE;
        for (int q = 0; q < queries; q++) m = Math.max(m, queryDone[q]);
        return m;
    }

    float[] response(int seq) {
        return data[seq];
    }
}
