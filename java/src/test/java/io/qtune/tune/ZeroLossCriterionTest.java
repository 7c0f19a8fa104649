package io.qtune.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code --criterion absolute:0.0} can only be met by the all-FP32 plan: the search must end by confirming it. */
class ZeroLossCriterionTest {
    @Test
    void sensitivityEndsByConfirmingTheAllFp32Plan() {
        // conv2 loses 0.00004 of the full set (4 of 10,000 images); the subset sees half of the flips, 0.2 images,
        // which rounds to none: every subset prediction says "no loss", the first confirmation fails, and the learnt
        // miss then predicts a failure for every plan, the all-FP32 one included, which used to end the search unmet
        StrategyTest.FakeEvaluator e = new StrategyTest.FakeEvaluator(Map.of("conv2", 0.00004), 0);
        e.subsetSees = 0.5;
        Search s = new Search(e, AccuracyCriterion.parse("absolute:0.0"), StrategyTest.OPS, TuningHistory.none(),
                new TuningListener() {}, Search.Objective.FIRST_PASS, 0, 0, System::nanoTime);
        Optional<Candidate> found = new SensitivityStrategy().search(s);
        assertTrue(found.isPresent(), "met by the all-FP32 plan; calls: " + e.calls);
        assertEquals(StrategyTest.OPS.size(), found.get().fp32Ops().size(), found.get().key());
        assertEquals("full:" + found.get().key(), e.calls.get(e.calls.size() - 1), "the last evaluation confirms it");
        assertEquals(0.90, s.accepted().m().accuracy(), 0.0);
    }
}
