package io.qtune.loadgen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ScheduleTest {
    private static final int[] SET = Schedule.performanceSet(7, 10_000, 1024);

    private static long[] due(Schedule s) {
        long[] d = new long[s.queryCount()];
        for (int q = 0; q < d.length; q++) d[q] = s.dueNs(q);
        return d;
    }

    private static int[] samples(Schedule s) {
        int[] x = new int[s.sampleCount()];
        for (int i = 0; i < x.length; i++) x[i] = s.sampleIndex(i);
        return x;
    }

    @Test
    void sameSeedSameScheduleOtherSeedOther() {
        Schedule a = Schedule.server(42, 100, 10_000_000_000L, 500, SET);
        Schedule b = Schedule.server(42, 100, 10_000_000_000L, 500, SET);
        Schedule c = Schedule.server(43, 100, 10_000_000_000L, 500, SET);
        assertArrayEquals(due(a), due(b));
        assertArrayEquals(samples(a), samples(b));
        assertFalse(Arrays.equals(due(a), due(c)));
        assertFalse(Arrays.equals(samples(a), samples(c)));
        assertArrayEquals(samples(Schedule.stream(5, 100, 8, SET)), samples(Schedule.stream(5, 100, 8, SET)));
        assertFalse(Arrays.equals(samples(Schedule.stream(5, 100, 8, SET)), samples(Schedule.stream(6, 100, 8, SET))));
        assertArrayEquals(Schedule.performanceSet(7, 10_000, 1024), SET);
        assertFalse(Arrays.equals(Schedule.performanceSet(8, 10_000, 1024), SET));
    }

    @Test
    void serverRunsUntilBothDurationAndCountAreReached() {
        Schedule byTime = Schedule.server(1, 100, 5_000_000_000L, 10, SET);
        assertTrue(byTime.dueNs(byTime.queryCount() - 1) >= 5_000_000_000L);
        assertTrue(byTime.dueNs(byTime.queryCount() - 2) < 5_000_000_000L, "stops at the first query past the duration");
        Schedule byCount = Schedule.server(1, 100, 1_000_000L, 2000, SET);
        assertEquals(2000, byCount.queryCount());
        for (int q = 1; q < byCount.queryCount(); q++) assertTrue(byCount.dueNs(q) >= byCount.dueNs(q - 1));
    }

    @Test
    void samplesComeFromThePerformanceSet() {
        int[] set = Schedule.performanceSet(3, 50_000, 1024);
        assertEquals(1024, set.length);
        assertEquals(1024, Arrays.stream(set).distinct().count());
        assertTrue(Arrays.stream(set).allMatch(i -> i >= 0 && i < 50_000));
        assertEquals(5, Schedule.performanceSet(3, 5, 1024).length, "a small data set is taken whole");
        Schedule s = Schedule.stream(1, 300, 8, set);
        assertEquals(2400, s.sampleCount());
        for (int i = 0; i < s.sampleCount(); i++) assertTrue(Arrays.binarySearch(set, s.sampleIndex(i)) >= 0);
        assertEquals(8, s.query(299).size());
        assertEquals(299 * 8, s.query(299).get(0).id());
    }

    /**
     * Gaps of a Poisson process at rate L are exponential: mean 1/L, variance 1/L^2. For n gaps the sample mean has
     * standard deviation (1/L)/sqrt(n) and the sample variance about sqrt((mu4 - sigma^4)/n) = sqrt(8/n)/L^2
     * (exponential: mu4 = 9/L^4). With n = 200,000: 0.22% and 0.63% relative; the test allows 5 sigma (1.1% and
     * 3.2%), so a correct schedule fails about once in 10^6 seeds and a rate off by 2% always fails. Rounding each
     * due time to a nanosecond moves a 1 ms gap by at most 1e-6 relative.
     */
    @Test
    void serverGapsAreExponential() {
        double qps = 1000;
        int n = 200_000;
        Schedule s = Schedule.server(2024, qps, 0, n + 1, SET);
        double sum = 0, sumSq = 0;
        long prev = 0;
        for (int q = 0; q <= n; q++) {
            if (q > 0) {
                double g = (s.dueNs(q) - prev) / 1e9;
                sum += g;
                sumSq += g * g;
            }
            prev = s.dueNs(q);
        }
        double mean = sum / n, var = sumSq / n - mean * mean;
        double m = 1 / qps, v = 1 / (qps * qps);
        assertEquals(m, mean, 5 * m / Math.sqrt(n), "mean gap");
        assertEquals(v, var, 5 * Math.sqrt(8.0 / n) * v, "gap variance");
    }

    @Test
    void badSettingsAreErrors() {
        assertThrows(QtuneException.class, () -> Schedule.server(1, 0, 1, 1, SET));
        assertThrows(QtuneException.class, () -> Schedule.stream(1, 0, 1, SET));
        assertThrows(QtuneException.class, () -> Schedule.stream(1, 1, 1, new int[0]));
        QtuneException e = assertThrows(QtuneException.class, () -> Scenario.parse("batch"));
        assertTrue(e.getMessage().contains("unknown scenario 'batch'"), e.getMessage());
        assertEquals(Scenario.SINGLE_STREAM, Scenario.parse("single-stream"));
        assertEquals(Scenario.MULTI_STREAM, Scenario.parse("MultiStream"));
    }
}
