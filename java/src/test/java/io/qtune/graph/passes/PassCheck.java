package io.qtune.graph.passes;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.reference.ReferenceInterpreter;
import io.qtune.graph.Graph;
import io.qtune.testing.GraphBuilder;
import java.util.List;
import java.util.Map;

/** Runs a graph before and after a pass on the same input and demands the same outputs. */
final class PassCheck {
    private PassCheck() {}

    static void assertSameOutputs(Graph before, Graph after, long[] inputShape, List<String> outputs, double tol) {
        float[] input = GraphBuilder.randomInput(42, 2.0, inputShape);
        Map<String, ReferenceInterpreter.Value> feeds = Map.of(before.placeholders().get(0).name(), new ReferenceInterpreter.Value(inputShape, input));
        var a = new ReferenceInterpreter(before).run(feeds, outputs);
        var b = new ReferenceInterpreter(after).run(feeds, outputs);
        for (String o : outputs) {
            float diff = GraphBuilder.maxAbsDiff(a.get(o).data(), b.get(o).data());
            assertTrue(diff <= tol, "output " + o + " changed by " + diff + " (tolerance " + tol + ")");
        }
    }

    static long count(Graph g, String op) {
        return g.nodes().stream().filter(n -> n.op().equals(op)).count();
    }
}
