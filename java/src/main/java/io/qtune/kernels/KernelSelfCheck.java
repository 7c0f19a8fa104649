package io.qtune.kernels;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Loads the native kernels, reports the instruction-set level chosen for this CPU, and checks every kernel against
 * the Java reference on awkward data (NaN, infinities, signed zeros, exact rounding ties). Exit status 0 when the
 * library loaded and every result matched bit for bit. scripts/check-native-isa runs it on emulated CPUs.
 */
public final class KernelSelfCheck {
    private KernelSelfCheck() {}

    public static void main(String[] args) {
        if (!Kernels.nativeAvailable()) {
            System.out.println("native kernels not loaded: " + Kernels.nativeProblem());
            System.exit(1);
        }
        System.out.println("native kernels loaded; level " + name(Kernels.activeIsa()) + " of supported " + Kernels.supportedIsas());
        String mismatch = compare(Kernels.nativeOnly(), Kernels.javaOnly());
        if (mismatch != null) {
            System.out.println("MISMATCH: " + mismatch);
            System.exit(1);
        }
        System.out.println("every kernel matches the Java reference bit for bit on level " + name(Kernels.activeIsa()));
    }

    private static String name(Kernels.Isa isa) {
        return isa.name().toLowerCase(Locale.ROOT);
    }

    /** Null when both give identical results, else the first kernel that differs. */
    static String compare(Kernels a, Kernels b) {
        Random r = new Random(12345);
        int channels = 19, rows = 523;
        float[] x = new float[rows * channels];
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f, 2.5f, -3.5f};
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextInt(40) == 0 ? special[r.nextInt(special.length)] : (float) (r.nextGaussian() * 4);
        }
        float[] mmA = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}, mmB = mmA.clone();
        long[] cA = new long[3], cB = new long[3];
        a.minmax(x, 1, x.length - 1, mmA, cA);
        b.minmax(x, 1, x.length - 1, mmB, cB);
        if (!Arrays.equals(mmA, mmB) || !Arrays.equals(cA, cB)) return "minmax";

        float[] loA = new float[channels], hiA = new float[channels];
        Arrays.fill(loA, Float.POSITIVE_INFINITY);
        Arrays.fill(hiA, Float.NEGATIVE_INFINITY);
        float[] loB = loA.clone(), hiB = hiA.clone();
        a.minmaxChannels(x, 0, rows, channels, loA, hiA, cA);
        b.minmaxChannels(x, 0, rows, channels, loB, hiB, cB);
        if (!Arrays.equals(loA, loB) || !Arrays.equals(hiA, hiB) || !Arrays.equals(cA, cB)) return "minmax_channels";

        long[] hA = new long[2048], hB = new long[2048];
        a.absHistogram(x, 0, x.length, 64f, hA, 2048);
        b.absHistogram(x, 0, x.length, 64f, hB, 2048);
        if (!Arrays.equals(hA, hB)) return "abs_histogram";

        for (int levels : new int[] {127, 255}) {
            if (!a.klSearch(hA, 2048, levels, 1432, 2047).equals(b.klSearch(hA, 2048, levels, 1432, 2047))) return "kl_search";
            if (!a.mseSearch(hA, 2048, levels).equals(b.mseSearch(hA, 2048, levels))) return "mse_search";
        }
        if (a.percentileSearch(hA, 2048, 3000) != b.percentileSearch(hA, 2048, 3000)) return "percentile_search";

        float[] scales = new float[channels];
        for (int c = 0; c < channels; c++) scales[c] = 0.5f + c * 0.25f;
        byte[] qA = new byte[x.length], qB = new byte[x.length];
        a.quantize(x, 0, rows, channels, scales, qA, 0, -127, 127);
        b.quantize(x, 0, rows, channels, scales, qB, 0, -127, 127);
        if (!Arrays.equals(qA, qB)) return "quantize (per channel, int8)";
        a.quantize(x, 0, x.length, 1, scales, qA, 0, 0, 255);
        b.quantize(x, 0, x.length, 1, scales, qB, 0, 0, 255);
        if (!Arrays.equals(qA, qB)) return "quantize (per tensor, uint8)";
        return null;
    }
}
