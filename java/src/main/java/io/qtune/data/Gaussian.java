package io.qtune.data;

import java.util.SplittableRandom;

/**
 * Standard normal samples from a SplittableRandom by Marsaglia's polar method with StrictMath, so the same seed
 * gives the same bits on every JVM (RandomGenerator.nextGaussian's algorithm is not specified).
 */
public final class Gaussian {
    private final SplittableRandom random;
    private double spare;
    private boolean hasSpare;

    public Gaussian(SplittableRandom random) {
        this.random = random;
    }

    public double next() {
        if (hasSpare) {
            hasSpare = false;
            return spare;
        }
        double u;
        double v;
        double s;
        do {
            u = 2 * random.nextDouble() - 1;
            v = 2 * random.nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double m = StrictMath.sqrt(-2 * StrictMath.log(s) / s);
        spare = v * m;
        hasSpare = true;
        return u * m;
    }

    /** Uniform in [lo, hi) from the same stream. */
    public double uniform(double lo, double hi) {
        return lo + (hi - lo) * random.nextDouble();
    }
}
