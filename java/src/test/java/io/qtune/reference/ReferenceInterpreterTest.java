package io.qtune.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.graph.Graph;
import io.qtune.graph.Ops;
import io.qtune.testing.GraphBuilder;
import io.qtune.testing.TfReference;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The interpreter is the reference for passes and engines, so it is itself checked against stock TensorFlow. */
public class ReferenceInterpreterTest {
    /** A graph with every op the importer accepts, in the variants real ResNet graphs use. */
    public static Graph everyOp() {
        GraphBuilder b = new GraphBuilder(7);
        String x = b.placeholder("input", -1, 17, 15, 3);
        String p = b.pad("pad", x, 3, 2, 1, 3);
        String c1 = b.conv("conv1", p, 7, 7, 3, 8, 2, "VALID");
        String bn1 = b.batchNorm("bn1", Ops.FUSED_BATCH_NORM, c1, 8);
        String r1 = b.unary("relu1", Ops.RELU, bn1);
        String mp = b.pool("maxpool", Ops.MAX_POOL, r1, 3, 2, "SAME");
        String c2 = b.conv("conv2", mp, 3, 3, 8, 8, 1, "SAME");
        String bn2 = b.batchNorm("bn2", Ops.FUSED_BATCH_NORM_V3, c2, 8);
        String sum = b.binary("add", Ops.ADD_V2, bn2, mp);
        String r2 = b.unary("relu6", Ops.RELU6, sum);
        String c3 = b.conv("conv3", r2, 1, 1, 8, 6, 1, "VALID");
        String ba = b.biasAdd("bias3", c3, 6);
        String ap = b.pool("avgpool", Ops.AVG_POOL, ba, 2, 1, "SAME");
        String m = b.mean("mean", ap, true, 1, 2);
        String sq = b.squeeze("squeeze", m, 1, 2);
        String rs = b.reshape("reshape", sq, -1, 6);
        String fc = b.matMul("dense", rs, 6, 5);
        String fcb = b.biasAdd("dense/bias_add", fc, 5);
        String out = b.binary("logits", Ops.ADD, fcb, b.randomConst("offset", 0.5, 5));
        b.unary("softmax", Ops.SOFTMAX, out);
        b.argMax("argmax", out);
        return b.build();
    }

    @Test
    void matchesTensorFlowOnEveryOp() {
        Graph g = everyOp();
        long[] shape = {2, 17, 15, 3};
        float[] input = GraphBuilder.randomInput(1, 2.0, shape);
        List<String> outs = List.of("softmax", "argmax", "relu6", "avgpool");
        Map<String, float[]> tf = TfReference.run(g, "input", input, shape, outs);
        var mine = new ReferenceInterpreter(g).run(Map.of("input", new ReferenceInterpreter.Value(shape, input)), outs);
        for (String o : outs) {
            float diff = GraphBuilder.maxAbsDiff(tf.get(o), mine.get(o).data());
            assertTrue(diff < 1e-4, o + " differs from TF by " + diff);
        }
        assertArrayEquals(tf.get("argmax"), mine.get("argmax").data());
    }
}
