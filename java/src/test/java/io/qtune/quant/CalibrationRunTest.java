package io.qtune.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.data.LabeledImages;
import io.qtune.data.SyntheticData;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.passes.Passes;
import io.qtune.zoo.ProxyModel;
import io.qtune.calib.CalibratedRange;
import io.qtune.calib.RangeAlgorithm;
import io.qtune.calib.RangeCalibrator;
import io.qtune.calib.TensorRange;
import io.qtune.calib.TensorStats;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

/** Calibration through the engine: ranges independent of batch size and image order, down to the bit. */
class CalibrationRunTest {
    private static final Graph FUSED = Passes.fuseForInference(GraphDefCodec.fromBytes(ProxyModel.bytes(), "proxy"));

    /** The same images as {@code base}, in reverse order. */
    private static LabeledImages reversed(LabeledImages base) {
        return new LabeledImages() {
            public int size() { return base.size(); }
            public int height() { return base.height(); }
            public int width() { return base.width(); }
            public int numLabels() { return base.numLabels(); }
            public int label(int i) { return base.label(base.size() - 1 - i); }
            public String id(int i) { return base.id(base.size() - 1 - i); }
            public void load(int i, float[] dst, int offset) { base.load(base.size() - 1 - i, dst, offset); }
        };
    }

    private static SortedMap<String, CalibratedRange> ranges(LabeledImages images, int batch, String algorithm) {
        TensorStats stats = CalibrationRun.collect(FUSED, images, images.size(), batch, n -> {});
        return RangeCalibrator.compute(stats, RangeAlgorithm.parse(algorithm)).ranges();
    }

    @Test
    void rangesAreBitIdenticalAcrossBatchSizesAndOrder() {
        LabeledImages images = new SyntheticData(24, ProxyModel.IMAGE_SIZE);
        for (String algorithm : List.of("minmax", "kl", "percentile", "mse")) {
            SortedMap<String, CalibratedRange> a = ranges(images, 1, algorithm);
            SortedMap<String, CalibratedRange> b = ranges(reversed(images), 7, algorithm);
            assertEquals(CalibrationRun.observedTensors(FUSED).size(), a.size());
            assertEquals(a.keySet(), b.keySet());
            for (Map.Entry<String, CalibratedRange> e : a.entrySet()) {
                TensorRange x = e.getValue().range(), y = b.get(e.getKey()).range();
                assertArrayEquals(new int[] {Float.floatToIntBits(x.min()), Float.floatToIntBits(x.max())},
                        new int[] {Float.floatToIntBits(y.min()), Float.floatToIntBits(y.max())}, algorithm + " " + e.getKey());
            }
        }
    }

    @Test
    void picksImagesEvenlyAndDeterministically() {
        assertArrayEquals(new int[] {0, 2, 5, 7}, CalibrationRun.pick(10, 4));
        assertArrayEquals(new int[] {0, 1, 2}, CalibrationRun.pick(3, 500));
        assertTrue(CalibrationRun.observedTensors(FUSED).contains("input_tensor"));
    }
}
