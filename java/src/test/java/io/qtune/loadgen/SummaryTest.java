package io.qtune.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** VALID/INVALID and what early stopping does to it, on made-up latencies with known answers. */
class SummaryTest {
    private static Summary summary(Scenario sc, long[] lat, long minQueries) {
        TestSettings s = new TestSettings(sc, TestSettings.Mode.PERFORMANCE, sc == Scenario.SERVER ? 100 : 0, 15_000_000L,
                1_000_000_000L, minQueries, 1024, 1);
        return new Summary(s, "made-up", new RunRecord(lat.length, lat.length, lat, lat, 2_000_000_000L, 2_000_000_000L, 100));
    }

    @Test
    void serverWithinTheBoundButTooFewQueriesIsInvalidByEarlyStopping() {
        long[] lat = new long[300]; // all 1 ms: p99 within 15 ms, but early stopping needs 459 with none over
        Arrays.fill(lat, 1_000_000L);
        Summary s = summary(Scenario.SERVER, lat, 100);
        assertFalse(s.valid());
        assertTrue(s.text().contains("Performance constraints satisfied : Yes"), s.text());
        assertTrue(s.text().contains("Early stopping satisfied: NO"), s.text());
        assertTrue(s.notes().stream().anyMatch(n -> n.startsWith("early stopping changes the result")), s.notes().toString());
        assertTrue(s.reasons().get(0).contains("159 more queries"), s.reasons().toString());
        long[] enough = new long[459];
        Arrays.fill(enough, 1_000_000L);
        assertTrue(summary(Scenario.SERVER, enough, 100).valid());
    }

    @Test
    void serverOverTheBoundIsInvalidWithTheReason() {
        long[] lat = new long[1000];
        Arrays.fill(lat, 1_000_000L);
        for (int i = 0; i < 20; i++) lat[i] = 30_000_000L; // 2% over: p99 = 30 ms
        Summary s = summary(Scenario.SERVER, lat, 100);
        assertFalse(s.valid());
        assertTrue(s.reasons().get(0).contains("99th percentile latency 30.000 ms exceeds the bound 15.000 ms"), s.reasons().toString());
    }

    @Test
    void singleStreamReportsTheEarlyStoppingEstimate() {
        long[] lat = new long[1000];
        for (int i = 0; i < lat.length; i++) lat[i] = i + 1; // 1..1000 ns
        Summary s = summary(Scenario.SINGLE_STREAM, lat, 100);
        int t = EarlyStopping.estimateRank(1000, 0.90);
        assertEquals(1000 - t + 1, (long) s.metric(), "the t-th largest of 1..1000");
        assertTrue(s.metric() > 901, "above the plain p90 (901)");
        assertTrue(s.valid());
        assertTrue(s.text().contains("90th percentile latency (ns)    : 901"), s.text());
        assertFalse(summary(Scenario.SINGLE_STREAM, Arrays.copyOf(lat, 63), 10).valid(), "63 < 64 queries");
    }

    @Test
    void shortRunsSayTheyAreBelowMlperfsMinimums() {
        long[] lat = new long[1000];
        Arrays.fill(lat, 1_000_000L);
        Summary s = summary(Scenario.SINGLE_STREAM, lat, 100);
        assertFalse(s.meetsMlperfMinimums());
        assertTrue(s.text().contains("below MLPerf's minimums (duration 1.0 s < 600 s)"), s.text());
        assertTrue(s.toJson().contains("\"meets_mlperf_minimums\" : false"), s.toJson());
    }
}
