package io.qtune.calib;
import io.qtune.data.Gaussian;

import java.util.Random;

/** Test data shaped like activations. */
final class CalibData {
    private CalibData() {}

    /** ReLU output: about half zeros, the rest a Gaussian's positive half with a few large outliers. */
    static float[] relu(long seed, int n) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double v = r.nextGaussian();
            if (r.nextInt(5000) == 0) v = 6 + 10 * r.nextDouble();
            x[i] = (float) Math.max(0, v);
        }
        return x;
    }

    /** Signed, heavy tailed (Laplace), with a few outliers. */
    static float[] laplace(long seed, int n) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble() - 0.5;
            double v = -Math.signum(u) * Math.log(1 - 2 * Math.abs(u));
            if (r.nextInt(10000) == 0) v *= 4;
            x[i] = (float) v;
        }
        return x;
    }

    /** Signed standard Gaussian, no outliers. */
    static float[] gaussian(long seed, int n) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    static float maxAbs(float[] x) {
        float m = 0;
        for (float v : x) if (Float.isFinite(v)) m = Math.max(m, Math.abs(v));
        return m;
    }

    static ValueStats stats(float[] x) {
        TensorStats s = new TensorStats();
        s.observe("t", x, 0, x.length);
        return s.summary("t").stats();
    }
}
