package io.qtune.graph.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.qtune.QtuneException;
import io.qtune.graph.Graph;
import io.qtune.graph.Ops;
import java.util.List;
import org.junit.jupiter.api.Test;

class PassesTest {
    @Test
    void standardPipelinePreservesOutputsOfMixedGraph() {
        Graph before = io.qtune.reference.ReferenceInterpreterTest.everyOp();
        Graph after = Passes.fuseForInference(before);
        assertEquals(0, PassCheck.count(after, Ops.PAD) + PassCheck.count(after, Ops.CONV2D));
        assertEquals(3, PassCheck.count(after, Ops.FUSED_CONV2D));
        PassCheck.assertSameOutputs(before, after, new long[] {2, 17, 15, 3}, List.of("softmax", "argmax"), 1e-5);
    }

    @Test
    void unknownPassNameIsAClearError() {
        QtuneException e = assertThrows(QtuneException.class, () -> Passes.byName("fold-everything"));
        assertEquals(true, e.getMessage().contains("fold-everything"));
    }
}
