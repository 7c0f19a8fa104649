package io.qtune.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.qtune.QtuneException;
import io.qtune.kernels.Kernels.Isa;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Native kernels against the Java reference on every instruction-set level this CPU has (the baseline level is
 * the code a CPU without AVX2/AVX-512 runs), plus hand-computed cases and argument checks.
 */
class KernelsTest {
    private static final Kernels JAVA = Kernels.javaOnly();
    /** The level the process started with (QTUNE_KERNEL_ISA may have capped it): restored after each test. */
    private static final Isa INITIAL = initialIsa();

    private static Isa initialIsa() {
        if (Boolean.getBoolean("qtune.native.skip")) return null;
        assertNull(Kernels.nativeProblem(), "native kernels must load in the build");
        return Kernels.activeIsa();
    }

    @BeforeAll
    static void needsTheLibrary() {
        assumeFalse(Boolean.getBoolean("qtune.native.skip"), "the build skipped the native library (-Dqtune.native.skip=true)");
    }

    static Stream<Isa> isas() {
        if (Boolean.getBoolean("qtune.native.skip")) return Stream.of(Isa.DEFAULT); // skipped in @BeforeAll anyway
        return Kernels.supportedIsas().stream();
    }

    @AfterEach
    void restoreIsa() {
        if (INITIAL != null) Kernels.selectIsa(INITIAL);
    }

    /** Mostly normal values with NaN, +-inf, -0, +0, huge and tiny values sprinkled in. */
    static float[] awkwardData(long seed, int n) {
        Random r = new Random(seed);
        float[] x = new float[n];
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f, Float.MAX_VALUE,
                -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_NORMAL, 1e-30f};
        for (int i = 0; i < n; i++) {
            x[i] = r.nextInt(50) == 0 ? specials[r.nextInt(specials.length)] : (float) (r.nextGaussian() * 3.0 + 0.5);
        }
        return x;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("isas")
    void minmaxMatchesJavaBitForBit(Isa isa) {
        Kernels.selectIsa(isa);
        Kernels nat = Kernels.nativeOnly();
        for (int n : new int[] {0, 1, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1000, 4099}) {
            for (int off : new int[] {0, 1, 3}) {
                float[] x = awkwardData(n * 31L + off, n + off + 2);
                float[] a = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
                float[] b = a.clone();
                long[] ca = new long[3], cb = new long[3];
                JAVA.minmax(x, off, n, a, ca);
                nat.minmax(x, off, n, b, cb);
                assertEquals(Float.floatToRawIntBits(a[0]), Float.floatToRawIntBits(b[0]), isa + " min n=" + n);
                assertEquals(Float.floatToRawIntBits(a[1]), Float.floatToRawIntBits(b[1]), isa + " max n=" + n);
                assertArrayEquals(ca, cb, isa + " counts n=" + n);
            }
        }
    }

    @Test
    void minmaxHandComputed() {
        for (Kernels k : List.of(JAVA, Kernels.nativeOnly())) {
            float[] mm = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
            long[] counts = new long[3];
            k.minmax(new float[] {Float.NaN, -0f, 0f, Float.POSITIVE_INFINITY, Float.NaN, Float.NEGATIVE_INFINITY}, 0, 6, mm,
                    counts);
            // -0 and +0 are one value; the result is +0 whichever came first
            assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(mm[0]));
            assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(mm[1]));
            assertArrayEquals(new long[] {2, 1, 1}, counts);

            float[] only = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
            long[] c2 = new long[3];
            k.minmax(new float[] {Float.NaN, Float.NaN}, 0, 2, only, c2);
            assertEquals(Float.POSITIVE_INFINITY, only[0], "no finite value leaves min at +inf");
            assertEquals(Float.NEGATIVE_INFINITY, only[1]);
            assertArrayEquals(new long[] {2, 0, 0}, c2);

            float[] folded = {-1f, 2f};
            k.minmax(new float[] {5f, -3f, 0.25f}, 1, 2, folded, new long[3]);
            assertArrayEquals(new float[] {-3f, 2f}, folded, "folds into the running min/max");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("isas")
    void channelMinmaxMatchesJava(Isa isa) {
        Kernels.selectIsa(isa);
        Kernels nat = Kernels.nativeOnly();
        for (int channels : new int[] {1, 3, 16, 17, 64, 256}) {
            int rows = 37;
            float[] x = awkwardData(channels, rows * channels + 5);
            float[] minA = new float[channels], maxA = new float[channels];
            java.util.Arrays.fill(minA, Float.POSITIVE_INFINITY);
            java.util.Arrays.fill(maxA, Float.NEGATIVE_INFINITY);
            float[] minB = minA.clone(), maxB = maxA.clone();
            long[] ca = new long[3], cb = new long[3];
            JAVA.minmaxChannels(x, 5, rows, channels, minA, maxA, ca);
            nat.minmaxChannels(x, 5, rows, channels, minB, maxB, cb);
            for (int c = 0; c < channels; c++) {
                assertEquals(Float.floatToRawIntBits(minA[c]), Float.floatToRawIntBits(minB[c]), isa + " C=" + channels);
                assertEquals(Float.floatToRawIntBits(maxA[c]), Float.floatToRawIntBits(maxB[c]), isa + " C=" + channels);
            }
            assertArrayEquals(ca, cb);
            // and against a direct per-channel scan
            for (int c = 0; c < channels; c++) {
                float mn = Float.POSITIVE_INFINITY;
                for (int r = 0; r < rows; r++) {
                    float v = x[5 + r * channels + c];
                    if (Float.isFinite(v)) mn = Math.min(mn, v);
                }
                assertEquals(mn == 0f ? 0f : mn, minA[c]);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("isas")
    void histogramMatchesJava(Isa isa) {
        Kernels.selectIsa(isa);
        Kernels nat = Kernels.nativeOnly();
        for (int n : new int[] {0, 3, 4, 5, 1001, 50000}) {
            float[] x = awkwardData(n, n + 1);
            for (int bins : new int[] {16, 2048, 16384}) {
                float scale = 0.5f * bins / 16f; // values beyond the last bin are clamped into it
                long[] a = new long[bins], b = new long[bins];
                JAVA.absHistogram(x, 1, n, scale, a, bins);
                nat.absHistogram(x, 1, n, scale, b, bins);
                assertArrayEquals(a, b, isa + " n=" + n + " bins=" + bins);
            }
        }
        long[] h = new long[8];
        JAVA.absHistogram(new float[] {0f, -0.99f, 1f, -1.5f, 3.99f, 100f, Float.NaN, Float.NEGATIVE_INFINITY}, 0, 8, 1f, h, 8);
        assertArrayEquals(new long[] {2, 2, 0, 1, 0, 0, 0, 1}, h, "bin = (int)|x|, clamped; non-finite skipped");
    }

    static long[] randomHistogram(Random r, int n, int zeroEvery) {
        long[] h = new long[n];
        for (int j = 0; j < n; j++) {
            double density = Math.exp(-j / (n / 6.0)) * 1e6;
            h[j] = r.nextInt(zeroEvery) == 0 ? 0 : (long) (density * (0.5 + r.nextDouble())) + r.nextInt(3);
        }
        return h;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("isas")
    void searchesMatchJava(Isa isa) {
        Kernels.selectIsa(isa);
        Kernels nat = Kernels.nativeOnly();
        Random r = new Random(7);
        for (int trial = 0; trial < 6; trial++) {
            long[] h = randomHistogram(r, 2048, trial + 2);
            for (int levels : new int[] {127, 255}) {
                Kernels.Search ka = JAVA.klSearch(h, 2048, levels, 1432, 2047);
                Kernels.Search kb = nat.klSearch(h, 2048, levels, 1432, 2047);
                assertEquals(ka.index(), kb.index(), isa + " kl index");
                // the fixed-sequence log makes the divergence the same bits on both sides
                assertEquals(Double.doubleToRawLongBits(ka.score()), Double.doubleToRawLongBits(kb.score()), isa + " kl divergence");

                Kernels.Search ma = JAVA.mseSearch(h, 2048, levels);
                Kernels.Search mb = nat.mseSearch(h, 2048, levels);
                assertEquals(ma.index(), mb.index(), isa + " mse index");
                // no transcendental functions and the same summation order: the same bits
                assertEquals(Double.doubleToRawLongBits(ma.score()), Double.doubleToRawLongBits(mb.score()), isa + " mse error");
            }
            long total = 0;
            for (long c : h) total += c;
            for (long rank : new long[] {1, total / 2, total - 1, total, total + 1}) {
                assertEquals(JAVA.percentileSearch(h, 2048, rank), nat.percentileSearch(h, 2048, rank));
            }
        }
        assertEquals(-1, nat.klSearch(new long[2048], 2048, 255, 1432, 2047).index(), "empty histogram: no candidate");
        assertEquals(-1, nat.mseSearch(new long[16], 16, 255).index());
    }

    @Test
    void fixedLogIsWithinTwoUlpsOfMathLog() {
        Random r = new Random(11);
        assertEquals(0.0, JavaKernels.log(1.0));
        for (int i = 0; i < 200_000; i++) {
            double x = Math.exp((r.nextDouble() - 0.5) * 120) * (1 + r.nextDouble());
            if (i % 3 == 0) x = Math.rint(x * 1e3) + 1; // counts and ratios of counts are what the KL search takes
            double want = Math.log(x);
            assertEquals(want, JavaKernels.log(x), 2 * Math.ulp(want) + 1e-300, "log(" + x + ")");
        }
    }

    @Test
    void percentileHandComputed() {
        long[] h = {3, 0, 2, 5};
        for (Kernels k : List.of(JAVA, Kernels.nativeOnly())) {
            assertEquals(0, k.percentileSearch(h, 4, 1));
            assertEquals(0, k.percentileSearch(h, 4, 3));
            assertEquals(2, k.percentileSearch(h, 4, 4));
            assertEquals(3, k.percentileSearch(h, 4, 10));
            assertEquals(4, k.percentileSearch(h, 4, 11));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("isas")
    void quantizeMatchesJava(Isa isa) {
        Kernels.selectIsa(isa);
        Kernels nat = Kernels.nativeOnly();
        Random r = new Random(3);
        for (int channels : new int[] {1, 3, 16, 17, 64}) {
            int rows = 41;
            float[] x = awkwardData(channels + 100, rows * channels + 2);
            // exact ties x / s = k + 0.5 test the rounding
            for (int i = 0; i < x.length; i += 5) x[i] = (r.nextInt(600) - 300) + 0.5f;
            float[] scales = new float[channels];
            for (int c = 0; c < channels; c++) scales[c] = c % 4 == 0 ? 1f : 0.01f + r.nextFloat();
            for (int[] bounds : new int[][] {{-128, 127}, {-127, 127}, {0, 255}, {3, 200}}) {
                byte[] a = new byte[rows * channels + 4], b = new byte[rows * channels + 4];
                JAVA.quantize(x, 2, rows, channels, scales, a, 4, bounds[0], bounds[1]);
                nat.quantize(x, 2, rows, channels, scales, b, 4, bounds[0], bounds[1]);
                assertArrayEquals(a, b, isa + " C=" + channels + " bounds " + bounds[0] + ".." + bounds[1]);
            }
        }
    }

    @Test
    void quantizeHandComputed() {
        float[] x = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 126.5f, 127.5f, 300f, -300f, Float.NaN, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, 3.49f};
        byte[] s8 = {0, 2, 2, 0, -2, -2, 126, 127, 127, -128, 0, 127, -128, 3};
        byte[] u8 = {0, 2, 2, 0, 0, 0, 126, (byte) 128, (byte) 255, 0, 0, (byte) 255, 0, 3};
        for (Kernels k : List.of(JAVA, Kernels.nativeOnly())) {
            byte[] out = new byte[x.length];
            k.quantize(x, 0, x.length, 1, new float[] {1f}, out, 0, -128, 127);
            assertArrayEquals(s8, out, "half to even, saturating int8; NaN -> 0");
            k.quantize(x, 0, x.length, 1, new float[] {1f}, out, 0, 0, 255);
            assertArrayEquals(u8, out, "uint8 stored as its low byte");
            // per channel over the last axis: [2, 2] with scales {0.5, 2}
            byte[] pc = new byte[4];
            k.quantize(new float[] {1f, 1f, -3f, 5f}, 0, 2, 2, new float[] {0.5f, 2f}, pc, 0, -127, 127);
            assertArrayEquals(new byte[] {2, 0, -6, 2}, pc);
        }
    }

    @Test
    void badSizesAreExceptionsNotCrashes() {
        Kernels nat = Kernels.nativeOnly();
        float[] x = new float[10];
        assertThrows(QtuneException.class, () -> nat.minmax(x, 5, 6, new float[2], new long[3]));
        assertThrows(QtuneException.class, () -> nat.minmax(x, -1, 2, new float[2], new long[3]));
        assertThrows(QtuneException.class, () -> nat.minmax(x, 0, 10, new float[1], new long[3]));
        assertThrows(QtuneException.class, () -> nat.minmax(null, 0, 0, new float[2], new long[3]));
        assertThrows(QtuneException.class, () -> nat.minmaxChannels(x, 0, 4, 3, new float[3], new float[3], new long[3]));
        assertThrows(QtuneException.class, () -> nat.minmaxChannels(x, 0, 2, 3, new float[2], new float[3], new long[3]));
        assertThrows(QtuneException.class, () -> nat.absHistogram(x, 0, 10, 1f, new long[8], 16));
        assertThrows(QtuneException.class, () -> nat.absHistogram(x, 0, 10, Float.NaN, new long[16], 16));
        assertThrows(QtuneException.class, () -> nat.klSearch(new long[100], 200, 255, 1, 100));
        assertThrows(QtuneException.class, () -> nat.klSearch(new long[100], 100, 255, 50, 101));
        assertThrows(QtuneException.class, () -> nat.mseSearch(new long[] {1, -2, 3}, 3, 255));
        assertThrows(QtuneException.class, () -> nat.percentileSearch(new long[4], 4, 0));
        assertThrows(QtuneException.class, () -> nat.quantize(x, 0, 5, 2, new float[] {1f, 1f}, new byte[9], 0, -128, 127));
        assertThrows(QtuneException.class, () -> nat.quantize(x, 0, 5, 2, new float[] {1f}, new byte[10], 0, -128, 127));
        assertThrows(QtuneException.class, () -> nat.quantize(x, 0, 5, 2, new float[] {1f, 0f}, new byte[10], 0, -128, 127));
        assertThrows(QtuneException.class, () -> nat.quantize(x, 0, 5, 2, new float[] {1f, 1f}, new byte[10], 0, -128, 255));
        assertThrows(QtuneException.class, () -> nat.quantize(x, 0, Integer.MAX_VALUE, 4, new float[4], new byte[10], 0, 0, 1));
        QtuneException e = assertThrows(QtuneException.class, () -> nat.minmax(x, 8, 4, new float[2], new long[3]));
        assertEquals("minmax: x[8, 12) is outside an array of length 10", e.getMessage());
    }

    @Test
    void environmentCapsTheStartingLevel() {
        // `QTUNE_KERNEL_ISA=default mvn test` runs every test on the baseline copy: check the cap took effect
        String env = System.getenv("QTUNE_KERNEL_ISA");
        if ("default".equals(env)) assertEquals(Isa.DEFAULT, INITIAL);
        if ("avx2".equals(env)) assertTrue(INITIAL.ordinal() <= Isa.AVX2.ordinal());
        if (env == null) assertEquals(Kernels.supportedIsas().size() - 1, INITIAL.ordinal(), "the best level by default");
    }

    @Test
    void standardRoutingFollowsTheLevel() {
        Kernels std = Kernels.standard();
        for (Isa isa : Kernels.supportedIsas()) {
            Kernels.selectIsa(isa);
            for (Kernels.Kernel k : Kernels.Kernel.values()) {
                assertEquals(Kernels.NATIVE_BY_LEVEL.get(isa).contains(k), std.isNative(k), isa + " " + k);
            }
            assertTrue(!std.isNative(Kernels.Kernel.ABS_HISTOGRAM) && std.isNative(Kernels.Kernel.QUANTIZE));
        }
        assertTrue(!JAVA.isNative(Kernels.Kernel.QUANTIZE) && Kernels.nativeOnly().isNative(Kernels.Kernel.ABS_HISTOGRAM));
    }

    @Test
    void baselineLevelIsAlwaysAvailable() {
        assertTrue(Kernels.supportedIsas().contains(Isa.DEFAULT));
        Kernels.selectIsa(Isa.DEFAULT);
        assertEquals(Isa.DEFAULT, Kernels.activeIsa());
    }
}
