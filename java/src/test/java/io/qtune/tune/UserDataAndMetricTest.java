package io.qtune.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.qtune.InvalidSetting;
import io.qtune.data.FashionMnist;
import io.qtune.data.LabeledImages;
import io.qtune.eval.Classifier;
import io.qtune.eval.Classifiers;
import io.qtune.eval.Metric;
import io.qtune.zoo.ProxyModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tuning from Java with a service's own images and its own metric: T-shirts against shirts (Fashion-MNIST's most
 * confused pair), scored as top-1 between those two classes only. The criterion applies to that score.
 */
class UserDataAndMetricTest {
    @TempDir
    Path dir;

    /** What a user writes: images it already holds in memory, in its own label space (0 = T-shirt, 1 = shirt). */
    static final class TShirtsAndShirts implements LabeledImages {
        static final int SIZE = ProxyModel.IMAGE_SIZE, PIXELS = SIZE * SIZE * 3;
        final float[] pixels;
        final int[] labels;

        TShirtsAndShirts(LabeledImages source, int perClass) {
            pixels = new float[2 * perClass * PIXELS];
            labels = new int[2 * perClass];
            int[] taken = new int[2];
            int n = 0;
            for (int i = 0; i < source.size() && n < labels.length; i++) {
                int mine = source.label(i) == 0 ? 0 : source.label(i) == 6 ? 1 : -1;
                if (mine < 0 || taken[mine] == perClass) continue;
                taken[mine]++;
                source.load(i, pixels, n * PIXELS);
                labels[n++] = mine;
            }
        }

        @Override public int size() { return labels.length; }
        @Override public int height() { return SIZE; }
        @Override public int width() { return SIZE; }
        @Override public int numLabels() { return 2; }
        @Override public int label(int i) { return labels[i]; }
        @Override public String id(int i) { return "mine#" + i; }
        @Override public void load(int i, float[] dst, int offset) { System.arraycopy(pixels, i * PIXELS, dst, offset, PIXELS); }

        /** The proxy's outputs for T-shirt and shirt (Fashion-MNIST labels 0 and 6, after the background class). */
        static final int[] OUTPUTS = {1, 7};

        /** Top-1 between the two classes only, or (restricted = false) over every output of the model. */
        double accuracy(Classifier c, boolean restricted) {
            float[] s = c.scores(pixels, size());
            int k = c.classes(), ok = 0;
            for (int i = 0; i < size(); i++) {
                int best;
                if (restricted) {
                    best = s[i * k + OUTPUTS[1]] > s[i * k + OUTPUTS[0]] ? 1 : 0;
                } else {
                    int arg = 0;
                    for (int j = 1; j < k; j++) if (s[i * k + j] > s[i * k + arg]) arg = j;
                    best = arg == OUTPUTS[0] ? 0 : arg == OUTPUTS[1] ? 1 : -1;
                }
                if (best == labels[i]) ok++;
            }
            return (double) ok / size();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void tunesWithTheUsersImagesAndAppliesTheCriterionToTheUsersMetric() {
        assumeTrue(FashionMnist.debianFilesPresent(), "needs Debian's dataset-fashion-mnist");
        TShirtsAndShirts calib, eval;
        try (LabeledImages train = FashionMnist.open(FashionMnist.DEBIAN_DIR, FashionMnist.Split.TRAIN, ProxyModel.IMAGE_SIZE, ProxyModel.RESIZE);
             LabeledImages test = FashionMnist.open(FashionMnist.DEBIAN_DIR, FashionMnist.Split.TEST, ProxyModel.IMAGE_SIZE, ProxyModel.RESIZE)) {
            calib = new TShirtsAndShirts(train, 50);
            eval = new TShirtsAndShirts(test, 150);
        }
        Metric metric = Metric.custom("tshirt-vs-shirt", (candidate, fp32) -> eval.accuracy(candidate, true));
        Path out = dir.resolve("int8.pb");
        // absolute:0.0 passes only plans that lose nothing on this metric; four trials keep the test short
        Tuner.Result r = Tuner.builder().calib(calib).calibSize(100).eval(eval).metric(metric)
                .criterion(AccuracyCriterion.parse("absolute:0.0")).maxTrials(4).layerErrorImages(2).out(out).build().tune();

        io.qtune.report.TuningReport report = r.report();
        assertEquals("tshirt-vs-shirt", report.metric());
        assertEquals("basic", report.strategy(), "a user's metric cannot be screened on a subset");
        String runtime = report.runtime();
        double fp32;
        try (Classifier c = Classifiers.open(runtime, ProxyModel.file(), 1)) {
            fp32 = eval.accuracy(c, true);
            // the tuner's FP32 score is the user's metric, not top-1 over the model's 11 outputs
            assertNotEquals(eval.accuracy(c, false), fp32);
        }
        assertEquals(fp32, r.fp32Accuracy());
        assertEquals(fp32, r.threshold(), 1e-15, "absolute:0.0: the threshold is FP32's score on the user's metric");
        List<io.qtune.report.TuningReport.TrialRow> trials = report.trials();
        assertTrue(!trials.isEmpty());
        for (io.qtune.report.TuningReport.TrialRow t : trials) {
            assertEquals("full", t.stage());
            double score = t.accuracy();
            assertEquals(score >= fp32 - 1e-12, t.passed(), "trial " + t.trial() + " scored " + score + " against " + fp32);
        }
        assertEquals(r.met(), trials.stream().anyMatch(t -> Boolean.TRUE.equals(t.passed())));
        try (Classifier written = Classifiers.open(runtime, out, 1)) {
            assertEquals(r.written().m().accuracy(), eval.accuracy(written, true), "the report's score is the written model's");
        }

        InvalidSetting e = assertThrows(InvalidSetting.class, () -> Tuner.builder().calib(calib).eval(eval).metric(metric)
                .strategy(Strategy.SENSITIVITY).out(dir.resolve("x.pb")).build().tune());
        assertEquals("strategy", e.setting());
        assertTrue(e.getMessage().contains("with the metric 'tshirt-vs-shirt' use basic"), e.getMessage());
        e = assertThrows(InvalidSetting.class, () -> Tuner.builder().calibSize(0));
        assertEquals("calibSize must be at least 1, got 0", e.getMessage());
    }
}
