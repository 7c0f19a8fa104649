package io.qtune.semantics;

import io.qtune.graph.DType;

/**
 * How a CPU adds the u8 x s8 products of an INT8 convolution, as oneDNN (qtune's and TF's) runs it.
 * <ul>
 * <li>{@link #EXACT}: VNNI's {@code vpdpbusd} or AMX: every product summed in 32 bits, what TF's reference semantics
 * say (docs/int8-semantics.md).
 * <li>{@link #SATURATING_PAIRS}: a CPU without VNNI (AVX2, AVX-512 without VNNI): {@code vpmaddubsw} adds the
 * products of two neighbouring input channels in saturating 16-bit arithmetic before they reach 32 bits; and on
 * signed (qint8) input oneDNN adds 128 to the input, subtracts that again in 32 bits, and halves every weight (its
 * weight reorder rounds w / 2 half to even and the output scale doubles) so that the shifted pairs cannot saturate.
 * </ul>
 * A filter is saturation-free ({@link #saturationFree}) when both give the same integers for every input.
 */
public enum Int8DotProduct {
    EXACT,
    SATURATING_PAIRS;

    /** The largest |code| whose u8 x s8 pair sums fit 16 bits: 2 * 255 * 64 = 32,640 <= 32,767. */
    public static final int PAIR_SAFE_CODE = 64;

    /**
     * Whether every pair sum of these filter codes fits in 16 bits and, on signed input, every code halves exactly:
     * then {@link #SATURATING_PAIRS} computes exactly what {@link #EXACT} does.
     */
    public static boolean saturationFree(long[] codes, DType tinput) {
        for (long q : codes) {
            if (tinput == DType.QINT8 ? (q & 1) != 0 || Math.abs(q) > 2 * PAIR_SAFE_CODE : Math.abs(q) > PAIR_SAFE_CODE) return false;
        }
        return true;
    }

    /** A 32-bit sum of two products clamped to 16 bits, as {@code vpmaddubsw} leaves it. */
    public static int saturatePair(int sum) {
        return Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, sum));
    }

    /** A weight as oneDNN without VNNI stores it for signed input: w / 2 rounded half to even. */
    public static int halvedWeight(long q) {
        return (int) Math.rint(q / 2.0);
    }
}
