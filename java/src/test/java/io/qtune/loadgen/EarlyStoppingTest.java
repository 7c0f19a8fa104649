package io.qtune.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import org.junit.jupiter.api.Test;

class EarlyStoppingTest {
    /** Exact P[Binomial(h + t, 1 - p) <= t] in decimal arithmetic: the independent reference. */
    private static BigDecimal exactOdds(long h, long t, BigDecimal p) {
        int n = Math.toIntExact(h + t);
        BigDecimal q = BigDecimal.ONE.subtract(p), sum = BigDecimal.ZERO;
        BigInteger choose = BigInteger.ONE;
        for (int x = 0; x <= t; x++) {
            if (x > 0) choose = choose.multiply(BigInteger.valueOf(n - x + 1)).divide(BigInteger.valueOf(x));
            sum = sum.add(new BigDecimal(choose).multiply(q.pow(x)).multiply(p.pow(n - x)), MathContext.DECIMAL128);
        }
        return sum;
    }

    /** Linear search for the least h with exact odds below 1%. */
    private static long bruteMinPassing(long t, String p) {
        BigDecimal bp = new BigDecimal(p), limit = new BigDecimal("0.01");
        for (long h = 1; ; h++) if (exactOdds(h, t, bp).compareTo(limit) < 0) return h;
    }

    @Test
    void noQueryOverTheLatencyIsTheClosedForm() {
        // t = 0: p^h < 0.01, h > ln 0.01 / ln p: 43.7 -> 44 for p90, 458.2 -> 459 for p99
        assertEquals(44, EarlyStopping.minPassing(0, 0.90));
        assertEquals(459, EarlyStopping.minPassing(0, 0.99));
    }

    @Test
    void matchesExactBinomialSums() {
        for (long t : new long[] {1, 2, 3, 7, 20}) {
            assertEquals(bruteMinPassing(t, "0.9"), EarlyStopping.minPassing(t, 0.90), "p90 t=" + t);
        }
        for (long t : new long[] {1, 4}) {
            assertEquals(bruteMinPassing(t, "0.99"), EarlyStopping.minPassing(t, 0.99), "p99 t=" + t);
        }
    }

    /** The minimum query counts MLPerf quotes for early stopping: 64 at the 90th percentile, 662 at the 99th. */
    @Test
    void minimumQueryCountsAreMlperfs() {
        assertEquals(64, EarlyStopping.minQueries(0.90));
        assertEquals(662, EarlyStopping.minQueries(0.99));
    }

    /** The estimate rank is LoadGen's loop: the last t (from 1 up) with minPassing(t) + t <= n. */
    @Test
    void estimateRankIsTheLinearScan() {
        for (long n : new long[] {63, 64, 100, 500, 1000, 4096}) {
            int expected = 0;
            if (n >= EarlyStopping.minQueries(0.90)) {
                expected = 1;
                for (int i = 2; i <= n; i++) {
                    if (n < EarlyStopping.minPassing(i, 0.90) + i) break;
                    expected = i;
                }
            }
            assertEquals(expected, EarlyStopping.estimateRank(n, 0.90), "n=" + n);
        }
        // 1,000 SingleStream queries: t - 1 discarded where the plain p90 would drop 100: the estimate sits higher
        int t = EarlyStopping.estimateRank(1000, 0.90);
        assertTrue(t > 1 && t < 100, "t=" + t);
    }

    @Test
    void serverPassesOnlyWithEnoughQueriesUnderTheBound() {
        long h3 = EarlyStopping.minPassing(3, 0.99);
        assertTrue(EarlyStopping.serverPasses(h3 + 3, 3, 0.99));
        assertFalse(EarlyStopping.serverPasses(h3 + 2, 3, 0.99));
        assertEquals(1, EarlyStopping.serverShortfall(h3 + 2, 3, 0.99));
        // 1% of queries over the bound never passes at 99%: the shortfall grows with the run
        assertFalse(EarlyStopping.serverPasses(100_000, 1_000, 0.99));
        assertTrue(EarlyStopping.serverPasses(100_000, 900, 0.99));
    }
}
