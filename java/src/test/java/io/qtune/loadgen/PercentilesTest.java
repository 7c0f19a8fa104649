package io.qtune.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PercentilesTest {
    /** 1..100 shuffled: LoadGen's p-th percentile is the element at floor(100 p) of the sort, so p90 = 91. */
    @Test
    void workedExample() {
        long[] l = new long[100];
        for (int i = 0; i < 100; i++) l[i] = 100 - i;
        Percentiles p = new Percentiles(l);
        assertEquals(51, p.at(0.50));
        assertEquals(91, p.at(0.90));
        assertEquals(100, p.at(0.99));
        assertEquals(100, p.at(0.999));
        assertEquals(1, p.min());
        assertEquals(100, p.max());
        assertEquals(50.5, p.mean(), 1e-12);
        assertEquals(10, p.countAbove(90));
        assertEquals(0, p.countAbove(100));
        assertEquals(100, p.countAbove(0));
        assertEquals(98, p.largest(3));
    }

    /** Brute force: the reported value v has at most floor(n p) latencies strictly below it and more at or below it. */
    @Test
    void matchesTheCountingDefinitionOnRandomData() {
        Random r = new Random(11);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + r.nextInt(300);
            long[] l = new long[n];
            for (int i = 0; i < n; i++) l[i] = r.nextInt(50); // many ties
            Percentiles p = new Percentiles(l);
            for (double q : Percentiles.REPORTED) {
                long v = p.at(q);
                long k = (long) (n * q), below = 0, atOrBelow = 0, above = 0;
                for (long x : l) {
                    if (x < v) below++;
                    if (x <= v) atOrBelow++;
                    if (x > v) above++;
                }
                assertTrue(below <= k && atOrBelow > k, "n=" + n + " p=" + q);
                assertEquals(above, p.countAbove(v));
            }
        }
    }

    @Test
    void emptyIsAnError() {
        assertThrows(QtuneException.class, () -> new Percentiles(new long[0]));
    }
}
