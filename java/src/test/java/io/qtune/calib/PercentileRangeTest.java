package io.qtune.calib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PercentileRangeTest {
    @Test
    void handComputedOnSmallData() {
        float[] x = new float[1000];
        for (int i = 0; i < 1000; i++) x[999 - i] = i; // 0..999, reversed
        ValueStats s = stats4096(x); // max 999 -> 4096 bins of 2^-2 = 0.25
        assertEquals(-2, s.histogram().exponent());
        // 99.9%: value number 999 (998) lies in [998, 998.25): the threshold is that bin's upper edge
        assertEquals(998.25, new PercentileRange(99.9).estimate(s).max());
        assertEquals(0.0, new PercentileRange(99.9).estimate(s).min());
        assertEquals(499.25, new PercentileRange(50).estimate(s).max());
        assertEquals(999.0, new PercentileRange(100).estimate(s).max(), "capped at the largest value");
        assertEquals(0.25, new PercentileRange(0.1).estimate(s).max(), "value number 1 is 0");

        // signed: |x| = 1, 2, 3, 4; the median value 2 sits in a bin of width 2^-9 starting at 2
        ValueStats signed = stats4096(new float[] {-4f, -1f, 2f, 3f});
        RangeEstimate e = new PercentileRange(50).estimate(signed);
        assertEquals(2 + 1.0 / 512, e.max());
        assertEquals(-(2 + 1.0 / 512), e.min());
    }

    private static ValueStats stats4096(float[] x) {
        TensorStats s = new TensorStats(new StatsConfig(4096, 0));
        s.observe("t", x, 0, x.length);
        return s.summary("t").stats();
    }

    @Test
    void boundsTheExactPercentileWithinOneBin() {
        float[] x = CalibData.laplace(8, 30001);
        float[] abs = new float[x.length];
        for (int i = 0; i < x.length; i++) abs[i] = Math.abs(x[i]);
        Arrays.sort(abs);
        ValueStats s = CalibData.stats(x);
        double w = s.histogram().binWidth();
        for (double p : new double[] {50, 90, 99, 99.9, 99.99, 100}) {
            double t = new PercentileRange(p).estimate(s).max();
            long rank = PercentileRange.rank(p, x.length);
            float exact = abs[(int) rank - 1];
            assertTrue(t >= exact, p + "%: " + t + " below the exact percentile " + exact);
            assertTrue(t < exact + w || t == s.maxAbs(), p + "%: more than a bin above");
            long clipped = 0;
            for (float v : abs) if (v > t) clipped++;
            assertTrue(clipped <= (100 - p) / 100 * x.length, p + "%: clips " + clipped);
        }
    }

    @Test
    void rankIsExactInDecimal() {
        assertEquals(9999, PercentileRange.rank(99.99, 10000));
        assertEquals(999900, PercentileRange.rank(99.99, 1000000));
        assertEquals(1, PercentileRange.rank(10, 3));
        assertEquals(3, PercentileRange.rank(100, 3));
        assertEquals("percentile:99.99", new PercentileRange().spec());
        assertEquals("percentile:99.9", new PercentileRange(99.90).spec());
        assertEquals("percentile:100", new PercentileRange(100).spec());
        assertThrows(QtuneException.class, () -> new PercentileRange(0));
        assertThrows(QtuneException.class, () -> new PercentileRange(100.5));
        assertThrows(QtuneException.class, () -> new PercentileRange(Double.NaN));
    }
}
