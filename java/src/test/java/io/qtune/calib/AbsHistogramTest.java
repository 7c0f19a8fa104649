package io.qtune.calib;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import io.qtune.kernels.Kernels;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AbsHistogramTest {
    @Test
    void exponentIsTheSmallestThatFitsTheLargestValue() {
        assertEquals(-11, AbsHistogram.exponentFor(1f, 4096)); // 4096 * 2^-11 = 2 > 1, 4096 * 2^-12 = 1 is not
        assertEquals(-11, AbsHistogram.exponentFor(1.999f, 4096));
        assertEquals(-10, AbsHistogram.exponentFor(2f, 4096));
        assertEquals(-8, AbsHistogram.exponentFor(6f, 2048)); // 2048 * 2^-8 = 8 > 6 >= 4
        assertEquals(AbsHistogram.NO_EXPONENT, AbsHistogram.exponentFor(0f, 4096));
        assertEquals(AbsHistogram.MIN_EXPONENT, AbsHistogram.exponentFor(Float.MIN_VALUE, 4096));
        assertEquals(128 - 12, AbsHistogram.exponentFor(Float.MAX_VALUE, 4096));
        Random r = new Random(5);
        for (int i = 0; i < 10000; i++) {
            float m = (float) Math.exp(r.nextGaussian() * 20);
            int e = AbsHistogram.exponentFor(m, 4096);
            assertTrue(m < Math.scalb(4096.0, e) && m >= Math.scalb(4096.0, e - 1), "fits, and one less would not: " + m);
        }
        assertThrows(QtuneException.class, () -> AbsHistogram.exponentFor(Float.NaN, 4096));
        assertThrows(QtuneException.class, () -> AbsHistogram.empty(3000));
    }

    @Test
    void rebinningIsExactlyBinningAtTheCoarserWidth() {
        Random r = new Random(9);
        float[] x = new float[50000];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * Math.exp(r.nextGaussian()));
        int bins = 4096;
        for (int fine = -20; fine <= -8; fine += 3) {
            for (int coarse = fine; coarse <= 2; coarse += 5) {
                long[] a = new long[bins], b = new long[bins];
                // binned at the fine width (values beyond the top clamp into the last bin, so only take the ones that fit)
                float[] fits = java.util.Arrays.copyOf(x, x.length);
                double limit = Math.scalb((double) bins, fine);
                for (int i = 0; i < fits.length; i++) if (Math.abs(fits[i]) >= limit) fits[i] = 0f;
                Kernels.javaOnly().absHistogram(fits, 0, fits.length, AbsHistogram.scaleFor(fine), a, bins);
                Kernels.javaOnly().absHistogram(fits, 0, fits.length, AbsHistogram.scaleFor(coarse), b, bins);
                assertArrayEquals(b, AbsHistogram.rebin(a, fine, coarse), "2^" + fine + " -> 2^" + coarse);
            }
        }
    }

    @Test
    void mergeIsCommutativeAndKeepsEveryCount() {
        long[] c1 = new long[4096], c2 = new long[4096];
        c1[5] = 3;
        c1[4095] = 1;
        c2[0] = 7;
        c2[100] = 2;
        AbsHistogram a = new AbsHistogram(-10, c1), b = new AbsHistogram(-7, c2);
        AbsHistogram ab = a.plus(b), ba = b.plus(a);
        assertEquals(ab, ba);
        assertEquals(-7, ab.exponent());
        assertEquals(13, ab.total());
        assertEquals(7 + 3, ab.count(0)); // bin 5 at 2^-10 is bin 0 at 2^-7
        assertEquals(1, ab.count(4095 >> 3));
        assertEquals(2, ab.count(100));
        AbsHistogram zeros = new AbsHistogram(AbsHistogram.NO_EXPONENT, new long[4096]);
        assertEquals(a, zeros.plus(a));
    }
}
