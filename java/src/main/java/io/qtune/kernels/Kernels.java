package io.qtune.kernels;

import io.qtune.QtuneException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The calibration and quantization kernels, with every argument checked in Java before any native code sees it:
 * a bad size is a {@link QtuneException}, never a crash.
 *
 * <p>Which implementation runs is decided per kernel and per instruction-set level. {@link #standard()} uses native
 * code only where it measured at least 3x faster than the plain Java loop on that level
 * ({@code scripts/bench-calib-kernels}, {@link #NATIVE_BY_LEVEL}); the other kernels run the Java loop.
 * {@link #javaOnly()} and {@link #nativeOnly()} pin every kernel to one side (for tests and the benchmark). The system
 * property {@code qtune.kernels=java} makes {@link #standard()} Java only; {@code qtune.kernels.isa=default|avx2|avx512}
 * caps the native instruction set (the environment variable {@code QTUNE_KERNEL_ISA} does the same inside the library).
 *
 * <p>Non-finite values: NaN and +-inf never enter a min/max or a histogram, they are counted (NaN, +inf, -inf);
 * quantization maps NaN to 0 before clamping and +-inf to the bounds. -0 is reported as +0 by min/max so that the
 * result does not depend on the order of the data.
 */
public final class Kernels {
    /** The kernels, for routing and benchmark tables. */
    public enum Kernel { MINMAX, MINMAX_CHANNELS, ABS_HISTOGRAM, KL_SEARCH, MSE_SEARCH, PERCENTILE_SEARCH, QUANTIZE }

    /** Instruction-set levels of the native library, in the order of native/include/qtune_kernels.h. */
    public enum Isa { DEFAULT, AVX2, AVX512 }

    /**
     * Kernels that run natively in {@link #standard()}, per level: those that won by 3x or more over the Java loop on
     * ResNet50-sized data (scripts/bench-calib-kernels, AMD Zen4; see native/README.md). The |x| histogram (1.3-1.9x)
     * and the percentile search (about 1x) never do; the MSE search only with AVX-512 (3.0-7x; 2.5-3.0x with AVX2);
     * min/max only with AVX2 or better (2.3-2.7x on the SSE2 baseline).
     */
    public static final Map<Isa, Set<Kernel>> NATIVE_BY_LEVEL = Map.of(
            Isa.AVX512, Collections.unmodifiableSet(EnumSet.of(Kernel.MINMAX, Kernel.MINMAX_CHANNELS, Kernel.KL_SEARCH,
                    Kernel.MSE_SEARCH, Kernel.QUANTIZE)),
            Isa.AVX2, Collections.unmodifiableSet(EnumSet.of(Kernel.MINMAX, Kernel.MINMAX_CHANNELS, Kernel.KL_SEARCH,
                    Kernel.QUANTIZE)),
            Isa.DEFAULT, Collections.unmodifiableSet(EnumSet.of(Kernel.KL_SEARCH, Kernel.QUANTIZE)));

    /** The native level in use (null without the library); kept here so routing needs no native call. */
    private static volatile Isa level;
    private static final String NATIVE_PROBLEM = probeNative();
    private static final Kernels JAVA = new Kernels(EnumSet.noneOf(Kernel.class), false);
    private static final Kernels STANDARD = new Kernels(EnumSet.noneOf(Kernel.class),
            NATIVE_PROBLEM == null && !"java".equals(System.getProperty("qtune.kernels")));

    private final Set<Kernel> pinned;
    private final boolean byLevel;

    private Kernels(Set<Kernel> pinned, boolean byLevel) {
        this.pinned = pinned;
        this.byLevel = byLevel;
    }

    public static Kernels standard() {
        return STANDARD;
    }

    public static Kernels javaOnly() {
        return JAVA;
    }

    /** Every kernel native; fails when the library could not be loaded. */
    public static Kernels nativeOnly() {
        requireNative();
        return new Kernels(EnumSet.allOf(Kernel.class), false);
    }

    /** Whether this kernel runs natively here (for {@link #standard()}: on the level in use now). */
    public boolean isNative(Kernel k) {
        return byLevel ? NATIVE_BY_LEVEL.get(level).contains(k) : pinned.contains(k);
    }

    /** Null when the native library is loaded, else why not. */
    public static String nativeProblem() {
        return NATIVE_PROBLEM;
    }

    public static boolean nativeAvailable() {
        return NATIVE_PROBLEM == null;
    }

    public static Isa activeIsa() {
        requireNative();
        return Isa.values()[NativeKernels.activeIsa()];
    }

    public static Set<Isa> supportedIsas() {
        requireNative();
        int mask = NativeKernels.supportedIsaMask();
        Set<Isa> s = EnumSet.noneOf(Isa.class);
        for (Isa isa : Isa.values()) {
            if ((mask & (1 << isa.ordinal())) != 0) s.add(isa);
        }
        return s;
    }

    /** Switches the native library to an instruction-set level (process-wide). */
    public static void selectIsa(Isa isa) {
        requireNative();
        if (NativeKernels.selectIsa(isa.ordinal()) != isa.ordinal()) {
            throw new QtuneException("native kernels: this CPU cannot run the " + isa.name().toLowerCase(Locale.ROOT)
                    + " level; supported: " + supportedIsas());
        }
        level = isa;
    }

    private static String probeNative() {
        try {
            NativeKernels.activeIsa();
        } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError, ExceptionInInitializerError
            return t.getClass().getSimpleName() + ": " + t.getMessage();
        }
        String isa = System.getProperty("qtune.kernels.isa");
        if (isa != null && !isa.isEmpty() && !isa.equals("auto")) {
            Isa wanted;
            try {
                wanted = Isa.valueOf(isa.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new QtuneException("qtune.kernels.isa=" + isa + ": expected auto, default, avx2 or avx512");
            }
            int cap = wanted.ordinal();
            int mask = NativeKernels.supportedIsaMask();
            while (cap > 0 && (mask & (1 << cap)) == 0) cap--;
            NativeKernels.selectIsa(cap);
        }
        level = Isa.values()[NativeKernels.activeIsa()];
        return null;
    }

    private static void requireNative() {
        if (NATIVE_PROBLEM != null) {
            throw new QtuneException("native kernels are not available: " + NATIVE_PROBLEM);
        }
    }

    // ------------------------------------------------------------------ the kernels

    /**
     * Folds the min and max of the finite values of x[off, off+n) into mm[0] and mm[1] (start them at +inf, -inf)
     * and adds the counts of NaN, +inf and -inf to counts[0..2].
     */
    public void minmax(float[] x, int off, int n, float[] mm, long[] counts) {
        checkSlice("minmax", "x", x, off, n);
        checkAtLeast("minmax", "mm", mm == null ? -1 : mm.length, 2);
        checkAtLeast("minmax", "counts", counts == null ? -1 : counts.length, 3);
        if (isNative(Kernel.MINMAX)) {
            NativeKernels.minmax(x, off, n, mm, counts);
        } else {
            JavaKernels.minmax(x, off, n, mm, counts);
        }
    }

    /** {@link #minmax} per channel of the last axis: x[off, off + rows*channels) is rows x channels. */
    public void minmaxChannels(float[] x, int off, int rows, int channels, float[] mins, float[] maxs, long[] counts) {
        checkPositive("minmaxChannels", "channels", channels);
        checkSlice("minmaxChannels", "x", x, off, elements("minmaxChannels", rows, channels));
        checkAtLeast("minmaxChannels", "mins", mins == null ? -1 : mins.length, channels);
        checkAtLeast("minmaxChannels", "maxs", maxs == null ? -1 : maxs.length, channels);
        checkAtLeast("minmaxChannels", "counts", counts == null ? -1 : counts.length, 3);
        if (isNative(Kernel.MINMAX_CHANNELS)) {
            NativeKernels.minmaxChannels(x, off, rows, channels, mins, maxs, counts);
        } else {
            JavaKernels.minmaxChannels(x, off, rows, channels, mins, maxs, counts);
        }
    }

    /**
     * Adds |x| of each finite value to hist[0, bins): bin = min((int)(|x| * scale), bins - 1). scale must be a
     * positive finite float (a power of two in the collectors, so that the bin of a value is exact).
     */
    public void absHistogram(float[] x, int off, int n, float scale, long[] hist, int bins) {
        checkSlice("absHistogram", "x", x, off, n);
        checkPositive("absHistogram", "bins", bins);
        checkAtLeast("absHistogram", "hist", hist == null ? -1 : hist.length, bins);
        if (!(scale > 0f && scale <= Float.MAX_VALUE)) {
            throw new QtuneException("absHistogram: scale must be a positive finite number, got " + scale);
        }
        if (isNative(Kernel.ABS_HISTOGRAM)) {
            NativeKernels.absHistogram(x, off, n, scale, hist, bins);
        } else {
            JavaKernels.absHistogram(x, off, n, scale, hist, bins);
        }
    }

    /** Result of a threshold search: the chosen index (-1: no candidate) and its score. */
    public record Search(int index, double score) {}

    /**
     * KL (entropy) search over hist[0, n): candidates i in [start, end] keep bins [0, i); the kept part is merged
     * into {@code levels} groups. Returns the i of least divergence, or -1 when no candidate has a nonzero bin i-1.
     */
    public Search klSearch(long[] hist, int n, int levels, int start, int end) {
        checkHistogram("klSearch", hist, n);
        checkPositive("klSearch", "levels", levels);
        if (start < 1 || end < start || end > n) {
            throw new QtuneException("klSearch: candidates [" + start + ", " + end + "] must lie in [1, " + n + "]");
        }
        double[] out = new double[1];
        int i = isNative(Kernel.KL_SEARCH)
                ? NativeKernels.klSearch(hist, n, levels, start, end, out)
                : JavaKernels.klSearch(hist, n, levels, start, end, out);
        return new Search(i, out[0]);
    }

    /**
     * MSE search over hist[0, n) (bins of unit width, values uniform inside a bin): threshold c+1 for c in [0, n),
     * grid of {@code levels} steps. Returns the best c and its expected squared error per value in bin-width units.
     */
    public Search mseSearch(long[] hist, int n, int levels) {
        checkHistogram("mseSearch", hist, n);
        checkPositive("mseSearch", "levels", levels);
        double[] out = new double[1];
        int c = isNative(Kernel.MSE_SEARCH)
                ? NativeKernels.mseSearch(hist, n, levels, out)
                : JavaKernels.mseSearch(hist, n, levels, out);
        return new Search(c, out[0]);
    }

    /** First bin whose cumulative count reaches rank (1-based), or n when the histogram holds fewer values. */
    public int percentileSearch(long[] hist, int n, long rank) {
        checkHistogram("percentileSearch", hist, n);
        if (rank < 1) throw new QtuneException("percentileSearch: rank must be at least 1, got " + rank);
        return isNative(Kernel.PERCENTILE_SEARCH)
                ? NativeKernels.percentileSearch(hist, n, rank)
                : JavaKernels.percentileSearch(hist, n, rank);
    }

    /**
     * q = clamp(round_half_even(x / scales[c]), qmin, qmax) for x[off, off + rows*channels) laid out rows x channels
     * (c = index on the last axis; channels = 1 for one scale per tensor), written as bytes to out[outOff, ...).
     * int8: -128 <= qmin <= qmax <= 127; uint8: 0 <= qmin <= qmax <= 255 (read back with {@code & 0xFF}).
     */
    public void quantize(float[] x, int off, int rows, int channels, float[] scales, byte[] out, int outOff, int qmin,
            int qmax) {
        checkPositive("quantize", "channels", channels);
        int n = elements("quantize", rows, channels);
        checkSlice("quantize", "x", x, off, n);
        checkSlice("quantize", "out", out, outOff, n);
        checkAtLeast("quantize", "scales", scales == null ? -1 : scales.length, channels);
        for (int c = 0; c < channels; c++) {
            if (!(scales[c] > 0f && scales[c] <= Float.MAX_VALUE)) {
                throw new QtuneException("quantize: scale of channel " + c + " must be positive and finite, got " + scales[c]);
            }
        }
        boolean int8 = qmin >= -128 && qmax <= 127;
        boolean uint8 = qmin >= 0 && qmax <= 255;
        if (qmin > qmax || !(int8 || uint8)) {
            throw new QtuneException("quantize: bounds [" + qmin + ", " + qmax + "] fit neither int8 nor uint8");
        }
        if (isNative(Kernel.QUANTIZE)) {
            NativeKernels.quantize(x, off, rows, channels, scales, out, outOff, qmin, qmax);
        } else {
            JavaKernels.quantize(x, off, rows, channels, scales, out, outOff, qmin, qmax);
        }
    }

    // ------------------------------------------------------------------ argument checks

    private static int elements(String kernel, int rows, int channels) {
        if (rows < 0) throw new QtuneException(kernel + ": rows must not be negative, got " + rows);
        long n = (long) rows * channels;
        if (n > Integer.MAX_VALUE) {
            throw new QtuneException(kernel + ": " + rows + " rows x " + channels + " channels exceed an array");
        }
        return (int) n;
    }

    private static void checkSlice(String kernel, String name, Object array, int off, int n) {
        if (array == null) throw new QtuneException(kernel + ": " + name + " is null");
        int length = java.lang.reflect.Array.getLength(array);
        if (off < 0 || n < 0 || (long) off + n > length) {
            throw new QtuneException(kernel + ": " + name + "[" + off + ", " + ((long) off + n) + ") is outside an array of length " + length);
        }
    }

    private static void checkAtLeast(String kernel, String name, int length, int needed) {
        if (length < 0) throw new QtuneException(kernel + ": " + name + " is null");
        if (length < needed) {
            throw new QtuneException(kernel + ": " + name + " has length " + length + ", needs at least " + needed);
        }
    }

    private static void checkPositive(String kernel, String name, int v) {
        if (v < 1) throw new QtuneException(kernel + ": " + name + " must be at least 1, got " + v);
    }

    private static void checkHistogram(String kernel, long[] hist, int n) {
        if (hist == null) throw new QtuneException(kernel + ": hist is null");
        if (n < 1 || n > hist.length) {
            throw new QtuneException(kernel + ": " + n + " bins asked of a histogram of length " + hist.length);
        }
        long total = 0;
        for (int j = 0; j < n; j++) {
            if (hist[j] < 0) throw new QtuneException(kernel + ": bin " + j + " has a negative count " + hist[j]);
            total += hist[j];
            if (total < 0) throw new QtuneException(kernel + ": the counts overflow a long");
        }
    }
}
