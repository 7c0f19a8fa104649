package io.qtune.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class FloorTest {
    private static final Floor.StepTime POOL = new Floor.StepTime(1, "pool", "max pool", "jit", true, false, 0.1, 0.04,
            Double.NaN, Double.NaN, 0);

    @Test
    void coldFloorsInTheTableAndTheirRatios() {
        Floor f = new Floor(1, 2, List.of(new Floor.StepTime(0, "c1", "convolution", "jit", true, true, 1.2, 1.0, 1.5, 1.1, 3_000_000),
                POOL, new Floor.StepTime(2, "fc", "inner product", "gemm", true, true, 0.4, 0.3, 0.5, 0.5, 500_000)),
                2.0, 1.3, 1.6, 2.0, 1.6, 64L << 20, 6.7108864, 0.3);
        assertEquals(3_500_000, f.weightBytes());
        assertEquals(1.0, f.coldRatio(), 1e-12);
        assertEquals(1.25, f.weightsColdRatio(), 1e-12);
        String t = f.table();
        assertTrue(t.startsWith("floor, batch 1, 2 threads, weights read 3.5 MB, cold after reading 64 MiB (10.0 GB/s): 3 steps"), t);
        assertTrue(t.contains("   0 convolution          1.200  70.6%     1.000     1.500     1.100    1.20  c1"), t);
        assertTrue(t.contains("   1 max pool             0.100   5.9%     0.040         -         -    2.50  pool"), t);
        assertTrue(t.contains("floor 1.300 ms/run (1.300 ms/image), engine/floor 1.538x, outside any primitive 0.300 ms/run, "
                + "cold floor 2.000 ms/run (2.000 ms/image), engine/cold floor 1.000x"), t);
        assertTrue(t.contains("weights-cold floor 1.600 ms/run (1.600 ms/image), engine/weights-cold floor 1.250x"), t);
        assertTrue(t.contains("floor as one pass (each round's steps alone summed, median) 1.600 ms/run, engine/one-pass floor "
                + "1.250x"), t);
        // the pool is timed alone but stays out of the floor: 1.2 + 0.4 in the chain vs 1.0 + 0.3 alone
        assertTrue(t.contains("floor steps 1.600 ms/run in the chain vs 1.300 alone (+23.1%), other steps 0.100 ms/run in the "
                + "chain vs 0.040 alone"), t);
    }

    @Test
    void onePassFloorKeepsTheInterruptionsOfEachRound() {
        // two steps over three rounds, one of them interrupted (9 ns instead of 1) in rounds 2 and 3: their medians sum
        // to 2, but every pass but the first was interrupted once, so the pass's median is 10; the third step is left out
        long[][] nanos = {{1_000_000, 1_000_000, 9_000_000}, {1_000_000, 9_000_000, 1_000_000}, {50_000_000, 50_000_000, 50_000_000}};
        assertEquals(10.0, Floor.onePassMs(nanos, new boolean[] {true, true, false}), 1e-12);
        assertEquals(3.0, Floor.onePassMs(new long[][] {{1_000_000, 3_000_000}, {1_000_000, 1_000_000}}, new boolean[] {true, true}),
                1e-12, "an even count of rounds takes the mean of the middle two: sums 2 and 4");
    }

    @Test
    void hotOnlyFloorPrintsNoColdTimes() {
        Floor f = new Floor(2, 1, List.of(new Floor.StepTime(0, "c1", "convolution", "jit", true, true, 1.2, 1.0, Double.NaN,
                Double.NaN, 1000), POOL), 2.0, 1.0, 1.0, Double.NaN, Double.NaN, 0, Double.NaN, 0.3);
        assertTrue(f.table().contains("   0 convolution          1.200  92.3%     1.000         -         -    1.20  c1"), f.table());
        assertFalse(f.table().contains("weights-cold floor"), f.table());
    }
}
