package io.qtune.calib;

import io.qtune.QtuneException;
import io.qtune.data.BatchLoader;
import io.qtune.data.LabeledImages;
import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import io.qtune.tf.TfModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Runs the FP32 model over calibration images and streams the activations the INT8 graph needs ranges for
 * (the input and every fused convolution and max pool output) into {@link TensorStats}. Only one batch of
 * activations is alive at a time.
 *
 * <p>The activations come from TensorFlow running the original FP32 graph: every fused node keeps the name of the
 * last node it replaced, so the same names are fetchable there, and the values are TF's, independent of our engine.
 */
public final class CalibrationRun {
    /** Intel's MLPerf calibration: 500 images in batches of 100; we use smaller batches to bound memory. */
    public static final int DEFAULT_SIZE = 500;

    private CalibrationRun() {}

    /** The tensors whose ranges the INT8 graph needs. */
    public static List<String> observedTensors(Graph fused) {
        List<String> names = new ArrayList<>();
        for (Node n : fused.nodes()) {
            if (n.op().equals(Ops.PLACEHOLDER) || Ops.isConv(n.op()) || n.op().equals(Ops.MAX_POOL)) names.add(n.name());
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
     * @param fp32Model the frozen FP32 graph {@code fused} was made from
     * @param progress told the number of images done
     */
    public static TensorStats collect(Path fp32Model, Graph fused, LabeledImages images, int calibSize, int batch,
                                      IntConsumer progress) {
        if (calibSize < 1) throw new QtuneException("--calib-size must be at least 1, got " + calibSize);
        if (images.size() == 0) throw new QtuneException("the calibration data set is empty");
        Node input = fused.placeholders().get(0);
        List<String> fetches = observedTensors(fused).stream().filter(t -> !t.equals(input.name())).toList();
        long[] shape = {0, images.height(), images.width(), 3};
        TensorStats stats = new TensorStats();
        int[] order = pick(images.size(), calibSize);
        int done = 0;
        try (TfModel tf = TfModel.load(fp32Model, Runtime.getRuntime().availableProcessors());
             BatchLoader loader = new BatchLoader(images, batch, order, BatchLoader.Options.defaults())) {
            while (loader.hasNext()) {
                BatchLoader.Batch b = loader.next();
                shape[0] = b.size();
                stats.observe(input.name(), b.images(), 0, b.images().length);
                Map<String, float[]> acts = tf.run(input.name(), b.images(), shape.clone(), fetches);
                for (String t : fetches) {
                    float[] v = acts.get(t);
                    stats.observe(t, v, 0, v.length);
                }
                done += b.size();
                progress.accept(done);
            }
        }
        return stats;
    }
}
