package io.qtune.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.graph.DType;
import org.junit.jupiter.api.Test;

class Int8DotProductTest {
    @Test
    void sevenBitCodesAreTheLargestThatNeverSaturateAPair() {
        // u8 input: 2 * 255 * 64 = 32,640 fits 16 bits, 2 * 255 * 65 = 33,150 does not
        assertTrue(2 * 255 * Int8DotProduct.PAIR_SAFE_CODE <= Short.MAX_VALUE);
        assertTrue(2 * 255 * (Int8DotProduct.PAIR_SAFE_CODE + 1) > Short.MAX_VALUE);
        assertTrue(Int8DotProduct.saturationFree(new long[] {-64, 63, 0, 64}, DType.QUINT8));
        assertFalse(Int8DotProduct.saturationFree(new long[] {1, 65}, DType.QUINT8));
        assertFalse(Int8DotProduct.saturationFree(new long[] {-127}, DType.QUINT8));
        // signed input: the weights are halved first, so they must be even, and halved at most 64
        assertTrue(Int8DotProduct.saturationFree(new long[] {-126, 128, 2, 0}, DType.QINT8));
        assertFalse(Int8DotProduct.saturationFree(new long[] {63}, DType.QINT8));
        assertFalse(Int8DotProduct.saturationFree(new long[] {130}, DType.QINT8));
    }

    @Test
    void pairsClampTo16BitsAndWeightsHalveToEven() {
        assertEquals(32767, Int8DotProduct.saturatePair(2 * 255 * 127));
        assertEquals(-32768, Int8DotProduct.saturatePair(-2 * 255 * 127));
        assertEquals(32640, Int8DotProduct.saturatePair(2 * 255 * 64));
        assertEquals(64, Int8DotProduct.halvedWeight(127)); // 63.5 to even
        assertEquals(62, Int8DotProduct.halvedWeight(125)); // 62.5 to even
        assertEquals(-64, Int8DotProduct.halvedWeight(-127));
        assertEquals(-63, Int8DotProduct.halvedWeight(-126));
    }
}
