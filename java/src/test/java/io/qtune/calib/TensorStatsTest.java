package io.qtune.calib;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import io.qtune.kernels.Kernels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class TensorStatsTest {
    @Test
    void handComputedSummary() {
        TensorStats s = new TensorStats(new StatsConfig(4096, 0));
        s.observe("t", new float[] {9f, -1f, 0f, 2f, Float.NaN, Float.POSITIVE_INFINITY, -0f, 1.5f}, 1, 7);
        TensorSummary t = s.summary("t");
        assertEquals(7, t.values());
        assertEquals(1, t.nanCount());
        assertEquals(1, t.posInfCount());
        assertEquals(0, t.negInfCount());
        assertEquals(-1f, t.stats().min());
        assertEquals(2f, t.stats().max());
        AbsHistogram h = t.stats().histogram();
        // max |x| = 2 -> 4096 bins of 2^-10 cover [0, 4)
        assertEquals(-10, h.exponent());
        assertEquals(5, h.total());
        assertEquals(2, h.count(0)); // 0 and -0
        assertEquals(1, h.count(1024)); // |-1|
        assertEquals(1, h.count(1536)); // 1.5
        assertEquals(1, h.count(2048)); // 2
    }

    @Test
    void allZerosAndNothingFinite() {
        TensorStats s = new TensorStats();
        s.observe("zeros", new float[] {0f, -0f, 0f}, 0, 3);
        ValueStats z = s.summary("zeros").stats();
        assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(z.min()), "-0 is reported as +0");
        assertEquals(0f, z.max());
        assertEquals(3, z.histogram().count(0));
        assertEquals(AbsHistogram.NO_EXPONENT, z.histogram().exponent());
        s.observe("zeros", new float[] {0.5f}, 0, 1); // the zeros stay in bin 0 when a width appears
        assertEquals(3, s.summary("zeros").stats().histogram().count(0));
        assertEquals(4, s.summary("zeros").stats().histogram().total());

        s.observe("nan", new float[] {Float.NaN, Float.NEGATIVE_INFINITY}, 0, 2);
        ValueStats n = s.summary("nan").stats();
        assertTrue(!n.hasFiniteValues());
        assertEquals(0, n.histogram().total());
        assertEquals(1, s.summary("nan").negInfCount());
    }

    /** One collector fed the same values in a given batching and order. */
    private static TensorStats collect(float[] x, int[] order, int batch, StatsConfig cfg, Kernels k, int channels) {
        TensorStats s = new TensorStats(cfg, k);
        int rowLen = Math.max(channels, 1);
        int rows = x.length / rowLen;
        float[] buf = new float[batch * rowLen];
        for (int start = 0; start < rows; start += batch) {
            int n = Math.min(batch, rows - start);
            for (int i = 0; i < n; i++) System.arraycopy(x, order[start + i] * rowLen, buf, i * rowLen, rowLen);
            if (channels > 0) {
                s.observe("t", buf, 0, n * rowLen, channels);
            } else {
                s.observe("t", buf, 0, n * rowLen);
            }
        }
        return s;
    }

    private static int[] order(int n, long seed) {
        int[] o = new int[n];
        for (int i = 0; i < n; i++) o[i] = i;
        if (seed != 0) {
            Random r = new Random(seed);
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = o[i];
                o[i] = o[j];
                o[j] = t;
            }
        }
        return o;
    }

    private static void assertSameSummary(TensorSummary a, TensorSummary b, String what) {
        assertEquals(a.values(), b.values(), what);
        assertEquals(a.nanCount(), b.nanCount(), what);
        assertEquals(a.posInfCount(), b.posInfCount(), what);
        assertEquals(a.negInfCount(), b.negInfCount(), what);
        assertEquals(Float.floatToRawIntBits(a.stats().min()), Float.floatToRawIntBits(b.stats().min()), what);
        assertEquals(Float.floatToRawIntBits(a.stats().max()), Float.floatToRawIntBits(b.stats().max()), what);
        assertEquals(a.stats().histogram(), b.stats().histogram(), what);
        assertEquals(a.channels().size(), b.channels().size(), what);
        for (int c = 0; c < a.channels().size(); c++) {
            assertEquals(a.channels().get(c), b.channels().get(c), what + " channel " + c);
        }
    }

    private static List<RangeEstimator> allEstimators(Kernels k) {
        return List.of(MinMaxRange.INSTANCE, new KlRange(k), new PercentileRange(99.99, k), new PercentileRange(90, k),
                new MseRange(k));
    }

    @Test
    void batchSizeOrderAndThreadsDoNotChangeAnyBit() throws Exception {
        // signed heavy-tailed data with NaN, infinities and both zeros sprinkled in; the data's largest value sits in
        // a late batch so that the histogram width grows during collection
        float[] x = CalibData.laplace(21, 30000);
        x[17] = Float.NaN;
        x[400] = Float.POSITIVE_INFINITY;
        x[999] = -0f;
        x[29000] = 55f;
        StatsConfig cfg = StatsConfig.DEFAULT;
        TensorStats reference = collect(x, order(x.length, 0), x.length, cfg, Kernels.standard(), 0);
        TensorSummary ref = reference.summary("t");
        List<RangeEstimator> estimators = allEstimators(Kernels.standard());
        List<TensorRange> refRanges = new ArrayList<>();
        for (RangeEstimator e : estimators) {
            refRanges.add(RangeCalibrator.calibrate("t", ref.stats(), e, new ArrayList<>()).range());
        }

        List<TensorStats> variants = new ArrayList<>();
        for (int batch : new int[] {1, 7, 100}) {
            for (long seed : new long[] {0, 3}) {
                variants.add(collect(x, order(x.length, seed), batch, cfg, Kernels.standard(), 0));
            }
        }
        variants.add(collect(x, order(x.length, 5), 100, cfg, Kernels.javaOnly(), 0)); // Java kernels only
        // two threads observing interleaved batches into one collector
        TensorStats shared = new TensorStats(cfg);
        int[] o = order(x.length, 11);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int first = t;
                fs.add(pool.submit(() -> {
                    float[] buf = new float[37];
                    for (int start = first * 37; start < x.length; start += 74) {
                        int n = Math.min(37, x.length - start);
                        for (int i = 0; i < n; i++) buf[i] = x[o[start + i]];
                        shared.observe("t", buf, 0, n);
                    }
                }));
            }
            for (Future<?> f : fs) f.get();
        } finally {
            pool.shutdown();
        }
        variants.add(shared);
        // per-thread collectors merged
        TensorStats merged = collect(java.util.Arrays.copyOfRange(x, 0, 12345), order(12345, 0), 50, cfg, Kernels.standard(), 0);
        merged.merge(collect(java.util.Arrays.copyOfRange(x, 12345, x.length), order(x.length - 12345, 2), 9, cfg,
                Kernels.standard(), 0));
        variants.add(merged);

        for (int v = 0; v < variants.size(); v++) {
            TensorSummary s = variants.get(v).summary("t");
            assertSameSummary(ref, s, "variant " + v);
            for (int e = 0; e < estimators.size(); e++) {
                TensorRange r = RangeCalibrator.calibrate("t", s.stats(), estimators.get(e), new ArrayList<>()).range();
                assertEquals(Float.floatToRawIntBits(refRanges.get(e).min()), Float.floatToRawIntBits(r.min()), "variant " + v + " " + estimators.get(e).spec());
                assertEquals(Float.floatToRawIntBits(refRanges.get(e).max()), Float.floatToRawIntBits(r.max()), "variant " + v + " " + estimators.get(e).spec());
            }
        }
        // the ranges themselves are sensible: symmetric, inside minmax, and the histogram ones clip the outlier
        float dataMin = Float.POSITIVE_INFINITY;
        for (float v : x) if (Float.isFinite(v)) dataMin = Math.min(dataMin, v);
        assertEquals(new TensorRange(dataMin, 55f), refRanges.get(0), "minmax is the data's own range");
        for (int e = 1; e < estimators.size(); e++) {
            TensorRange r = refRanges.get(e);
            assertEquals(-r.max(), r.min(), estimators.get(e).spec() + " is symmetric for signed data");
            assertTrue(r.max() > 1f && r.max() < 55f, estimators.get(e).spec() + " " + r);
        }
    }

    @Test
    void perChannelStatisticsAreExactAndOrderFree() {
        int channels = 8;
        float[] x = CalibData.laplace(4, 1600 * channels);
        for (int i = 0; i < x.length; i++) x[i] *= 1 + (i % channels); // channels of different scales
        StatsConfig cfg = new StatsConfig(4096, 1024);
        TensorStats a = collect(x, order(1600, 0), 1600, cfg, Kernels.standard(), channels);
        TensorStats b = collect(x, order(1600, 9), 13, cfg, Kernels.standard(), channels);
        assertSameSummary(a.summary("t"), b.summary("t"), "per-channel, batch 13 shuffled");
        TensorSummary s = a.summary("t");
        assertEquals(channels, s.channels().size());
        for (int c = 0; c < channels; c++) {
            float mn = Float.POSITIVE_INFINITY, mx = Float.NEGATIVE_INFINITY;
            for (int r = 0; r < 1600; r++) {
                mn = Math.min(mn, x[r * channels + c]);
                mx = Math.max(mx, x[r * channels + c]);
            }
            assertEquals(mn, s.channels().get(c).min());
            assertEquals(mx, s.channels().get(c).max());
            assertEquals(1600, s.channels().get(c).histogram().total());
        }
        float tensorMax = 0;
        for (float v : x) tensorMax = Math.max(tensorMax, v);
        assertEquals(tensorMax, s.stats().max());
        // per-channel ranges come out per channel
        List<CalibratedRange> ranges = RangeCalibrator.perChannel(s, MinMaxRange.INSTANCE, new ArrayList<>());
        assertEquals("t[3]", ranges.get(3).tensor());
        assertEquals(s.channels().get(3).max(), ranges.get(3).range().max());
    }

    @Test
    void badInputIsAClearError() {
        TensorStats s = new TensorStats();
        float[] x = new float[12];
        assertEquals("tensor 't': slice [8, 16) is outside an array of length 12",
                assertThrows(QtuneException.class, () -> s.observe("t", x, 8, 8)).getMessage());
        assertThrows(QtuneException.class, () -> s.observe("t", null, 0, 0));
        assertThrows(QtuneException.class, () -> s.observe("t", x, 0, 12, 5));
        assertThrows(QtuneException.class, () -> s.observe("", x, 0, 12));
        s.observe("t", x, 0, 12, 4);
        QtuneException e = assertThrows(QtuneException.class, () -> s.observe("t", x, 0, 12, 3));
        assertEquals("tensor 't': observed with 4 channels before, now with 3 channels; use one layout for every batch", e.getMessage());
        assertThrows(QtuneException.class, () -> s.observe("t", x, 0, 12));
        assertThrows(QtuneException.class, () -> s.summary("never"));
        assertThrows(QtuneException.class, () -> s.merge(new TensorStats(new StatsConfig(4096, 0))));
        assertThrows(QtuneException.class, () -> new StatsConfig(5000, 0));
        assertThrows(QtuneException.class, () -> new StatsConfig(4096, 100));
        assertArrayEquals(new String[] {"t"}, s.tensors().toArray(new String[0]));
    }
}
