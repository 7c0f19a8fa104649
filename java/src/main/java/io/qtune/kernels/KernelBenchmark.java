package io.qtune.kernels;

import io.qtune.QtuneException;
import io.qtune.kernels.Kernels.Kernel;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Java loop vs native code for each kernel, on ResNet50-sized data, measured side by side: every round times the
 * Java and the native version back to back (alternating which goes first), and the table reports the medians and
 * their ratio. Run through scripts/bench-calib-kernels. A kernel earns its place in
 * {@link Kernels#NATIVE_BY_LEVEL} for a level with a ratio of 3 or more there.
 */
public final class KernelBenchmark {
    private static final double NATIVE_THRESHOLD = 3.0;

    private record Case(Kernel kernel, String size, Runnable java, Runnable nat) {}

    public static void main(String[] args) {
        int rounds = 31;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--isa" -> Kernels.selectIsa(Kernels.Isa.valueOf(args[++i].toUpperCase(Locale.ROOT)));
                default -> throw new QtuneException("bench-calib-kernels: unknown option " + args[i]
                        + " (expected --rounds N, --isa default|avx2|avx512)");
            }
        }
        if (!Kernels.nativeAvailable()) throw new QtuneException("native kernels not loaded: " + Kernels.nativeProblem());
        Kernels java = Kernels.javaOnly();
        Kernels nat = Kernels.nativeOnly();

        // a post-ReLU activation: about half zeros, the rest roughly exponential, per-channel scale differences
        int h = 56, w = 56, c = 256;
        float[] act = new float[h * w * c];
        Random r = new Random(1);
        for (int i = 0; i < act.length; i++) {
            double v = r.nextGaussian() * (1 + (i % c) / 64.0);
            act[i] = (float) Math.max(0, v);
        }
        // a 3x3x256x256 HWIO filter
        float[] filter = new float[3 * 3 * 256 * 256];
        for (int i = 0; i < filter.length; i++) filter[i] = (float) (r.nextGaussian() * 0.05);

        float maxAbs = 0;
        for (float v : act) maxAbs = Math.max(maxAbs, Math.abs(v));
        int fineBins = 16384;
        float scale = Math.scalb(1f, -Math.getExponent((double) maxAbs / fineBins) - 1);
        long[] fine = new long[fineBins];
        java.absHistogram(act, 0, act.length, scale, fine, fineBins);
        long[] view = new long[2048];
        for (int j = 0; j < fineBins; j++) view[Math.min(2047, j / 8)] += fine[j];
        long total = act.length;

        float[] actScale = {maxAbs / 255f};
        float[] filterScales = new float[256];
        Arrays.fill(filterScales, 0.25f / 127f);
        byte[] out = new byte[Math.max(act.length, filter.length)];
        float[] mm = new float[2];
        long[] counts = new long[3];
        float[] mins = new float[c], maxs = new float[c];
        long[] hist = new long[fineBins];

        List<Case> cases = List.of(
                new Case(Kernel.MINMAX, "1x56x56x256 f32",
                        () -> java.minmax(act, 0, act.length, reset(mm), counts),
                        () -> nat.minmax(act, 0, act.length, reset(mm), counts)),
                new Case(Kernel.MINMAX_CHANNELS, "1x56x56x256, C=256",
                        () -> java.minmaxChannels(act, 0, h * w, c, reset(mins, maxs), maxs, counts),
                        () -> nat.minmaxChannels(act, 0, h * w, c, reset(mins, maxs), maxs, counts)),
                new Case(Kernel.ABS_HISTOGRAM, "1x56x56x256 -> 16384 bins",
                        () -> java.absHistogram(act, 0, act.length, scale, hist, fineBins),
                        () -> nat.absHistogram(act, 0, act.length, scale, hist, fineBins)),
                new Case(Kernel.KL_SEARCH, "2048 bins, 255 levels",
                        () -> java.klSearch(view, 2048, 255, 1432, 2047),
                        () -> nat.klSearch(view, 2048, 255, 1432, 2047)),
                new Case(Kernel.MSE_SEARCH, "2048 bins, 255 levels",
                        () -> java.mseSearch(view, 2048, 255),
                        () -> nat.mseSearch(view, 2048, 255)),
                new Case(Kernel.PERCENTILE_SEARCH, "16384 bins, 99.99%",
                        () -> java.percentileSearch(fine, fineBins, (long) Math.ceil(total * 0.9999)),
                        () -> nat.percentileSearch(fine, fineBins, (long) Math.ceil(total * 0.9999))),
                new Case(Kernel.QUANTIZE, "1x56x56x256 -> u8, per tensor",
                        () -> java.quantize(act, 0, act.length, 1, actScale, out, 0, 0, 255),
                        () -> nat.quantize(act, 0, act.length, 1, actScale, out, 0, 0, 255)),
                new Case(Kernel.QUANTIZE, "3x3x256x256 -> s8, per channel",
                        () -> java.quantize(filter, 0, filter.length / 256, 256, filterScales, out, 0, -127, 127),
                        () -> nat.quantize(filter, 0, filter.length / 256, 256, filterScales, out, 0, -127, 127)));

        System.out.printf(Locale.ROOT, "qtune calibration kernels: Java loop vs native (%s level), %d rounds, medians%n",
                Kernels.activeIsa().name().toLowerCase(Locale.ROOT), rounds);
        System.out.printf(Locale.ROOT, "%-18s %-30s %12s %12s %9s  %s%n", "kernel", "data", "java ms", "native ms",
                "ratio", "runs as");
        for (Case k : cases) {
            int reps = repetitions(k.java());
            double[] tj = new double[rounds], tn = new double[rounds];
            for (int warm = 0; warm < 5; warm++) {
                time(k.java(), reps);
                time(k.nat(), reps);
            }
            for (int i = 0; i < rounds; i++) {
                if (i % 2 == 0) {
                    tj[i] = time(k.java(), reps);
                    tn[i] = time(k.nat(), reps);
                } else {
                    tn[i] = time(k.nat(), reps);
                    tj[i] = time(k.java(), reps);
                }
            }
            double mj = median(tj), mn = median(tn);
            String chosen = Kernels.standard().isNative(k.kernel()) ? "native" : "java";
            String flag = (mj / mn >= NATIVE_THRESHOLD) == chosen.equals("native") ? "" : "  (routing disagrees with this run)";
            System.out.printf(Locale.ROOT, "%-18s %-30s %12.4f %12.4f %8.1fx  %s%s%n",
                    k.kernel().name().toLowerCase(Locale.ROOT), k.size(), mj, mn, mj / mn, chosen, flag);
        }
    }

    private static float[] reset(float[] mm) {
        mm[0] = Float.POSITIVE_INFINITY;
        mm[1] = Float.NEGATIVE_INFINITY;
        return mm;
    }

    private static float[] reset(float[] mins, float[] maxs) {
        Arrays.fill(mins, Float.POSITIVE_INFINITY);
        Arrays.fill(maxs, Float.NEGATIVE_INFINITY);
        return mins;
    }

    /** Enough repetitions for a timed sample of about 2 ms, so that timer resolution does not matter. */
    private static int repetitions(Runnable task) {
        for (int i = 0; i < 3; i++) task.run();
        long t0 = System.nanoTime();
        task.run();
        long once = Math.max(1, System.nanoTime() - t0);
        return (int) Math.max(1, Math.min(10_000, 2_000_000 / once));
    }

    /** Milliseconds per call. */
    private static double time(Runnable task, int reps) {
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) task.run();
        return (System.nanoTime() - t0) / 1e6 / reps;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private KernelBenchmark() {}
}
