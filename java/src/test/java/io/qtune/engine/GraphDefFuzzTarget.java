package io.qtune.engine;

import io.qtune.QtuneException;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.ShapeInference;
import io.qtune.graph.TensorRef;
import io.qtune.graph.passes.Passes;
import java.util.Map;

/**
 * The fuzz target of issue 13: GraphDef bytes -> import -> validate -> fuse -> compile -> one run. A
 * {@link QtuneException} at any step is the right answer to a bad graph; anything else (another exception, an
 * error, a JVM crash) is a finding. Used by {@link GraphDefFuzzTest} (JUnit, regression and bounded fuzzing) and
 * by {@code scripts/fuzz} (Jazzer's command line, {@code fuzzerTestOneInput}).
 */
public final class GraphDefFuzzTarget {
    /**
     * Graphs above this many elements in all their tensors at batch 1 are validated and fused but not compiled: the
     * validator allows 2^28 per tensor, and allocating gigabytes on each fuzz input would measure the machine, not
     * the code. Every seed graph is far below it.
     */
    static final long COMPILE_ELEMENT_BUDGET = 1L << 22;

    private GraphDefFuzzTarget() {}

    public static void fuzzerTestOneInput(byte[] bytes) {
        Graph g;
        try {
            g = GraphDefCodec.fromBytes(bytes, "fuzz.pb");
        } catch (QtuneException expected) {
            return;
        }
        Graph fused;
        try {
            fused = Passes.fuseForInference(g);
        } catch (QtuneException expected) {
            return;
        }
        if (!smallEnough(fused)) return;
        try (Model m = Model.compile(fused)) {
            long[] shape = m.inputShape();
            long per = 1;
            for (int i = 1; i < shape.length; i++) per *= shape[i];
            float[] in = new float[Math.toIntExact(per)];
            for (int i = 0; i < in.length; i++) in[i] = (i % 13) - 6;
            m.run(in, 1);
        } catch (QtuneException expected) {
            // refused with a one-line reason
        }
    }

    private static boolean smallEnough(Graph g) {
        Map<TensorRef, long[]> shapes;
        try {
            shapes = ShapeInference.infer(g, 1);
        } catch (QtuneException e) {
            return true; // the compiler must refuse it with its own message
        }
        long total = 0;
        for (long[] s : shapes.values()) {
            long n = 1;
            for (long d : s) n = Math.min(COMPILE_ELEMENT_BUDGET + 1, n * Math.max(d, 0));
            total = Math.min(COMPILE_ELEMENT_BUDGET + 1, total + n);
        }
        return total <= COMPILE_ELEMENT_BUDGET;
    }
}
