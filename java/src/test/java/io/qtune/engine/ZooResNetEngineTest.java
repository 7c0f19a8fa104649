package io.qtune.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Ops;
import io.qtune.graph.passes.Passes;
import io.qtune.zoo.ResNet50Builder;
import io.qtune.zoo.ResNet50Spec;
import io.qtune.data.SyntheticImages;
import io.qtune.reference.ReferenceInterpreter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The whole path on a small zoo ResNet50: import, fuse, compile, run, against the lead's reference interpreter. */
class ZooResNetEngineTest {
    @Test
    void fusedZooResNetMatchesReferenceInterpreter() {
        ResNet50Spec spec = new ResNet50Spec(0.125, 48, 11, 9);
        Graph imported = GraphDefCodec.fromGraphDef(ResNet50Builder.build(spec).graph());
        Graph fused = Passes.fuseForInference(imported);
        assertEquals(53, fused.opCounts().get(Ops.FUSED_CONV2D));
        int batch = 2;
        float[] images = SyntheticImages.batch(batch, 48, 4);
        Map<String, ReferenceInterpreter.Value> ref = new ReferenceInterpreter(fused).run(
                Map.of("input_tensor", new ReferenceInterpreter.Value(new long[] {batch, 48, 48, 3}, images)),
                List.of("softmax_tensor", "ArgMax"));
        try (Model m = Model.compile(fused)) {
            Outputs o = m.run(images, batch);
            float[] probs = o.floats("softmax_tensor");
            float[] want = ref.get("softmax_tensor").data();
            assertEquals(want.length, probs.length);
            for (int i = 0; i < probs.length; i++) {
                assertTrue(Math.abs(probs[i] - want[i]) <= 1e-5, "softmax[" + i + "] " + probs[i] + " vs " + want[i]);
            }
            float[] refClasses = ref.get("ArgMax").data();
            assertArrayEquals(new long[] {(long) refClasses[0], (long) refClasses[1]}, o.longs("ArgMax"));
            // batch 1 gives the same per-image results as batch 2
            Outputs one = m.run(java.util.Arrays.copyOf(images, 48 * 48 * 3), 1);
            for (int i = 0; i < 11; i++) assertEquals(probs[i], one.floats("softmax_tensor")[i], 1e-6f);
        }
    }
}
