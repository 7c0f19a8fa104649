package io.qtune.graph.passes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.graph.Graph;
import io.qtune.graph.Ops;
import io.qtune.testing.GraphBuilder;
import io.qtune.testing.TfReference;
import java.util.List;
import org.junit.jupiter.api.Test;

class FoldPadTest {
    @Test
    void foldsAsymmetricPadIntoValidConvAsExplicitPadding() {
        GraphBuilder b = new GraphBuilder(4);
        String x = b.placeholder("input", -1, 11, 10, 3);
        String p = b.pad("pad", x, 3, 2, 1, 3);
        b.conv("conv", p, 7, 7, 3, 4, 2, "VALID");
        Graph before = b.build();

        Graph after = new FoldPad().apply(before);

        assertEquals(0, PassCheck.count(after, Ops.PAD));
        assertEquals("EXPLICIT", after.node("conv").attrString("padding"));
        assertArrayEquals(new long[] {0, 0, 3, 2, 1, 3, 0, 0}, after.node("conv").attrLongs("explicit_paddings"));
        PassCheck.assertSameOutputs(before, after, new long[] {2, 11, 10, 3}, List.of("conv"), 1e-5);
        // TF's own Conv2D accepts the folded form: an independent check of the padding semantics
        long[] shape = {1, 11, 10, 3};
        float[] in = GraphBuilder.randomInput(9, 1.0, shape);
        float[] tfBefore = TfReference.run(before, "input", in, shape, List.of("conv")).get("conv");
        float[] tfAfter = TfReference.run(after, "input", in, shape, List.of("conv")).get("conv");
        assertTrue(GraphBuilder.maxAbsDiff(tfBefore, tfAfter) < 1e-5);
    }

    @Test
    void addsPadToSameConvAndTurnsZeroPadIntoValid() {
        GraphBuilder b = new GraphBuilder(4);
        String x = b.placeholder("input", -1, 8, 8, 2);
        String p = b.pad("pad", x, 1, 1, 1, 1);
        String c1 = b.conv("same", p, 3, 3, 2, 3, 1, "SAME");
        String z = b.pad("zero_pad", c1, 0, 0, 0, 0);
        b.conv("projection", z, 1, 1, 3, 3, 2, "VALID");
        Graph before = b.build();

        Graph after = new FoldPad().apply(before);

        assertEquals(0, PassCheck.count(after, Ops.PAD));
        assertArrayEquals(new long[] {0, 0, 2, 2, 2, 2, 0, 0}, after.node("same").attrLongs("explicit_paddings"));
        assertEquals("VALID", after.node("projection").attrString("padding"));
        PassCheck.assertSameOutputs(before, after, new long[] {1, 8, 8, 2}, List.of("projection"), 1e-5);
    }

    @Test
    void keepsPadFeedingMaxPool() {
        GraphBuilder b = new GraphBuilder(4);
        String x = b.placeholder("input", -1, 6, 6, 2);
        String p = b.pad("pad", x, 1, 1, 1, 1);
        b.pool("pool", Ops.MAX_POOL, p, 3, 2, "VALID");
        Graph after = new FoldPad().apply(b.build());
        assertEquals(1, PassCheck.count(after, Ops.PAD), "max pooling pads with -inf, so a zero Pad must stay");
    }
}
