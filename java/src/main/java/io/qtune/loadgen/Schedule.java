package io.qtune.loadgen;

import io.qtune.QtuneException;
import java.util.SplittableRandom;

/**
 * Every query of a run, made before the run starts from the seed alone: which samples each query holds and, for
 * Server, when it is due. The same seed gives the same schedule; nothing measured during the run changes it.
 * Samples are drawn uniformly, with replacement, from the performance sample set; Server arrivals are a Poisson
 * process (exponential gaps of mean 1/qps). Two independent streams, so the arrival times do not depend on how
 * many samples a query draws.
 */
public final class Schedule {
    /** Server runs stop growing their schedule here, whatever the settings ask (memory bound). */
    public static final int MAX_SAMPLES = 50_000_000;

    private final long[] dueNs;       // offset from the start of the run; 0 for all but Server
    private final int[] queryStart;   // query q holds samples[queryStart[q] .. queryStart[q+1])
    private final int[] samples;      // QSL indices

    private Schedule(long[] dueNs, int[] queryStart, int[] samples) {
        this.dueNs = dueNs;
        this.queryStart = queryStart;
        this.samples = samples;
    }

    /** Poisson arrivals at {@code qps}, one sample each, until both the duration and the query count are reached. */
    public static Schedule server(long seed, double qps, long minDurationNs, long minQueries, int[] performanceSet) {
        if (!(qps > 0)) throw new QtuneException("the Server schedule needs a positive target QPS, got " + qps);
        SplittableRandom arrivals = new SplittableRandom(seed);
        SplittableRandom picks = new SplittableRandom(seed ^ 0x5DEECE66DL);
        long[] due = new long[1024];
        double t = 0;
        int n = 0;
        while (n < minQueries || (n > 0 && due[n - 1] < minDurationNs)) {
            if (n == MAX_SAMPLES) {
                throw new QtuneException("a Server run of " + minDurationNs / 1e9 + " s at " + qps + " QPS needs more than "
                        + MAX_SAMPLES + " queries; shorten the duration or lower the target QPS");
            }
            t += -Math.log(1 - arrivals.nextDouble()) / qps * 1e9;
            if (n == due.length) due = java.util.Arrays.copyOf(due, n * 2);
            due[n++] = Math.round(t);
        }
        long[] dueNs = java.util.Arrays.copyOf(due, n);
        return new Schedule(dueNs, evenStarts(n, 1), draw(picks, n, performanceSet));
    }

    /** SingleStream (1 sample a query) or MultiStream (8): {@code queries} queries, sent as earlier ones finish. */
    public static Schedule stream(long seed, int queries, int samplesPerQuery, int[] performanceSet) {
        if (queries < 1 || samplesPerQuery < 1) throw new QtuneException("a schedule needs at least one query of one sample");
        if ((long) queries * samplesPerQuery > MAX_SAMPLES) {
            throw new QtuneException(queries + " queries of " + samplesPerQuery + " samples exceed the " + MAX_SAMPLES + "-sample bound");
        }
        SplittableRandom picks = new SplittableRandom(seed ^ 0x5DEECE66DL);
        return new Schedule(new long[queries], evenStarts(queries, samplesPerQuery), draw(picks, queries * samplesPerQuery, performanceSet));
    }

    /** Offline: one query holding {@code samples} samples. */
    public static Schedule offline(long seed, int samples, int[] performanceSet) {
        return stream(seed, 1, samples, performanceSet);
    }

    /** Queries over the given samples in order, {@code perQuery} at a time (the last may be shorter): accuracy mode. */
    public static Schedule ofSamples(int[] indices, int perQuery) {
        if (indices.length == 0 || perQuery < 1) throw new QtuneException("a schedule needs at least one query of one sample");
        int queries = (indices.length + perQuery - 1) / perQuery;
        int[] starts = new int[queries + 1];
        for (int q = 0; q <= queries; q++) starts[q] = Math.min(q * perQuery, indices.length);
        return new Schedule(new long[queries], starts, indices.clone());
    }

    private static int[] evenStarts(int queries, int per) {
        int[] s = new int[queries + 1];
        for (int q = 0; q <= queries; q++) s[q] = q * per;
        return s;
    }

    private static int[] draw(SplittableRandom r, int n, int[] set) {
        if (set.length == 0) throw new QtuneException("the performance sample set is empty");
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = set[r.nextInt(set.length)];
        return out;
    }

    /**
     * The performance sample set: {@code count} distinct indices of {@code 0..total-1} chosen by the seed (all of
     * them when count >= total), in increasing order.
     */
    public static int[] performanceSet(long seed, int total, int count) {
        if (total < 1) throw new QtuneException("the data set is empty");
        int n = Math.min(total, count);
        int[] all = new int[total];
        for (int i = 0; i < total; i++) all[i] = i;
        SplittableRandom r = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
        for (int i = 0; i < n; i++) { // partial Fisher-Yates: the first n are a uniform sample
            int j = i + r.nextInt(total - i);
            int tmp = all[i];
            all[i] = all[j];
            all[j] = tmp;
        }
        int[] set = java.util.Arrays.copyOf(all, n);
        java.util.Arrays.sort(set);
        return set;
    }

    public int queryCount() {
        return dueNs.length;
    }

    public int sampleCount() {
        return samples.length;
    }

    /** When query q is due, in ns from the start of the run (Server; 0 otherwise). */
    public long dueNs(int q) {
        return dueNs[q];
    }

    /** Sequence number of the first sample of query q (samples are numbered in query order). */
    public int firstSample(int q) {
        return queryStart[q];
    }

    public int samplesIn(int q) {
        return queryStart[q + 1] - queryStart[q];
    }

    /** QSL index of sample number {@code seq}. */
    public int sampleIndex(int seq) {
        return samples[seq];
    }

    /** The samples of query q, numbered. */
    public java.util.List<QuerySample> query(int q) {
        int from = queryStart[q], to = queryStart[q + 1];
        QuerySample[] out = new QuerySample[to - from];
        for (int i = from; i < to; i++) out[i - from] = new QuerySample(i, samples[i]);
        return java.util.Arrays.asList(out);
    }
}
