package io.qtune.graph.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qtune.graph.Graph;
import io.qtune.graph.Ops;
import io.qtune.testing.GraphBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class FuseConvBiasActivationTest {
    @Test
    void fusesLongestChainAndKeepsTheLastName() {
        GraphBuilder b = new GraphBuilder(5);
        String x = b.placeholder("input", -1, 7, 7, 3);
        String c1 = b.conv("conv1", x, 3, 3, 3, 4, 1, "SAME");
        String b1 = b.biasAdd("bias1", c1, 4);
        String r1 = b.unary("relu1", Ops.RELU, b1);
        String c2 = b.conv("conv2", r1, 1, 1, 4, 4, 1, "VALID");
        String b2 = b.biasAdd("bias2", c2, 4);
        String r2 = b.unary("relu6", Ops.RELU6, b2);
        String c3 = b.conv("conv3", r2, 1, 1, 4, 2, 1, "VALID");
        b.biasAdd("bias3", c3, 2);
        Graph before = b.build();

        Graph after = new FuseConvBiasActivation().apply(before);

        assertEquals(3, PassCheck.count(after, Ops.FUSED_CONV2D));
        assertEquals(0, PassCheck.count(after, Ops.CONV2D) + PassCheck.count(after, Ops.BIAS_ADD) + PassCheck.count(after, Ops.RELU));
        assertEquals(List.of("BiasAdd", "Relu"), after.node("relu1").attrStrings("fused_ops"));
        assertEquals(List.of("BiasAdd", "Relu6"), after.node("relu6").attrStrings("fused_ops"));
        assertEquals(List.of("BiasAdd"), after.node("bias3").attrStrings("fused_ops"));
        PassCheck.assertSameOutputs(before, after, new long[] {2, 7, 7, 3}, List.of("bias3"), 1e-5);
    }

    @Test
    void doesNotFuseBiasAddWhoseOutputIsAlsoReadBeforeTheRelu() {
        GraphBuilder b = new GraphBuilder(5);
        String x = b.placeholder("input", -1, 5, 5, 2);
        String c = b.conv("conv", x, 1, 1, 2, 2, 1, "SAME");
        String bias = b.biasAdd("bias", c, 2);
        String r = b.unary("relu", Ops.RELU, bias);
        b.binary("add", Ops.ADD, r, bias);
        Graph before = b.build();
        Graph after = new FuseConvBiasActivation().apply(before);
        assertEquals(Ops.RELU, after.node("relu").op());
        assertEquals(Ops.FUSED_CONV2D, after.node("bias").op(), "conv+bias still fuse; the Relu stays apart");
        PassCheck.assertSameOutputs(before, after, new long[] {1, 5, 5, 2}, List.of("add"), 1e-5);
    }
}
