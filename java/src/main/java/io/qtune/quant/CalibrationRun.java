package io.qtune.quant;

import io.qtune.QtuneException;
import io.qtune.data.BatchLoader;
import io.qtune.data.LabeledImages;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.engine.Model;
import io.qtune.graph.Tensor;
import io.qtune.calib.TensorStats;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Runs the FP32 model over calibration images and streams the activations the INT8 graph needs ranges for
 * (the input and every fused convolution and max pool output) into {@link TensorStats}. Only one batch of
 * activations is alive at a time.
 *
 * <p>The activations come from the oneDNN FP32 engine running the fused graph, each handed over right after the step
 * that computes it through reused buffers ({@link Model#compileObserving}), so memory stays at the engine's own
 * activation buffers plus one observed tensor, whatever the number of images or observed tensors.
 */
public final class CalibrationRun {
    /** Intel's MLPerf calibration: 500 images in batches of 100; we use smaller batches to bound memory. */
    public static final int DEFAULT_SIZE = 500;

    private CalibrationRun() {}

    /** The tensors whose ranges the INT8 graph needs. */
    public static List<String> observedTensors(Graph fused) {
        List<String> names = new ArrayList<>();
        for (Node n : fused.nodes()) {
            if (n.op().equals(Ops.PLACEHOLDER) || QuantPlan.isQuantizable(n.op())) names.add(n.name());
        }
        return names;
    }

    /** Indices of {@code wanted} images spread evenly over {@code available}, the same every run. */
    public static int[] pick(int available, int wanted) {
        int n = Math.min(available, wanted);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = (int) ((long) i * available / n);
        return idx;
    }

    /**
     * Collects statistics over {@code calibSize} images of {@code images}.
     *
     * @param progress told the number of images done
     */
    public static TensorStats collect(Graph fused, LabeledImages images, int calibSize, int batch,
                                      IntConsumer progress) {
        if (calibSize < 1) throw new io.qtune.InvalidSetting("calibSize", "must be at least 1, got " + calibSize);
        if (images.size() == 0) throw new QtuneException("the calibration data set is empty");
        Node input = fused.placeholders().get(0);
        List<String> observed = observedTensors(fused).stream().filter(t -> !t.equals(input.name())).toList();
        TensorStats stats = new TensorStats();
        int[] order = pick(images.size(), calibSize);
        int done = 0;
        try (Model model = Model.compileObserving(fused, observed);
             BatchLoader loader = new BatchLoader(images, batch, order, BatchLoader.Options.defaults())) {
            while (loader.hasNext()) {
                BatchLoader.Batch b = loader.next();
                stats.observe(input.name(), b.images(), 0, b.images().length);
                model.run(b.images(), b.size(), (tensor, shape, data) -> stats.observe(tensor, data, 0, (int) Tensor.elementCount(shape)));
                done += b.size();
                progress.accept(done);
            }
        }
        return stats;
    }
}
