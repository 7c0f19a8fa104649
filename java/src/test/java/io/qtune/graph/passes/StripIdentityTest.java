package io.qtune.graph.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.graph.Graph;
import io.qtune.graph.Ops;
import io.qtune.graph.TensorRef;
import io.qtune.testing.GraphBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class StripIdentityTest {
    @Test
    void removesInnerIdentitiesAndKeepsNamedOutputs() {
        GraphBuilder b = new GraphBuilder(1);
        String x = b.placeholder("input", -1, 6, 6, 2);
        String w = b.randomConst("kernel", 0.5, 3, 3, 2, 4);
        String read = b.identity("kernel/read", w);
        String conv = b.raw("conv", Ops.CONV2D, List.of(x, read), GraphBuilder.convAttrs(1, "SAME"));
        String id = b.identity("conv/identity", conv);
        String relu = b.unary("relu", Ops.RELU, id);
        b.identity("output", relu);
        Graph before = b.build();

        Graph after = new StripIdentity().apply(before);

        assertEquals(1, PassCheck.count(after, Ops.IDENTITY), "only the output Identity stays");
        assertTrue(after.contains("output"));
        assertEquals(new TensorRef("kernel", 0), after.node("conv").input(1));
        assertEquals(new TensorRef("conv", 0), after.node("relu").input(0));
        PassCheck.assertSameOutputs(before, after, new long[] {2, 6, 6, 2}, List.of("output"), 0);
    }
}
