package io.qtune.graph.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qtune.graph.Graph;
import io.qtune.graph.Ops;
import io.qtune.graph.TensorRef;
import io.qtune.testing.GraphBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class FuseResidualAddTest {
    /** A ResNet projection block: both Add operands are plain conv+bias outputs. */
    private static Graph projectionBlock() {
        GraphBuilder b = new GraphBuilder(6);
        String x = b.placeholder("input", -1, 8, 8, 4);
        String sc = b.biasAdd("shortcut", b.conv("shortcut/conv", x, 1, 1, 4, 8, 1, "VALID"), 8);
        String m1 = b.unary("relu_a", Ops.RELU, b.biasAdd("a", b.conv("a/conv", x, 1, 1, 4, 2, 1, "VALID"), 2));
        String m2 = b.biasAdd("b", b.conv("b/conv", m1, 3, 3, 2, 8, 1, "SAME"), 8);
        String add = b.binary("add", Ops.ADD, sc, m2);
        String out = b.unary("relu_out", Ops.RELU, add);
        // identity block after it: the summand is a ReLU output
        String m3 = b.biasAdd("c", b.conv("c/conv", out, 1, 1, 8, 8, 1, "VALID"), 8);
        b.unary("relu_out2", Ops.RELU, b.binary("add_1", Ops.ADD_V2, out, m3));
        return b.build();
    }

    @Test
    void fusesSumIntoTheLaterConvAndKeepsOutputs() {
        Graph before = new FuseConvBiasActivation().apply(projectionBlock());
        Graph after = new FuseResidualAdd().apply(before);

        assertEquals(0, PassCheck.count(after, Ops.ADD) + PassCheck.count(after, Ops.ADD_V2) + PassCheck.count(after, Ops.RELU));
        var fused = after.node("relu_out");
        assertEquals(List.of("BiasAdd", "Add", "Relu"), fused.attrStrings("fused_ops"));
        assertEquals(new TensorRef("relu_a", 0), fused.input(0), "the main-branch conv takes the sum");
        assertEquals(new TensorRef("shortcut", 0), fused.input(3), "the projection shortcut is the summand");
        assertEquals(new TensorRef("relu_out", 0), after.node("relu_out2").input(3));
        PassCheck.assertSameOutputs(before, after, new long[] {2, 8, 8, 4}, List.of("relu_out2"), 1e-5);
    }

    @Test
    void addWithoutReluFusesAsBiasAddAdd() {
        GraphBuilder b = new GraphBuilder(8);
        String x = b.placeholder("input", -1, 4, 4, 3);
        String c = b.biasAdd("c", b.conv("conv", x, 1, 1, 3, 3, 1, "VALID"), 3);
        b.binary("sum", Ops.ADD, x, c);
        Graph before = new FuseConvBiasActivation().apply(b.build());
        Graph after = new FuseResidualAdd().apply(before);
        assertEquals(List.of("BiasAdd", "Add"), after.node("sum").attrStrings("fused_ops"));
        PassCheck.assertSameOutputs(before, after, new long[] {1, 4, 4, 3}, List.of("sum"), 1e-5);
    }

    @Test
    void broadcastingAddIsNotFused() {
        GraphBuilder b = new GraphBuilder(8);
        String x = b.placeholder("input", -1, 4, 4, 3);
        String c = b.biasAdd("c", b.conv("conv", x, 1, 1, 3, 3, 1, "VALID"), 3);
        b.binary("sum", Ops.ADD, c, b.randomConst("vec", 1, 3));
        Graph after = new FuseResidualAdd().apply(new FuseConvBiasActivation().apply(b.build()));
        assertEquals(Ops.ADD, after.node("sum").op());
    }
}
