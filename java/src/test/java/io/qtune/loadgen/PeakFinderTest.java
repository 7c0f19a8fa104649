package io.qtune.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeakFinderTest {
    /** A stand-in system whose p99 is 1 ms up to {@code capacity} QPS and 40 ms beyond: its peak is the capacity. */
    private static Summary run(double qps, double capacity) {
        TestSettings s = new TestSettings(Scenario.SERVER, TestSettings.Mode.PERFORMANCE, qps, 15_000_000L, 1_000_000_000L, 1000, 1024, 1);
        long[] lat = new long[2000];
        Arrays.fill(lat, qps <= capacity ? 1_000_000L : 40_000_000L);
        return new Summary(s, "stand-in", new RunRecord(2000, 2000, lat, lat, 2_000_000_000L, 2_000_000_000L, qps));
    }

    @Test
    void findsTheHighestValidRateWithinThePrecision() {
        for (double start : new double[] {10, 300, 1000}) {
            List<String> log = new ArrayList<>();
            PeakFinder.Peak p = PeakFinder.search(start, 0.02, q -> run(q, 123.4), log::add);
            assertTrue(p.qps() <= 123.4 && p.qps() >= 123.4 / 1.02 / 1.02, "start " + start + ": " + p.qps());
            assertTrue(p.summary().valid());
            assertEquals(p.trials().size(), log.size());
            assertTrue(p.trials().size() <= PeakFinder.MAX_TRIALS);
        }
    }

    @Test
    void nothingValidIsAnError() {
        QtuneException e = assertThrows(QtuneException.class, () -> PeakFinder.search(10, 0.05, q -> run(q, 0), l -> {}));
        assertTrue(e.getMessage().contains("no VALID Server run"), e.getMessage());
    }
}
