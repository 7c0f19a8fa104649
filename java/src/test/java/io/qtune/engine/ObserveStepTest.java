package io.qtune.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import io.qtune.data.SyntheticImages;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.passes.Passes;
import io.qtune.quant.CalibrationRun;
import io.qtune.zoo.ResNet50Builder;
import io.qtune.zoo.ResNet50Spec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Observing tensors as they are computed ({@link Model#compileObserving}) hands over exactly what returning them
 * after the run does ({@link Model#compile(Graph, List)}), bit for bit, including the tensors a later residual sum
 * overwrites in place, while the program keeps far less activation memory.
 */
class ObserveStepTest {
    static final ResNet50Spec SPEC = new ResNet50Spec(0.125, 32, 11, 3);

    @Test
    void observedAsComputedEqualsReturnedAfterTheRunWithLessMemory() {
        Graph fused = Passes.fuseForInference(GraphDefCodec.fromGraphDef(ResNet50Builder.build(SPEC).graph()));
        List<String> observed = CalibrationRun.observedTensors(fused).stream().filter(t -> !t.equals("input_tensor")).toList();
        assertEquals(54, observed.size(), "53 convolutions and the max pool");
        int batch = 3;
        float[] images = SyntheticImages.batch(batch, 32, 7);
        Map<String, float[]> after = new LinkedHashMap<>(), asComputed = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        double afterMb, streamingMb;
        try (Model m = Model.compile(fused, observed)) {
            m.run(images, batch, (t, shape, data) -> after.put(t, data.clone()));
            afterMb = activationMb(m.describe(batch).get(0));
        }
        try (Model m = Model.compileObserving(fused, observed)) {
            for (int run = 0; run < 2; run++) { // the second run reuses every buffer and still hands over the same
                asComputed.clear();
                m.run(images, batch, (t, shape, data) -> {
                    asComputed.put(t, java.util.Arrays.copyOf(data, (int) io.qtune.graph.Tensor.elementCount(shape)));
                    shapes.put(t, shape);
                });
                assertEquals(after.keySet(), java.util.Set.copyOf(asComputed.keySet()));
                for (String t : observed) {
                    assertArrayEquals(after.get(t), asComputed.get(t), t);
                    assertEquals(batch, shapes.get(t)[0], t);
                }
            }
            assertEquals(List.of(), m.outputNames().stream().filter(observed::contains).toList(), "observed tensors are not outputs");
            assertEquals(2, m.run(images, batch).names().size(), "softmax and argmax only");
            streamingMb = activationMb(m.describe(batch).get(0));
            assertTrue(m.describe(batch).stream().filter(l -> l.startsWith("observe java")).count() == observed.size(),
                    String.join("\n", m.describe(batch)));
        }
        // returned after the run, every observed tensor keeps its buffer (and a plain copy) until the end
        assertTrue(streamingMb * 3 < afterMb, "activation memory " + streamingMb + " MB observing vs " + afterMb + " MB returning");
    }

    @Test
    void observingAnUnknownNodeIsAnError() {
        Graph fused = Passes.fuseForInference(GraphDefCodec.fromGraphDef(ResNet50Builder.build(SPEC).graph()));
        QtuneException e = assertThrows(QtuneException.class, () -> Model.compileObserving(fused, List.of("no/such/node")));
        assertEquals("no node 'no/such/node' to observe", e.getMessage());
    }

    /** "batch B: S steps, N activation buffers of X MB in all, ..." -> X. */
    private static double activationMb(String summary) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("buffers of ([0-9.]+) MB").matcher(summary);
        assertTrue(m.find(), summary);
        return Double.parseDouble(m.group(1));
    }
}
