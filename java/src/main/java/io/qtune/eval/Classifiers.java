package io.qtune.eval;

import io.qtune.QtuneException;
import io.qtune.engine.Model;
import io.qtune.graph.Graph;
import io.qtune.graph.GraphDefCodec;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.graph.ShapeInference;
import io.qtune.graph.TensorRef;
import io.qtune.tf.TfModel;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;

/** Opens a frozen graph as a {@link Classifier} on one of the runtimes: {@code onednn} or {@code tf}. */
public final class Classifiers {
    private Classifiers() {}

    public static final List<String> ENGINES = List.of("onednn", "tf");

    /** The graph's classification output: the sink Softmax (MLPerf: softmax_tensor) and its class count. */
    public record ScoresOutput(String input, long[] inputShape, String softmax, int classes) {
        public static ScoresOutput of(Graph g) {
            if (g.placeholders().size() != 1) throw new QtuneException("the model must have exactly one input, found " + g.placeholders().size());
            Node input = g.placeholders().get(0);
            Node softmax = g.sinks().stream().filter(n -> n.op().equals(Ops.SOFTMAX)).findFirst()
                    .orElseThrow(() -> new QtuneException("the model has no Softmax output to score classes with"));
            long[] shape = ShapeInference.infer(g, 1).get(new TensorRef(softmax.name(), 0));
            return new ScoresOutput(input.name(), input.attrShape("shape").dims(), softmax.name(), Math.toIntExact(shape[shape.length - 1]));
        }

        /** Height and width the model expects. */
        public int imageSize() {
            if (inputShape.length != 4 || inputShape[1] != inputShape[2]) {
                throw new QtuneException("input '" + input + "' must be square NHWC, got " + java.util.Arrays.toString(inputShape));
            }
            return Math.toIntExact(inputShape[1]);
        }
    }

    public static Classifier open(String engine, Path model, int tfThreads) {
        ScoresOutput out = ScoresOutput.of(GraphDefCodec.read(model));
        return switch (engine) {
            case "onednn" -> onednn(Model.load(model), out);
            case "tf" -> tf(TfModel.load(model, tfThreads), out);
            default -> throw new QtuneException("unknown engine '" + engine + "' (known: " + String.join(", ", ENGINES) + ")");
        };
    }

    /** The scores function of one runtime, and the runtime to close with it. */
    private record RuntimeClassifier(int classes, BiFunction<float[], Integer, float[]> scorer, Runnable closer)
            implements Classifier {
        @Override
        public float[] scores(float[] nhwc, int batch) {
            return scorer.apply(nhwc, batch);
        }

        @Override
        public void close() {
            closer.run();
        }
    }

    static Classifier onednn(Model m, ScoresOutput out) {
        return new RuntimeClassifier(out.classes(), (nhwc, batch) -> m.run(nhwc, batch).floats(out.softmax()), m::close);
    }

    static Classifier tf(TfModel m, ScoresOutput out) {
        return new RuntimeClassifier(out.classes(), (nhwc, batch) -> {
            long[] shape = out.inputShape().clone();
            shape[0] = batch;
            return m.run(out.input(), nhwc, shape, List.of(out.softmax())).get(out.softmax());
        }, m::close);
    }
}
