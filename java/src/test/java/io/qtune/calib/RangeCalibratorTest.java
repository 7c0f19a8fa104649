package io.qtune.calib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RangeCalibratorTest {
    private static RangeEstimator fixed(double lo, double hi) {
        return new RangeEstimator() {
            @Override
            public String spec() {
                return "fixed";
            }

            @Override
            public RangeEstimate estimate(ValueStats stats) {
                return new RangeEstimate(lo, hi, "fixed");
            }
        };
    }

    private static String onlyWarning(List<String> warnings) {
        assertEquals(1, warnings.size(), warnings.toString());
        return warnings.get(0);
    }

    @Test
    void usableRangesPassThrough() {
        List<String> w = new ArrayList<>();
        ValueStats s = CalibData.stats(CalibData.relu(1, 50000));
        CalibratedRange r = RangeCalibrator.calibrate("relu", s, new KlRange(), w);
        assertFalse(r.fellBack());
        assertEquals("kl", r.algorithm());
        assertEquals(0f, r.range().min());
        assertTrue(r.range().max() > 1f && r.range().max() < s.max());
        assertTrue(w.isEmpty());
    }

    @Test
    void degenerateRangesFallBackToMinmaxWithAReason() {
        ValueStats twoSided = CalibData.stats(new float[] {-2f, -1f, 0f, 1f, 3f});
        Map<RangeEstimator, String> cases = Map.of(
                fixed(Double.NaN, 1), "gave a non-finite range",
                fixed(0, Double.POSITIVE_INFINITY), "gave a non-finite range",
                fixed(1, 1e40), "gave a range beyond float",
                fixed(2, 1), "gave an inverted range [2.0, 1.0]",
                fixed(1, 1), "gave a zero-width range at 1.0",
                fixed(0, 3), "gave a one-sided range [0.0, 3.0] for data down to -2.0",
                fixed(-2, 0), "gave a one-sided range [-2.0, 0.0] for data up to 3.0");
        for (Map.Entry<RangeEstimator, String> c : cases.entrySet()) {
            List<String> w = new ArrayList<>();
            CalibratedRange r = RangeCalibrator.calibrate("x", twoSided, c.getKey(), w);
            assertTrue(r.fellBack());
            assertEquals("minmax", r.algorithm());
            assertEquals(new TensorRange(-2f, 3f), r.range());
            String warning = onlyWarning(w);
            assertTrue(warning.startsWith("tensor 'x': fixed " + c.getValue()), warning);
            assertTrue(warning.endsWith("using minmax [-2.0, 3.0]"), warning);
        }
    }

    @Test
    void histogramAlgorithmsOnZerosOrWithoutHistogramFallBack() {
        ValueStats zeros = CalibData.stats(new float[] {0f, 0f, -0f});
        for (RangeEstimator e : List.of(new KlRange(), new MseRange(), new PercentileRange())) {
            List<String> w = new ArrayList<>();
            CalibratedRange r = RangeCalibrator.calibrate("z", zeros, e, w);
            assertTrue(r.fellBack());
            assertEquals(new TensorRange(0f, 0f), r.range());
            assertEquals(2, w.size(), w.toString());
            assertTrue(w.get(0).contains("gave no range (every value is zero)"), w.get(0));
            assertTrue(w.get(1).contains("zero width"), w.get(1));
        }
        ValueStats noHistogram = new ValueStats(-1f, 4f, null); // a channel collected without histograms
        List<String> w = new ArrayList<>();
        CalibratedRange r = RangeCalibrator.calibrate("t[0]", noHistogram, new KlRange(), w);
        assertEquals(new TensorRange(-1f, 4f), r.range());
        assertTrue(onlyWarning(w).contains("no histogram was collected"));
    }

    @Test
    void nothingFiniteGivesZeroRangeAndNonFiniteValuesAreReported() {
        TensorStats stats = new TensorStats();
        stats.observe("nan", new float[] {Float.NaN, Float.NaN}, 0, 2);
        stats.observe("mixed", new float[] {1f, Float.POSITIVE_INFINITY, -2f, Float.NaN}, 0, 4);
        CalibrationRanges out = RangeCalibrator.compute(stats, new MseRange());
        assertEquals(new TensorRange(0f, 0f), out.range("nan"));
        assertTrue(out.ranges().get("nan").fellBack());
        assertEquals(List.of(
                "tensor 'mixed': 1 NaN, 1 +inf, 0 -inf of 4 values were left out of its statistics",
                "tensor 'nan': 2 NaN, 0 +inf, 0 -inf of 2 values were left out of its statistics",
                "tensor 'nan': no finite value observed; range set to [0, 0]"), out.warnings());
        TensorRange mixed = out.range("mixed");
        assertEquals(-mixed.max(), mixed.min(), "symmetric for signed data");
        assertThrows(QtuneException.class, () -> out.range("missing"));
    }

    @Test
    void perTensorAlgorithmChoice() {
        TensorStats stats = new TensorStats();
        float[] relu = CalibData.relu(3, 20000);
        stats.observe("a", relu, 0, relu.length);
        stats.observe("b", relu, 0, relu.length);
        CalibrationRanges out = RangeCalibrator.compute(stats.summaries().values(),
                t -> t.equals("a") ? MinMaxRange.INSTANCE : new PercentileRange(99));
        assertEquals("minmax", out.ranges().get("a").algorithm());
        assertEquals("percentile:99", out.ranges().get("b").algorithm());
        assertTrue(out.range("b").max() < out.range("a").max());
    }
}
