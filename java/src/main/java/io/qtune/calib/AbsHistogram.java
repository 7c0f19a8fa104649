package io.qtune.calib;

import io.qtune.QtuneException;
import java.util.Arrays;

/**
 * A histogram of |x| whose bins have a power-of-two width 2^exponent and start at 0: bin i holds
 * i * 2^e <= |x| < (i+1) * 2^e. The exponent is the smallest one that puts the largest |x| seen below the last bin's
 * upper edge, so it depends only on that largest value, never on the order or grouping of the data.
 *
 * <p>Why this layout: a histogram built with a finer power-of-two width turns into the coarser one exactly, by adding
 * up aligned groups of 2^d bins (floor(x / 2^(e+d)) = floor(floor(x / 2^e) / 2^d), and x / 2^e is exact in floating
 * point). So batches can be binned at their own exponent and merged into one histogram that is bit-identical to the
 * one a single pass over all the data at the final exponent would give, with long counts that add exactly.
 * Immutable.
 */
public final class AbsHistogram {
    /** Exponent of a histogram that has seen nothing but zeros (or nothing): every count is in bin 0. */
    public static final int NO_EXPONENT = Integer.MIN_VALUE;
    /** Smallest exponent: its scale 2^127 is still a float. */
    public static final int MIN_EXPONENT = -127;

    private final int exponent;
    private final long[] counts;

    AbsHistogram(int exponent, long[] counts) {
        this.exponent = exponent;
        this.counts = counts;
    }

    public static AbsHistogram empty(int bins) {
        checkBins(bins);
        return new AbsHistogram(NO_EXPONENT, new long[bins]);
    }

    /** The smallest exponent e (at least {@link #MIN_EXPONENT}) with maxAbs < bins * 2^e; NO_EXPONENT for 0. */
    public static int exponentFor(float maxAbs, int bins) {
        if (!(maxAbs >= 0f && maxAbs <= Float.MAX_VALUE)) {
            throw new QtuneException("histogram: largest |x| must be finite and >= 0, got " + maxAbs);
        }
        if (maxAbs == 0f) return NO_EXPONENT;
        // maxAbs < 2^(getExponent + 1) = bins * 2^e, and maxAbs >= 2^getExponent, so e is the smallest that fits
        int e = Math.getExponent(maxAbs) + 1 - Integer.numberOfTrailingZeros(bins);
        return Math.max(e, MIN_EXPONENT);
    }

    /** 2^-e as a float (exact): |x| * scale is the bin position. */
    public static float scaleFor(int exponent) {
        return exponent == NO_EXPONENT ? 1f : Math.scalb(1f, -exponent);
    }

    static void checkBins(int bins) {
        if (bins < 2 || Integer.bitCount(bins) != 1) {
            throw new QtuneException("histogram: bin count must be a power of two >= 2, got " + bins);
        }
    }

    public int bins() {
        return counts.length;
    }

    public int exponent() {
        return exponent;
    }

    /** Width of a bin, 2^exponent; 0 when only zeros were seen. */
    public double binWidth() {
        return exponent == NO_EXPONENT ? 0.0 : Math.scalb(1.0, exponent);
    }

    public long count(int bin) {
        return counts[bin];
    }

    public long[] counts() {
        return counts.clone();
    }

    public long total() {
        long t = 0;
        for (long c : counts) t += c;
        return t;
    }

    /** Index of the last nonzero bin, -1 when empty. */
    public int topBin() {
        for (int i = counts.length - 1; i >= 0; i--) {
            if (counts[i] != 0) return i;
        }
        return -1;
    }

    /** The same data at a coarser (or equal) exponent: exact. */
    public AbsHistogram rebinned(int newExponent) {
        return new AbsHistogram(Math.max(exponent, newExponent), rebin(counts, exponent, newExponent));
    }

    /** Both histograms at the larger exponent, added. Exact and commutative. */
    public AbsHistogram plus(AbsHistogram other) {
        if (other.bins() != bins()) {
            throw new QtuneException("histogram: cannot merge " + bins() + " bins with " + other.bins());
        }
        int e = Math.max(exponent, other.exponent);
        long[] a = rebin(counts, exponent, e);
        long[] b = rebin(other.counts, other.exponent, e);
        for (int i = 0; i < a.length; i++) a[i] += b[i];
        return new AbsHistogram(e, a);
    }

    /** Counts at exponent {@code from} regrouped at exponent {@code to >= from}: bin i goes to i >> (to - from). */
    static long[] rebin(long[] counts, int from, int to) {
        if (to <= from) return counts.clone();
        long[] out = new long[counts.length];
        if (from == NO_EXPONENT) { // only zeros so far: they stay in bin 0 at any width
            out[0] = counts[0];
            return out;
        }
        long shift = (long) to - from;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 0) out[shift >= 31 ? 0 : i >> shift] += counts[i];
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AbsHistogram h && h.exponent == exponent && Arrays.equals(h.counts, counts);
    }

    @Override
    public int hashCode() {
        return 31 * exponent + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "AbsHistogram[" + bins() + " bins of 2^" + (exponent == NO_EXPONENT ? "-inf" : exponent) + ", " + total()
                + " values]";
    }
}
