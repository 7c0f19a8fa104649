package io.qtune.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import io.qtune.kernels.Kernels;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WeightQuantizerTest {
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

    @Test
    void perChannelByHand() {
        QuantizedWeights q = new WeightQuantizer().perChannel("conv/filter", FILTER, 3);
        // channel 0: max|w| = 1.984375 = 127/64 -> scale 1/64; 0.5 -> 32, 0.5078125 = 32.5/64 -> 32 (half to even),
        //            -1.984375 -> -127, 0.5234375 = 33.5/64 -> 34 (half to even; Intel's truncation gave 33)
        // channel 1: max|w| = 3.96875 = 127/32 -> scale 1/32; -0.046875 = -1.5/32 -> -2, 3.96875 -> 127,
        //            0.015625 = 0.5/32 -> 0, -1 -> -32
        // channel 2: all zero -> scale 1, q 0
        assertArrayEquals(new float[] {1 / 64f, 1 / 32f, 1f}, q.scales());
        assertArrayEquals(new byte[] {32, -2, 0, 32, 127, 0, -127, 0, 0, 34, -32, 0}, q.values());
        assertEquals(WeightGranularity.PER_CHANNEL, q.granularity());
        assertEquals(127f / 64, q.rangeMax(0));
        assertEquals(-1f, q.dequantize(10));
    }

    @Test
    void perTensorByHand() {
        QuantizedWeights q = new WeightQuantizer().perTensor("conv/filter", FILTER, 3);
        // max|w| = 3.96875 -> scale 1/32: 0.5 -> 16, -0.046875 -> -1.5 -> -2, 0.5078125 -> 16.25 -> 16,
        // 3.96875 -> 127, -1.984375 -> -63.5 -> -64, 0.015625 -> 0.5 -> 0, 0.5234375 -> 16.75 -> 17, -1 -> -32
        assertArrayEquals(new float[] {1 / 32f}, q.scales());
        assertArrayEquals(new byte[] {16, -2, 0, 16, 127, 0, -64, 0, 0, 17, -32, 0}, q.values());
        assertEquals(1 / 32f, q.scale(2));
    }

    @Test
    void randomFiltersStayWithinHalfAStep() {
        Random r = new Random(1);
        int oc = 64;
        float[] w = new float[3 * 3 * 32 * oc];
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * 0.02 * (1 + i % oc));
        for (WeightGranularity g : WeightGranularity.values()) {
            QuantizedWeights a = new WeightQuantizer(Kernels.javaOnly()).quantize("w", w, oc, g);
            QuantizedWeights b = new WeightQuantizer(Kernels.standard()).quantize("w", w, oc, g);
            assertArrayEquals(a.values(), b.values(), "native and Java agree");
            assertArrayEquals(a.scales(), b.scales());
            int[] peak = new int[oc];
            for (int i = 0; i < w.length; i++) {
                int c = i % oc;
                assertTrue(Math.abs(w[i] - a.dequantize(i)) <= a.scale(c) * 0.5f * (1 + 1e-5f), g + " index " + i);
                assertTrue(a.values()[i] >= -127);
                peak[c] = Math.max(peak[c], Math.abs(a.values()[i]));
            }
            if (g == WeightGranularity.PER_CHANNEL) for (int c = 0; c < oc; c++) assertEquals(127, peak[c], "channel " + c);
        }
    }

    @Test
    void badWeightsAreNamed() {
        float[] w = {1f, 2f, Float.NaN, 4f};
        assertEquals("weights 'conv/filter': value NaN at index 2 (output channel 0); weights must be finite",
                assertThrows(QtuneException.class, () -> new WeightQuantizer().perChannel("conv/filter", w, 2)).getMessage());
        assertThrows(QtuneException.class, () -> new WeightQuantizer().perTensor("t", new float[] {Float.POSITIVE_INFINITY}, 1));
        assertEquals("weights 'x': 5 values do not split into 2 output channels",
                assertThrows(QtuneException.class, () -> new WeightQuantizer().perChannel("x", new float[5], 2)).getMessage());
        assertThrows(QtuneException.class, () -> new WeightQuantizer().perTensor("x", null, 1));
        QuantizedWeights empty = new WeightQuantizer().perChannel("x", new float[0], 4);
        assertArrayEquals(new float[] {1f, 1f, 1f, 1f}, empty.scales());
    }
}
