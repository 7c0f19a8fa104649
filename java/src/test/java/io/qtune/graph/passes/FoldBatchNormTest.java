package io.qtune.graph.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.testing.GraphBuilder;
import io.qtune.testing.TfReference;
import java.util.List;
import org.junit.jupiter.api.Test;

class FoldBatchNormTest {
    private static Graph convBn(String bnOp) {
        GraphBuilder b = new GraphBuilder(3);
        String x = b.placeholder("input", -1, 9, 9, 3);
        String c = b.conv("conv", x, 3, 3, 3, 5, 2, "SAME");
        String bn = b.batchNorm("bn", bnOp, c, 5);
        b.unary("relu", Ops.RELU, bn);
        return b.build();
    }

    @Test
    void foldsEveryBatchNormVariantWithoutChangingOutputs() {
        for (String op : List.of(Ops.FUSED_BATCH_NORM, Ops.FUSED_BATCH_NORM_V2, Ops.FUSED_BATCH_NORM_V3)) {
            Graph before = convBn(op);
            Graph after = new FoldBatchNorm().apply(before);
            assertEquals(0, after.nodes().stream().filter(n -> Ops.isBatchNorm(n.op())).count(), op);
            assertEquals(Ops.BIAS_ADD, after.node("bn").op(), "the BiasAdd takes the batch norm's name");
            PassCheck.assertSameOutputs(before, after, new long[] {2, 9, 9, 3}, List.of("relu"), 1e-5);
        }
    }

    @Test
    void foldedGraphStillRunsInTensorFlowWithTheSameResult() {
        Graph before = convBn(Ops.FUSED_BATCH_NORM_V3);
        Graph after = new FoldBatchNorm().apply(before);
        long[] shape = {1, 9, 9, 3};
        float[] in = GraphBuilder.randomInput(5, 1.0, shape);
        float[] a = TfReference.run(before, "input", in, shape, List.of("relu")).get("relu");
        float[] b = TfReference.run(after, "input", in, shape, List.of("relu")).get("relu");
        assertTrue(GraphBuilder.maxAbsDiff(a, b) < 1e-5);
    }

    @Test
    void leavesBatchNormWhoseConvIsReadElsewhere() {
        GraphBuilder b = new GraphBuilder(3);
        String x = b.placeholder("input", -1, 5, 5, 2);
        String c = b.conv("conv", x, 1, 1, 2, 2, 1, "SAME");
        String bn = b.batchNorm("bn", Ops.FUSED_BATCH_NORM, c, 2);
        b.binary("add", Ops.ADD, bn, c);
        Graph after = new FoldBatchNorm().apply(b.build());
        Node bnNode = after.node("bn");
        assertTrue(Ops.isBatchNorm(bnNode.op()), "folding would change the other reader of conv");
    }

    /** {@code g} with the batch norm's parameter input {@code input} (1..4) holding {@code value}. */
    private static Graph withParameter(Graph g, int input, io.qtune.graph.Tensor value) {
        Node param = g.node(g.node("bn").input(input).node());
        return g.edit().put(param.withAttr("value", value)).build();
    }

    @Test
    void refusesParametersThatDoNotMatchTheChannelsNamingTheNode() {
        // found by scripts/fuzz: an offset shorter than the scale was an ArrayIndexOutOfBoundsException
        Graph g = convBn(Ops.FUSED_BATCH_NORM_V3);
        for (int input = 1; input <= 4; input++) {
            for (int n : new int[] {4, 6}) {
                Graph bad = withParameter(g, input, io.qtune.graph.Tensor.ofFloats(new long[] {n}, new float[n]));
                QtuneException e = assertThrows(QtuneException.class, () -> new FoldBatchNorm().apply(bad), "input " + input);
                assertTrue(e.getMessage().startsWith("node 'bn': ") && e.getMessage().contains("has " + n + " values")
                        && e.getMessage().contains("5 output channels"), e.getMessage());
            }
        }
    }

    @Test
    void refusesIntegerParametersNamingTheNode() {
        // found by scripts/fuzz: an IllegalStateException ("tensor of INT32 has no float values") before
        Graph g = convBn(Ops.FUSED_BATCH_NORM_V3);
        String[] names = {"scale", "offset", "mean", "variance"};
        for (int input = 1; input <= 4; input++) {
            Graph bad = withParameter(g, input, io.qtune.graph.Tensor.vectorInt32(1, 2, 3, 4, 5));
            QtuneException e = assertThrows(QtuneException.class, () -> new FoldBatchNorm().apply(bad), "input " + input);
            String constant = g.node("bn").input(input).node();
            assertEquals("node 'bn': " + names[input - 1] + " ('" + constant + "') is a INT32 tensor, not float", e.getMessage());
        }
    }

    @Test
    void rejectsTrainingModeBatchNorm() {
        GraphBuilder b = new GraphBuilder(3);
        String x = b.placeholder("input", -1, 5, 5, 2);
        String c = b.conv("conv", x, 1, 1, 2, 2, 1, "SAME");
        b.batchNorm("bn", Ops.FUSED_BATCH_NORM, c, 2);
        Graph g = b.build();
        Graph training = g.edit().put(g.node("bn").withAttr("is_training", true)).build();
        QtuneException e = assertThrows(QtuneException.class, () -> new FoldBatchNorm().apply(training));
        assertTrue(e.getMessage().contains("'bn'"), e.getMessage());
    }
}
