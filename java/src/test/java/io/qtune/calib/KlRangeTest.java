package io.qtune.calib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.kernels.Kernels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** KL calibration against a brute-force reference written from the description of Intel's 2020 algorithm. */
class KlRangeTest {
    /**
     * Divergence of candidate i, literally: P = hist[0, i) with the tail added to bin i-1; Q = hist[0, i) merged into
     * `levels` groups (the last group takes the remainder), each group's sum spread evenly over the bins where P is
     * nonzero; KL of the normalised P and Q, summed where P > 0.
     */
    static double referenceDivergence(long[] h, int i, int levels) {
        double[] p = new double[i];
        double tail = 0;
        for (int j = 0; j < h.length; j++) {
            if (j < i) p[j] = h[j];
            else tail += h[j];
        }
        p[i - 1] += tail;
        double[] q = new double[i];
        int m = i / levels;
        for (int g = 0; g < levels; g++) {
            int a = g * m, b = g == levels - 1 ? i : a + m;
            double sum = 0;
            int nonzero = 0;
            for (int j = a; j < b; j++) {
                sum += h[j];
                if (p[j] != 0) nonzero++;
            }
            for (int j = a; j < b; j++) q[j] = p[j] == 0 ? 0 : sum / nonzero;
        }
        double ps = 0, qs = 0;
        for (int j = 0; j < i; j++) {
            ps += p[j];
            qs += q[j];
        }
        double kl = 0;
        for (int j = 0; j < i; j++) {
            if (p[j] > 0) kl += (p[j] / ps) * Math.log((p[j] / ps) / (q[j] / qs));
        }
        return kl;
    }

    /** Best candidate i in [int(0.7 (n-1)), n-1] with a nonzero bin i-1 (first one on ties), or -1. */
    static int referenceSearch(long[] h, int levels) {
        int n = h.length, best = -1;
        double bestKl = Double.POSITIVE_INFINITY;
        for (int i = (int) ((n - 1) * 0.7); i <= n - 1; i++) {
            if (h[i - 1] == 0) continue;
            double kl = referenceDivergence(h, i, levels);
            if (kl < bestKl) {
                bestKl = kl;
                best = i;
            }
        }
        return best;
    }

    /** The reference's own histogram: 2048 equal bins of |x| over [0, max|x|], straight from the data. */
    static long[] directHistogram(float[] x, float maxAbs) {
        long[] h = new long[2048];
        for (float v : x) h[(int) Math.min(2047, Math.floor(Math.abs(v) / (double) maxAbs * 2048))]++;
        return h;
    }

    @Test
    void searchMatchesTheReferenceOnTheSameHistogram() {
        Random r = new Random(17);
        for (int trial = 0; trial < 4; trial++) {
            float[] x = trial % 2 == 0 ? CalibData.relu(trial, 40000) : CalibData.laplace(trial, 40000);
            long[] h = directHistogram(x, CalibData.maxAbs(x));
            if (trial == 3) for (int j = 0; j < h.length; j += 3 + r.nextInt(5)) h[j] = 0; // gaps: skipped candidates
            for (int levels : new int[] {127, 255}) {
                int want = referenceSearch(h, levels);
                for (Kernels k : List.of(Kernels.javaOnly(), Kernels.standard())) {
                    Kernels.Search got = k.klSearch(h, 2048, levels, 1432, 2047);
                    assertEquals(want, got.index(), "trial " + trial + " levels " + levels);
                    double ref = referenceDivergence(h, want, levels);
                    assertEquals(ref, got.score(), 1e-9 * Math.abs(ref) + 1e-12, "divergence");
                }
            }
        }
    }

    /**
     * Through the collector: as good as the reference's choice on the reference's own histogram (within 1% of its
     * divergence), and, where the divergence has a clear minimum (tolerance given), close to its threshold. On a flat
     * divergence (a sparse tail) distant thresholds score the same, so only the first check applies.
     */
    private static void endToEnd(float[] x, int levels, double thresholdTolerance) {
        float maxAbs = CalibData.maxAbs(x);
        long[] h = directHistogram(x, maxAbs);
        int want = referenceSearch(h, levels);
        double wantT = (want + 0.5) * maxAbs / 2048;
        ValueStats s = CalibData.stats(x);
        RangeEstimate e = new KlRange().estimate(s);
        double t = e.max();
        assertEquals(s.signed() ? -t : 0.0, e.min());
        // the threshold comes from a regrouped power-of-two histogram: close to the reference's, and as good on its KL
        int ours = (int) Math.round(t / (maxAbs / 2048.0) - 0.5);
        double best = referenceDivergence(h, want, levels), mine = referenceDivergence(h, ours, levels);
        assertTrue(mine <= best * 1.01, "divergence " + mine + " vs best " + best);
        if (thresholdTolerance > 0) assertEquals(wantT, t, thresholdTolerance * maxAbs, "threshold vs reference " + e.note());
        assertTrue(t < maxAbs * 0.999, "the outliers are clipped: " + t + " of " + maxAbs);
    }

    @Test
    void reluDataUsesUint8LevelsAndMatchesTheReference() {
        endToEnd(CalibData.relu(5, 200000), 255, 0.02);
    }

    @Test
    void signedDataUsesInt8LevelsAndMatchesTheReference() {
        endToEnd(CalibData.gaussian(6, 200000), 127, 0.02);
        endToEnd(CalibData.laplace(7, 200000), 127, 0); // sparse outlier tail: a flat divergence
    }

    @Test
    void emptySearchWindowKeepsTheBinsUpToTheLastNonzeroOne() {
        // everything below 1 but one value at 10: bins 1432..2046 are empty
        float[] x = new float[5001];
        Random r = new Random(2);
        for (int i = 0; i < 5000; i++) x[i] = r.nextFloat();
        x[5000] = 10f;
        ValueStats s = CalibData.stats(x);
        RangeEstimate e = new KlRange().estimate(s);
        assertTrue(e.note().contains("all empty"), e.note());
        assertEquals(0.0, e.min());
        assertEquals(1.0, e.max(), 0.01, "clips to the bulk of the data");
        List<String> warnings = new ArrayList<>();
        CalibratedRange c = RangeCalibrator.calibrate("t", s, new KlRange(), warnings);
        assertFalse(c.fellBack());
        assertTrue(warnings.isEmpty(), warnings.toString());
    }
}
