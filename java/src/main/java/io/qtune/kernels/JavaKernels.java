package io.qtune.kernels;

/**
 * The plain-Java kernels: the reference the native copies are tested against, and the implementation
 * wherever native code does not win clearly (see {@link Kernels}). Each method has exactly the semantics
 * documented in native/include/qtune_kernels.h, operation for operation, so results match bit for bit.
 * Arguments are trusted: {@link Kernels} validates them.
 */
final class JavaKernels {
    private JavaKernels() {}

    /** -0 and +0 compare equal, so which one a min/max keeps depends on the order seen; always report +0. */
    static float plusZero(float v) {
        return v == 0f ? 0f : v;
    }

    static void minmax(float[] x, int off, int n, float[] mm, long[] counts) {
        float mn = Float.POSITIVE_INFINITY;
        float mx = Float.NEGATIVE_INFINITY;
        long nan = 0, pinf = 0, ninf = 0;
        for (int i = off, end = off + n; i < end; i++) {
            float v = x[i];
            if (v - v == 0f) {
                if (v < mn) mn = v;
                if (v > mx) mx = v;
            } else if (v != v) {
                nan++;
            } else if (v > 0f) {
                pinf++;
            } else {
                ninf++;
            }
        }
        if (mn < mm[0]) mm[0] = mn;
        if (mx > mm[1]) mm[1] = mx;
        mm[0] = plusZero(mm[0]);
        mm[1] = plusZero(mm[1]);
        counts[0] += nan;
        counts[1] += pinf;
        counts[2] += ninf;
    }

    static void minmaxChannels(float[] x, int off, int rows, int channels, float[] mins, float[] maxs, long[] counts) {
        for (int r = 0; r < rows; r++) {
            int base = off + r * channels;
            for (int c = 0; c < channels; c++) {
                float v = x[base + c];
                if (v - v == 0f) {
                    if (v < mins[c]) mins[c] = v;
                    if (v > maxs[c]) maxs[c] = v;
                } else if (v != v) {
                    counts[0]++;
                } else if (v > 0f) {
                    counts[1]++;
                } else {
                    counts[2]++;
                }
            }
        }
        for (int c = 0; c < channels; c++) {
            mins[c] = plusZero(mins[c]);
            maxs[c] = plusZero(maxs[c]);
        }
    }

    static void absHistogram(float[] x, int off, int n, float scale, long[] hist, int bins) {
        int last = bins - 1;
        float lastF = last;
        for (int i = off, end = off + n; i < end; i++) {
            float v = Math.abs(x[i]);
            if (v <= Float.MAX_VALUE) {
                float f = v * scale;
                hist[f < lastF ? (int) f : last]++;
            }
        }
    }

    /**
     * Natural log with a fixed sequence of IEEE operations, the same as fixed_log in native/src/kernels_isa.cpp:
     * Math.log may be a CPU-specific intrinsic and the C library's log differs between machines, while this gives
     * the same bits everywhere, so a KL threshold never depends on the machine. About 1 ulp for positive normal
     * inputs. x = 2^k m, m in (sqrt(2)/2, sqrt(2)]; ln m = 2 atanh(s), s = (m-1)/(m+1), summed to s^21.
     */
    static double log(double x) {
        long bits = Double.doubleToRawLongBits(x);
        long k = ((bits >>> 52) & 0x7ff) - 1023;
        double m = Double.longBitsToDouble((bits & 0x000fffffffffffffL) | 0x3ff0000000000000L);
        if (m > 1.4142135623730951) {
            m = m * 0.5;
            k = k + 1;
        }
        double f = m - 1.0;
        double s = f / (2.0 + f);
        double z = s * s;
        double p = 1.0 / 21.0;
        p = p * z + 1.0 / 19.0;
        p = p * z + 1.0 / 17.0;
        p = p * z + 1.0 / 15.0;
        p = p * z + 1.0 / 13.0;
        p = p * z + 1.0 / 11.0;
        p = p * z + 1.0 / 9.0;
        p = p * z + 1.0 / 7.0;
        p = p * z + 1.0 / 5.0;
        p = p * z + 1.0 / 3.0;
        double logm = 2.0 * s + 2.0 * s * (z * p);
        double kd = (double) k;
        return kd * 0.693145751953125 + (logm + kd * 1.4286068203094172321e-06);
    }

    /**
     * Entropy calibration (Intel's 2020 tool / TensorRT): candidate i keeps bins [0, i) and folds everything above
     * into bin i-1 (the reference P); Q merges hist[0, i) into {@code levels} groups and spreads each group evenly over
     * the bins where P is nonzero. Candidates whose bin i-1 is empty are skipped, so Q > 0 wherever P > 0 and no
     * smoothing is needed. Prefix sums make each candidate O(levels):
     * KL = (sum P ln P - sum P ln q) / Psum + ln(Qsum / Psum).
     */
    static int klSearch(long[] h, int n, int levels, int start, int end, double[] out) {
        long[] s = new long[n + 1];
        int[] z = new int[n + 1];
        double[] t = new double[n + 1];
        for (int j = 0; j < n; j++) {
            long c = h[j];
            s[j + 1] = s[j] + c;
            z[j + 1] = z[j] + (c != 0 ? 1 : 0);
            t[j + 1] = t[j] + (c > 0 ? (double) c * log((double) c) : 0.0);
        }
        long total = s[n];
        int best = -1;
        double bestDiv = 0.0;
        int lo = Math.max(start, levels);
        int hi = Math.min(end, n);
        for (int i = lo; i <= hi && total > 0; i++) {
            if (h[i - 1] == 0) continue;
            long outliers = total - s[i];
            double pLast = (double) (h[i - 1] + outliers);
            double sumPlogP = t[i - 1] + pLast * log(pLast);
            int m = i / levels;
            double sumPlogQ = 0.0;
            double lastLogQ = 0.0;
            for (int g = 0; g < levels; g++) {
                int a = g * m;
                int b = g == levels - 1 ? i : a + m;
                int nz = z[b] - z[a];
                if (nz == 0) continue;
                long sum = s[b] - s[a];
                double lq = log((double) sum / (double) nz);
                sumPlogQ += lq * (double) sum;
                lastLogQ = lq; // the last group always holds bin i-1, which is nonzero
            }
            sumPlogQ += lastLogQ * (double) outliers;
            double kl = (sumPlogP - sumPlogQ) / (double) total + log((double) s[i] / (double) total);
            if (best < 0 || kl < bestDiv) {
                best = i;
                bestDiv = kl;
            }
        }
        out[0] = bestDiv;
        return best;
    }

    /** Antiderivative (up to a constant) of the squared rounding error (s - round(s))^2 on a unit grid. */
    static double roundingErrorIntegral(double u) {
        double k = Math.floor(u + 0.5);
        double r = u - k;
        return k * (1.0 / 12.0) + (r * r * r + 0.125) * (1.0 / 3.0);
    }

    /**
     * Expected squared error for thresholds T = c+1 (bin units), values uniform inside each bin: values below T
     * round to a grid of step T/levels (integrated exactly), values above clip to T (sum h (d^2 + d + 1/3),
     * d = j - T, from recurrences over the bins above that only add nonnegative terms).
     */
    static int mseSearch(long[] h, int n, int levels, double[] out) {
        long total = 0;
        for (int j = 0; j < n; j++) total += h[j];
        int best = -1;
        double bestErr = 0.0;
        if (total > 0) {
            double[] clip = new double[n];
            double s0 = 0.0, s1 = 0.0, s2 = 0.0;
            for (int c = n - 1; c >= 0; c--) {
                clip[c] = s2 + s1 + s0 * (1.0 / 3.0);
                s2 = s2 + 2.0 * s1 + s0;
                s1 = s1 + s0;
                s0 = s0 + (double) h[c];
            }
            double[] g = new double[n + 1];
            double[] acc = new double[8];
            for (int c = 0; c < n; c++) {
                double threshold = (double) (c + 1);
                double inv = (double) levels / threshold;
                double step = threshold / (double) levels;
                for (int e = 0; e <= c + 1; e++) g[e] = roundingErrorIntegral((double) e * inv);
                java.util.Arrays.fill(acc, 0.0);
                // eight running sums in a fixed order: the native copy vectorizes the same order
                for (int j = 0; j <= c; j++) acc[j & 7] += (double) h[j] * (g[j + 1] - g[j]);
                double noise = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
                double err = (step * step * step * noise + clip[c]) / (double) total;
                if (best < 0 || err < bestErr) {
                    best = c;
                    bestErr = err;
                }
            }
        }
        out[0] = bestErr;
        return best;
    }

    static int percentileSearch(long[] h, int n, long rank) {
        long cum = 0;
        for (int j = 0; j < n; j++) {
            cum += h[j];
            if (cum >= rank) return j;
        }
        return n;
    }

    static void quantize(float[] x, int off, int rows, int channels, float[] scales, byte[] out, int outOff, int qmin,
            int qmax) {
        float lo = qmin, hi = qmax;
        for (int r = 0; r < rows; r++) {
            int src = off + r * channels;
            int dst = outOff + r * channels;
            for (int c = 0; c < channels; c++) {
                float d = x[src + c] / scales[c];
                if (d != d) d = 0f;
                d = d < lo ? lo : d;
                d = d > hi ? hi : d;
                out[dst + c] = (byte) (int) Math.rint(d);
            }
        }
    }
}
