package io.qtune.calib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.qtune.QtuneException;
import org.junit.jupiter.api.Test;

class RangeAlgorithmTest {
    @Test
    void parsesSpecsAndRoundTripsThem() {
        assertInstanceOf(MinMaxRange.class, RangeAlgorithm.parse("minmax"));
        assertInstanceOf(KlRange.class, RangeAlgorithm.parse("KL"));
        assertInstanceOf(MseRange.class, RangeAlgorithm.parse("mse"));
        assertEquals(99.99, ((PercentileRange) RangeAlgorithm.parse("percentile")).percent());
        assertEquals(99.9, ((PercentileRange) RangeAlgorithm.parse("percentile:99.9")).percent());
        for (RangeAlgorithm a : RangeAlgorithm.values()) {
            String spec = a.estimator().spec();
            assertEquals(spec, RangeAlgorithm.parse(spec).spec());
        }
    }

    @Test
    void badSpecsNameTheProblem() {
        assertEquals("unknown range algorithm 'entropy'; expected minmax, kl, mse, percentile or percentile:P",
                assertThrows(QtuneException.class, () -> RangeAlgorithm.parse("entropy")).getMessage());
        assertEquals("range algorithm 'percentile:high': 'high' is not a number",
                assertThrows(QtuneException.class, () -> RangeAlgorithm.parse("percentile:high")).getMessage());
        assertThrows(QtuneException.class, () -> RangeAlgorithm.parse("kl:2"));
        assertThrows(QtuneException.class, () -> RangeAlgorithm.parse("percentile:120"));
        assertThrows(QtuneException.class, () -> RangeAlgorithm.parse(""));
        assertThrows(QtuneException.class, () -> RangeAlgorithm.register("kl", arg -> MinMaxRange.INSTANCE));
    }

    @Test
    void registeredEstimatorsParse() {
        RangeAlgorithm.register("halfmax", arg -> new RangeEstimator() {
            @Override
            public String spec() {
                return "halfmax";
            }

            @Override
            public RangeEstimate estimate(ValueStats s) {
                return new RangeEstimate(s.min() / 2, s.max() / 2, "half");
            }
        });
        assertEquals("halfmax", RangeAlgorithm.parse("halfmax").spec());
    }
}
