package io.qtune.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.util.Arrays;
import java.util.Random;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** CLFLUSH of a memory range (the weights-cold floor's tool): the lines it counts, the data it keeps, the misses it causes. */
class CacheFlushTest {
    private static final int LINE = 64;

    @BeforeAll
    static void needsTheLibrary() {
        assumeTrue(NativeRuntime.available(), "native library not built");
    }

    @Test
    void flushesEveryLineTheRangeTouchesAndKeepsTheData() {
        ByteBuffer buf = ByteBuffer.allocateDirect(4096 + LINE).order(ByteOrder.nativeOrder());
        for (int i = 0; i < buf.capacity(); i++) buf.put(i, (byte) (i * 31));
        try (Pointer p = new Pointer(buf)) {
            long base = p.address();
            // a range starting mid-line: the partial first and last lines count too
            for (long[] c : new long[][] {{0, 0}, {0, 1}, {0, 64}, {0, 65}, {3, 64}, {63, 2}, {5, 4096}}) {
                long off = c[0], bytes = c[1];
                long start = (base + off) / LINE, end = (base + off + bytes + LINE - 1) / LINE;
                long expected = bytes == 0 ? 0 : end - start;
                assertEquals(expected, NativeRuntime.flushFromCaches(p.getPointer(off), bytes), "offset " + off + ", " + bytes + " bytes");
            }
        }
        for (int i = 0; i < buf.capacity(); i++) assertEquals((byte) (i * 31), buf.get(i), "byte " + i + " kept");
        assertThrows(IllegalArgumentException.class, () -> NativeRuntime.flushFromCaches(new Pointer(buf), -1));
    }

    /**
     * A random chase through 256 KiB (fits any L2) after it was just read, against the same chase right after the
     * range was flushed: every load of the second misses all caches. A DRAM access costs tens of L2 hits, so the
     * factor asserted (2.5) holds with a wide margin even on a loaded machine; medians of interleaved trials.
     */
    @Test
    void aFlushedRangeIsReadFromMemoryAgain() {
        int n = (256 << 10) / LINE; // one int per line, each line visited once per chase
        int stride = LINE / Integer.BYTES;
        IntBuffer next = ByteBuffer.allocateDirect(n * LINE).order(ByteOrder.nativeOrder()).asIntBuffer();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Random r = new Random(7);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (int i = 0; i < n; i++) next.put(order[i] * stride, order[(i + 1) % n] * stride);
        int trials = 21;
        long[] hot = new long[trials], flushed = new long[trials];
        try (Pointer p = new Pointer(next)) {
            long sink = 0;
            // Both timings must run compiled code: interpreted, each load costs about as much as a miss, and the JIT
            // compiles on its own schedule (late when a long test run has queued work for it). So warm up for at
            // least 10,000 chases and until five rounds in a row are no 10% faster than the best, within 10 s.
            long best = Long.MAX_VALUE, until = System.nanoTime() + 10_000_000_000L;
            for (int round = 0, calm = 0; (round < 20 || calm < 5) && System.nanoTime() < until; round++) {
                long t0 = System.nanoTime();
                for (int w = 0; w < 500; w++) sink += chase(next, n);
                long took = System.nanoTime() - t0;
                calm = took < best * 0.9 ? 0 : calm + 1;
                best = Math.min(best, took);
            }
            for (int t = 0; t < trials; t++) {
                sink += chase(next, n);
                long t0 = System.nanoTime();
                sink += chase(next, n);
                hot[t] = System.nanoTime() - t0;
                NativeRuntime.flushFromCaches(p, (long) n * LINE);
                t0 = System.nanoTime();
                sink += chase(next, n);
                flushed[t] = System.nanoTime() - t0;
            }
            assertTrue(sink != Long.MIN_VALUE);
        }
        double ratio = median(flushed) / median(hot);
        System.out.printf("cache flush: 256 KiB random chase %.1f us hot, %.1f us after the flush (%.1fx)%n",
                median(hot) / 1e3, median(flushed) / 1e3, ratio);
        assertTrue(ratio > 2.5, "a flushed range must be fetched from memory again: " + ratio + "x");
    }

    private static long chase(IntBuffer next, int n) {
        int at = 0;
        long sum = 0;
        for (int i = 0; i < n; i++) {
            at = next.get(at);
            sum += at;
        }
        return sum;
    }

    private static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
