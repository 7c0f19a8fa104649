package io.qtune.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.export.Int8GraphWriter;
import io.qtune.export.MinMaxDecisions;
import io.qtune.graph.Graph;
import io.qtune.graph.passes.Passes;
import io.qtune.testing.SmallResNet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The one-line warning where an INT8 graph's 8-bit filters meet a CPU without VNNI, and only there. */
class Int8SaturationTest {
    @Test
    void eightBitFiltersAreNamedWhereTheDotProductSaturates() {
        Graph fused = Passes.fuseForInference(SmallResNet.build(11));
        MinMaxDecisions d = new MinMaxDecisions(MinMaxDecisions.calibrate(fused, SmallResNet.INPUT, SmallResNet.inputShape(2), 1), Set.of(), true);
        Graph sevenBit = new Int8GraphWriter().convert(fused, d.withSevenBitWeights(true)).graph();
        Graph eightBit = new Int8GraphWriter().convert(fused, d.withSevenBitWeights(false)).graph();
        assertEquals(List.of(), Int8Saturation.saturatingConvolutions(sevenBit));
        List<String> named = Int8Saturation.saturatingConvolutions(eightBit);
        assertTrue(named.size() >= 1 && named.get(0).startsWith("stem/"), named.toString());
        assertNull(Int8Saturation.warning(sevenBit, Int8DotProduct.SATURATING_PAIRS));
        assertNull(Int8Saturation.warning(eightBit, Int8DotProduct.EXACT));
        String w = Int8Saturation.warning(eightBit, Int8DotProduct.SATURATING_PAIRS);
        assertTrue(w.startsWith(named.size() + " INT8 convolutions (first: '" + named.get(0) + "') have 8-bit filter codes"), w);
        assertTrue(w.endsWith("quantize with --weight-range 7bit for the same integers on every CPU"), w);
    }
}
