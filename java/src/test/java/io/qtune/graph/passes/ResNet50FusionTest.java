package io.qtune.graph.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.zoo.ResNet50Builder;
import io.qtune.zoo.ResNet50Spec;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The standard pipeline on the MLPerf layout: every conv fused, the expected epilogues, outputs unchanged. */
class ResNet50FusionTest {
    @Test
    void fusesTheMlperfLayoutIntoFiftyThreeConvolutions() {
        ResNet50Spec spec = ResNet50Spec.mlperf().withWidthMultiplier(0.25).withImageSize(64).withClasses(11);
        Graph imported = GraphDefCodec.fromGraphDef(ResNet50Builder.build(spec).graph());
        Graph fused = Passes.fuseForInference(imported);

        Map<String, Long> epilogues = fused.nodes().stream().filter(n -> n.op().equals(Ops.FUSED_CONV2D))
                .collect(Collectors.groupingBy(n -> String.join("+", n.attrStrings("fused_ops")), TreeMap::new, Collectors.counting()));
        // stem + 3 per block minus the block-final conv = 1 + 16*2 with ReLU; 4 projection shortcuts; 16 residual sums
        assertEquals(Map.of("BiasAdd+Relu", 33L, "BiasAdd", 4L, "BiasAdd+Add+Relu", 16L), epilogues);
        for (String gone : List.of(Ops.PAD, Ops.IDENTITY, Ops.CONV2D, Ops.FUSED_BATCH_NORM, Ops.RELU, Ops.ADD)) {
            assertEquals(0, PassCheck.count(fused, gone), gone);
        }
        Node stem = fused.node("resnet_model/Relu");
        assertEquals(List.of(0L, 0L, 3L, 3L, 3L, 3L, 0L, 0L), java.util.Arrays.stream(stem.attrLongs("explicit_paddings")).boxed().toList());
        PassCheck.assertSameOutputs(imported, fused, new long[] {2, 64, 64, 3}, List.of("softmax_tensor", "ArgMax"), 1e-4);
    }
}
