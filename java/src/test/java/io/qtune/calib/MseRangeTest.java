package io.qtune.calib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.kernels.Kernels;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MseRangeTest {
    /** Expected squared error per value for threshold t, by numerical integration (midpoint rule) over each unit bin. */
    static double integratedError(long[] h, double t, int levels, int samples) {
        double step = t / levels, sum = 0;
        long total = 0;
        for (int j = 0; j < h.length; j++) {
            total += h[j];
            if (h[j] == 0) continue;
            double acc = 0;
            for (int k = 0; k < samples; k++) {
                double x = j + (k + 0.5) / samples;
                double q = step * Math.min(Math.rint(x / step), levels);
                acc += (x - q) * (x - q);
            }
            sum += h[j] * acc / samples;
        }
        return sum / total;
    }

    @Test
    void searchPicksTheIntegratedOptimum() {
        Random r = new Random(4);
        for (int[] shape : new int[][] {{128, 15}, {200, 127}, {512, 255}}) {
            int n = shape[0], levels = shape[1];
            long[] h = new long[n];
            for (int j = 0; j < n; j++) h[j] = (long) (1e5 * Math.exp(-j / (n / 5.0)) * (0.5 + r.nextDouble()));
            h[n - 1] = 3; // a few outliers at the top
            double bestRef = Double.POSITIVE_INFINITY;
            for (int c = 0; c < n; c++) bestRef = Math.min(bestRef, integratedError(h, c + 1, levels, 96));
            for (Kernels k : List.of(Kernels.javaOnly(), Kernels.standard())) {
                Kernels.Search s = k.mseSearch(h, n, levels);
                double mine = integratedError(h, s.index() + 1, levels, 96);
                assertEquals(mine, s.score(), 2e-3 * mine, "closed form vs integration, n=" + n);
                assertTrue(mine <= bestRef * (1 + 2e-3), "n=" + n + ": " + mine + " vs best " + bestRef);
                assertTrue(s.index() < n - 1, "clips the outliers");
            }
        }
    }

    /** Empirical squared error of quantizing the data itself with threshold t. */
    static double empiricalError(float[] x, double t, int levels, boolean signed) {
        double step = t / levels, sum = 0;
        for (float v : x) {
            double q = Math.rint(v / step);
            q = Math.max(signed ? -levels : 0, Math.min(levels, q)) * step;
            sum += (v - q) * (v - q);
        }
        return sum / x.length;
    }

    @Test
    void thresholdIsNearTheBestForTheDataItself() {
        for (boolean signed : new boolean[] {false, true}) {
            float[] x = signed ? CalibData.laplace(12, 20000) : CalibData.relu(12, 20000);
            ValueStats s = CalibData.stats(x);
            RangeEstimate e = new MseRange().estimate(s);
            int levels = signed ? 127 : 255;
            double best = Double.POSITIVE_INFINITY;
            for (int c = 1; c <= 512; c++) best = Math.min(best, empiricalError(x, c * s.maxAbs() / 512.0, levels, signed));
            double mine = empiricalError(x, e.max(), levels, signed);
            assertTrue(mine <= best * 1.02, (signed ? "signed" : "relu") + ": " + mine + " vs best " + best + " (" + e.note() + ")");
            assertEquals(signed ? -e.max() : 0.0, e.min());
        }
    }
}
