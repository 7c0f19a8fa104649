package io.qtune.loadgen;

import io.qtune.QtuneException;
import java.util.Arrays;

/**
 * Latency statistics as LoadGen computes them: the p-th percentile of n latencies is the element at index
 * floor(n * p) of the ascending sort, i.e. the smallest latency with more than n * p latencies at or below it.
 */
public final class Percentiles {
    /** The percentiles every summary lists. */
    public static final double[] REPORTED = {0.50, 0.90, 0.95, 0.97, 0.99, 0.999};

    private final long[] sorted;
    private final double mean;

    public Percentiles(long[] latencies) {
        if (latencies.length == 0) throw new QtuneException("no latencies to summarize: no query completed");
        this.sorted = latencies.clone();
        Arrays.sort(sorted);
        double sum = 0;
        for (long l : sorted) sum += l;
        this.mean = sum / sorted.length;
    }

    public int count() {
        return sorted.length;
    }

    public long min() {
        return sorted[0];
    }

    public long max() {
        return sorted[sorted.length - 1];
    }

    public double mean() {
        return mean;
    }

    public long at(double p) {
        if (!(p >= 0 && p < 1)) throw new QtuneException("a percentile must be in [0, 1), got " + p);
        return sorted[(int) (sorted.length * p)];
    }

    /** The k-th largest latency, 1-based (k = 1: the maximum). */
    public long largest(int k) {
        return sorted[sorted.length - k];
    }

    /** How many latencies exceed {@code bound}. */
    public int countAbove(long bound) {
        int lo = 0, hi = sorted.length; // first index with sorted[i] > bound
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] > bound) hi = mid; else lo = mid + 1;
        }
        return sorted.length - lo;
    }
}
