package io.qtune.loadgen;

/**
 * MLPerf's early-stopping criterion (LoadGen since v1.1), which replaced the huge fixed query counts: treat each
 * query as a Bernoulli trial that exceeds a latency with probability q, and accept a percentile claim only at 99%
 * confidence. With t queries over a latency and h under it, the claim "the p-th percentile is at most that latency"
 * passes when P[Binomial(h + t, 1 - p) <= t] < 1 - 0.99, i.e. when h is at least {@link #minPassing}(t, p).
 * <ul>
 * <li>Server: t = queries over the bound; the run needs at least minPassing(t) + t queries.</li>
 * <li>SingleStream and MultiStream: the reported percentile becomes the t-th largest latency for the largest t
 *     with minPassing(t) + t <= n (discarding t - 1 queries at the top instead of n * (1 - p)); it needs at least
 *     minPassing(1) + 1 queries (64 for the 90th percentile, 662 for the 99th).</li>
 * </ul>
 * Tolerance d is 0 as in the current rules.
 */
public final class EarlyStopping {
    public static final double CONFIDENCE = 0.99;

    private EarlyStopping() {}

    /** P[at most t of h + t queries are over], each over with probability 1 - p: a binomial CDF, summed in log space. */
    static double odds(long h, long t, double p) {
        long n = h + t;
        double logQ = Math.log1p(-p), logP = Math.log(p);
        double term = n * logP;      // log of C(n, 0) p^n
        double max = term, sum = 1;  // running log-sum-exp: sum of exp(term_x - max)
        for (long x = 0; x < t; x++) {
            term += Math.log((double) (n - x) / (x + 1)) + logQ - logP;
            if (term > max) {
                sum = sum * Math.exp(max - term) + 1;
                max = term;
            } else {
                sum += Math.exp(term - max);
            }
        }
        return Math.exp(max + Math.log(sum));
    }

    /** The least h with odds(h, t, p) < 1 - confidence: queries under the latency needed to outweigh t over it. */
    public static long minPassing(long t, double p) {
        if (t < 0 || !(p > 0 && p < 1)) throw new IllegalArgumentException("t >= 0 and 0 < p < 1 needed");
        long lo = 0, hi = 1;
        while (!(odds(hi, t, p) < 1 - CONFIDENCE)) {
            lo = hi;
            hi *= 2;
        }
        while (lo < hi) { // invariant: hi passes; odds falls as h grows
            long mid = (lo + hi) >>> 1;
            if (odds(mid, t, p) < 1 - CONFIDENCE) hi = mid; else lo = mid + 1;
        }
        return lo;
    }

    /** Fewest queries for which a percentile estimate exists at all: minPassing(1) + 1. */
    public static long minQueries(double p) {
        return minPassing(1, p) + 1;
    }

    /** Server: whether n queries, {@code over} of them over the bound, satisfy the criterion. */
    public static boolean serverPasses(long n, long over, double p) {
        return n >= minPassing(over, p) + over;
    }

    /** Server: how many more queries, all under the bound, would make the run pass (0 when it passes). */
    public static long serverShortfall(long n, long over, double p) {
        return Math.max(0, minPassing(over, p) + over - n);
    }

    /**
     * SingleStream/MultiStream: how many of the largest latencies the estimate reaches down to (the estimate is
     * the t-th largest); 0 when n is below {@link #minQueries}.
     */
    public static int estimateRank(long n, double p) {
        if (n < minQueries(p)) return 0;
        long lo = 1, hi = n; // largest t with minPassing(t) + t <= n; minPassing(t) + t grows with t
        while (lo < hi) {
            long mid = (lo + hi + 1) >>> 1;
            if (minPassing(mid, p) + mid <= n) lo = mid; else hi = mid - 1;
        }
        return Math.toIntExact(lo);
    }
}
