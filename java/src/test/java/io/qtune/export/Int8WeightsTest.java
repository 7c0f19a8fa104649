package io.qtune.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import io.qtune.graph.DType;
import io.qtune.graph.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The exporter's filter quantization (the one weight quantizer qtune has), worked out by hand and on random filters. */
class Int8WeightsTest {
    /**
     * A 1x2x2x3 HWIO filter (H=1, W=2, I=2, O=3), index ((h*W + w)*I + i)*O + o. Values are multiples of powers of two
     * so every scale and quotient is exact and the expected integers can be worked out by hand.
     */
    private static final float[] FILTER = {
        // w=0,i=0: o=0..2
        0.5f, -0.046875f, 0f,
        // w=0,i=1
        0.5078125f, 3.96875f, 0f,
        // w=1,i=0
        -1.984375f, 0.015625f, 0f,
        // w=1,i=1
        0.5234375f, -1f, 0f,
    };
    private static final long[] SHAPE = {1, 2, 2, 3};

    @Test
    void perChannelByHand() {
        Int8Weights.QuantizedFilter q = Int8Weights.quantizeFilter("conv", Tensor.ofFloats(SHAPE, FILTER), true, null, Int8Weights.Codes.FULL);
        // channel 0: max|w| = 1.984375 = 127/64 -> step 1/64; 0.5 -> 32, 0.5078125 = 32.5/64 -> 32 (half to even),
        //            -1.984375 -> -127, 0.5234375 = 33.5/64 -> 34 (half to even; Intel's truncation gave 33)
        // channel 1: max|w| = 3.96875 = 127/32 -> step 1/32; -0.046875 = -1.5/32 -> -2, 3.96875 -> 127,
        //            0.015625 = 0.5/32 -> 0, -1 -> -32
        // channel 2: all zero -> range 1, q 0
        assertArrayEquals(new float[] {127f / 64, 127f / 32, 1f}, q.range());
        assertEquals(DType.QINT8, q.values().dtype());
        assertArrayEquals(SHAPE, q.values().shape());
        assertArrayEquals(new long[] {32, -2, 0, 32, 127, 0, -127, 0, 0, 34, -32, 0}, q.values().longs());
    }

    @Test
    void perTensorByHand() {
        Int8Weights.QuantizedFilter q = Int8Weights.quantizeFilter("conv", Tensor.ofFloats(SHAPE, FILTER), false, null, Int8Weights.Codes.FULL);
        // max|w| = 3.96875 -> step 1/32: 0.5 -> 16, -0.046875 -> -1.5 -> -2, 0.5078125 -> 16.25 -> 16,
        // 3.96875 -> 127, -1.984375 -> -63.5 -> -64, 0.015625 -> 0.5 -> 0, 0.5234375 -> 16.75 -> 17, -1 -> -32
        assertArrayEquals(new float[] {127f / 32}, q.range());
        assertArrayEquals(new long[] {16, -2, 0, 16, 127, 0, -64, 0, 0, 17, -32, 0}, q.values().longs());
    }

    @Test
    void sevenBitCodesByHand() {
        // channel 0: max|w| = 1.984375 lands on code 63, step 1.984375/63 = 1/31.75; declared range 127/64 * 127/63
        // so that TF's step (range / 127) is that step: 0.5 -> 15.875 -> 16, 0.5078125 -> 16.12 -> 16, -1.984375 -> -63,
        // 0.5234375 -> 16.62 -> 17; channel 1: step 3.96875/63: -0.046875 -> -0.74 -> -1, 3.96875 -> 63, 0.015625 -> 0,
        // -1 -> -15.87 -> -16
        Int8Weights.QuantizedFilter q = Int8Weights.quantizeFilter("conv", Tensor.ofFloats(SHAPE, FILTER), true, null, Int8Weights.Codes.SEVEN_BIT);
        assertArrayEquals(new float[] {(float) (127.0 / 64 * 127 / 63), (float) (127.0 / 32 * 127 / 63), 1f}, q.range());
        assertArrayEquals(new long[] {16, -1, 0, 16, 63, 0, -63, 0, 0, 17, -16, 0}, q.values().longs());
        // on signed input the same 7-bit weights, doubled: oneDNN without VNNI halves them exactly
        Int8Weights.QuantizedFilter d = Int8Weights.quantizeFilter("conv", Tensor.ofFloats(SHAPE, FILTER), true, null,
                Int8Weights.Codes.SEVEN_BIT_DOUBLED);
        for (int i = 0; i < FILTER.length; i++) {
            int c = i % 3;
            assertEquals(2 * q.values().longs()[i], d.values().longs()[i], "code " + i);
            // both stand for the same real weight: code * range / 127
            assertEquals(q.values().longs()[i] * q.range()[c] / 127, d.values().longs()[i] * d.range()[c] / 127, 1e-6, "weight " + i);
        }
        assertTrue(io.qtune.semantics.Int8DotProduct.saturationFree(q.values().longs(), DType.QUINT8));
        assertTrue(io.qtune.semantics.Int8DotProduct.saturationFree(d.values().longs(), DType.QINT8));
        assertEquals(Int8Weights.Codes.SEVEN_BIT_DOUBLED, Int8Weights.Codes.forConvolution(true, DType.QINT8));
        assertEquals(Int8Weights.Codes.SEVEN_BIT, Int8Weights.Codes.forConvolution(true, DType.QUINT8));
        assertEquals(Int8Weights.Codes.FULL, Int8Weights.Codes.forConvolution(false, DType.QINT8));
    }

    @Test
    void aMinimumRangeWidensTheStep() {
        // the bias of channel 1 needs range 8: its step becomes 8/127 and 3.96875 -> 63.0 -> 63
        float[] min = {0f, 8f, 0f};
        Int8Weights.QuantizedFilter q = Int8Weights.quantizeFilter("conv", Tensor.ofFloats(SHAPE, FILTER), true, min, Int8Weights.Codes.FULL);
        assertArrayEquals(new float[] {127f / 64, 8f, 1f}, q.range());
        assertEquals(Math.rint(3.96875f / (8f / 127f)), q.values().longs()[4]);
    }

    @Test
    void randomFiltersStayWithinHalfAStep() {
        Random r = new Random(1);
        int oc = 64;
        long[] shape = {3, 3, 32, oc};
        float[] w = new float[3 * 3 * 32 * oc];
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * 0.02 * (1 + i % oc));
        for (boolean perChannel : new boolean[] {true, false}) {
            Int8Weights.QuantizedFilter q = Int8Weights.quantizeFilter("w", Tensor.ofFloats(shape, w), perChannel, null, Int8Weights.Codes.FULL);
            long[] v = q.values().longs();
            int[] peak = new int[oc];
            for (int i = 0; i < w.length; i++) {
                int c = i % oc;
                float step = q.range()[perChannel ? c : 0] / 127f;
                // round to nearest: within half a step, up to the float rounding of w / step (relative 2^-24 each)
                assertTrue(Math.abs(w[i] - v[i] * step) <= step * 0.5f * (1 + 1e-5f), perChannel + " index " + i);
                assertTrue(v[i] >= -127 && v[i] <= 127);
                peak[c] = Math.max(peak[c], (int) Math.abs(v[i]));
            }
            if (perChannel) for (int c = 0; c < oc; c++) assertEquals(127, peak[c], "channel " + c);
        }
    }

    @Test
    void badFiltersAreNamed() {
        float[] w = {1f, 2f, Float.NaN, 4f};
        assertEquals("node 'conv': filter has a non-finite weight at index 2", assertThrows(QtuneException.class,
                () -> Int8Weights.quantizeFilter("conv", Tensor.ofFloats(new long[] {1, 1, 2, 2}, w), true, null, Int8Weights.Codes.FULL)).getMessage());
        assertTrue(assertThrows(QtuneException.class,
                () -> Int8Weights.quantizeFilter("conv", Tensor.ofFloats(new long[] {4}, new float[4]), true, null, Int8Weights.Codes.FULL))
                .getMessage().startsWith("node 'conv': filter must be a float HWIO tensor"));
    }
}
