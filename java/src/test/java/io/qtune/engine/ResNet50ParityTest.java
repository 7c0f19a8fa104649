package io.qtune.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.tf.TfModel;
import io.qtune.zoo.ResNet50Builder;
import io.qtune.zoo.ResNet50Spec;
import io.qtune.data.SyntheticImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The engine against TensorFlow on the full-size MLPerf-layout ResNet50 (width 1, 224x224, 1001 classes):
 * same .pb, 32 random images, softmax within 1e-4 and identical ArgMax. The engine runs them at batch 1 and
 * at batch 14, so two compiled programs are checked.
 */
class ResNet50ParityTest {
    static final int IMAGES = 32;
    static final int PIXELS = 224 * 224 * 3;
    static final int CLASSES = 1001;

    /** The zoo model, built once and cached under target/ (about 100 MB, 20 s to build). */
    static Path fullResNet50() {
        Path pb = Path.of("target", "test-models", "resnet50-mlperf-seed0.pb");
        if (!Files.exists(pb)) ResNet50Builder.write(ResNet50Builder.build(ResNet50Spec.mlperf()).graph(), pb);
        return pb;
    }

    @Test
    void softmaxAndArgMaxMatchTensorFlow() {
        Path pb = fullResNet50();
        float[] images = SyntheticImages.batch(IMAGES, 224, 2024);

        float[] tfProbs;
        float[] tfClasses;
        try (TfModel tf = TfModel.load(pb, Runtime.getRuntime().availableProcessors())) {
            Map<String, float[]> r = tf.run("input_tensor", images, new long[] {IMAGES, 224, 224, 3},
                    List.of("softmax_tensor", "ArgMax"));
            tfProbs = r.get("softmax_tensor");
            tfClasses = r.get("ArgMax");
        }

        float[] probs = new float[IMAGES * CLASSES];
        long[] classes = new long[IMAGES];
        try (Model m = Model.load(pb)) {
            assertEquals(java.util.Set.of("softmax_tensor", "ArgMax"), java.util.Set.copyOf(m.outputNames()));
            int done = 0;
            for (int batch : new int[] {1, 1, 1, 1, 14, 14}) {
                Outputs o = m.run(Arrays.copyOfRange(images, done * PIXELS, (done + batch) * PIXELS), batch);
                assertArrayEquals(new long[] {batch, CLASSES}, o.shape("softmax_tensor"));
                System.arraycopy(o.floats("softmax_tensor"), 0, probs, done * CLASSES, batch * CLASSES);
                System.arraycopy(o.longs("ArgMax"), 0, classes, done, batch);
                done += batch;
            }
            assertEquals(IMAGES, done);
        }

        double maxDiff = 0;
        for (int i = 0; i < probs.length; i++) maxDiff = Math.max(maxDiff, Math.abs(probs[i] - tfProbs[i]));
        System.out.printf("ResNet50 parity: max |softmax - TF| = %.3g over %d images%n", maxDiff, IMAGES);
        assertTrue(maxDiff <= 1e-4, "max abs softmax difference " + maxDiff);
        for (int i = 0; i < IMAGES; i++) assertEquals((long) tfClasses[i], classes[i], "ArgMax of image " + i);
        // the outputs must carry information: not every image in one class, probabilities not uniform
        assertTrue(Arrays.stream(classes).distinct().count() > 1, "all images fell into one class");
    }
}
