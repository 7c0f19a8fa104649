package io.qtune.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import io.qtune.data.LabeledImages;
import io.qtune.tf.TfModel;
import io.qtune.data.SyntheticImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyTrainerTest {
    /** Three easy classes on 32x32: horizontal stripes, vertical stripes, a bright square; mean-subtracted 0..255. */
    static final class Stripes implements LabeledImages {
        final int n;
        final long seed;

        Stripes(int n, long seed) {
            this.n = n;
            this.seed = seed;
        }

        @Override
        public int size() {
            return n;
        }

        @Override
        public int height() {
            return 32;
        }

        @Override
        public int width() {
            return 32;
        }

        @Override
        public int numLabels() {
            return 3;
        }

        @Override
        public int label(int i) {
            return i % 3;
        }

        @Override
        public String id(int i) {
            return "stripes#" + i;
        }

        @Override
        public void load(int i, float[] dst, int offset) {
            SplittableRandom r = new SplittableRandom(seed * 1_000_003 + i);
            int phase = r.nextInt(4);
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    boolean on = switch (label(i)) {
                        case 0 -> ((y + phase) / 2) % 2 == 0;
                        case 1 -> ((x + phase) / 2) % 2 == 0;
                        default -> y >= 8 + phase && y < 20 + phase && x >= 8 && x < 20;
                    };
                    float v = (on ? 200f : 40f) + (float) (20 * (r.nextDouble() - 0.5));
                    for (int c = 0; c < 3; c++) dst[offset + (y * 32 + x) * 3 + c] = v - SyntheticImages.IMAGENET_MEAN_RGB[c];
                }
            }
        }
    }

    static ProxyTrainer.Config config(int epochs) {
        // one TF thread: training is then bit-reproducible; fast-moving BN statistics suit a 24-step run
        return new ProxyTrainer.Config(0.0625, 32, epochs, 16, 0.05, 0.9, 5e-4, 0.5, 2, 1, 1, 10, 0);
    }

    static final List<String> log = new ArrayList<>();
    /** Training builds a large gradient graph: do it once for the class. */
    static ProxyTrainer.Trained t;

    @BeforeAll
    static void trainOnce() {
        t = ProxyTrainer.train(config(2), new Stripes(192, 1), new Stripes(96, 2), log::add);
    }

    @Test
    void learnsAnEasyTaskAndExportsItInTheMlperfLayout(@TempDir Path dir) throws Exception {
        assertEquals(2, t.epochTop1().size());
        assertEquals(24, t.steps());
        assertTrue(t.testTop1() >= 0.9, "top-1 on the easy task: " + t.testTop1() + "\n" + String.join("\n", log));
        assertTrue(log.stream().anyMatch(l -> l.startsWith("epoch 2 done:") && l.contains("test-top1")), String.join("\n", log));
        assertTrue(log.stream().anyMatch(l -> l.startsWith("epoch 1 step 10/24")), String.join("\n", log));

        GraphDefView v = new GraphDefView(t.model().graph());
        assertEquals(53, v.opCounts().get("Conv2D"));
        assertEquals(53, v.opCounts().get("FusedBatchNorm"));
        assertEquals(7, v.opCounts().get("Pad"));
        assertArrayEquals(new long[] {t.model().topology().finalChannels(), 4}, v.constShape("resnet_model/dense/kernel"));

        // the frozen graph, reloaded from its file, reproduces the accuracy the trainer measured
        Path pb = dir.resolve("proxy.pb");
        String sha = ProxyTrainer.export(t, config(2), "pad", List.of(), pb);
        try (TfModel tf = TfModel.load(pb, 1)) {
            assertEquals(t.testTop1(), ProxyTrainer.top1(tf, new Stripes(96, 2), 96), 1e-9);
        }
        String json = Files.readString(dir.resolve("proxy.json"), StandardCharsets.UTF_8);
        @SuppressWarnings("unchecked")
        java.util.Map<String, Object> sidecar = (java.util.Map<String, Object>) io.qtune.Json.parse(json, "proxy.json");
        assertEquals(sha, sidecar.get("sha256"), json);
        assertEquals(2.0, sidecar.get("epochs"), json);
        assertEquals(32.0, sidecar.get("image_size"), json);
        assertEquals(1.0, sidecar.get("seed"), json);
        assertEquals(t.testTop1(), (Double) sidecar.get("test_top1"), 0.0, json);
        assertEquals(sha, io.qtune.Sha256.hex(Files.readAllBytes(pb)));
    }

    @Test
    void outputZeroIsBackgroundAndNeverWins() throws Exception {
        try (TfModel tf = TfModel.fromGraphDef(t.model().graph(), "proxy", 1)) {
            Stripes test = new Stripes(48, 4);
            float[] in = new float[48 * 32 * 32 * 3];
            for (int i = 0; i < 48; i++) test.load(i, in, i * 32 * 32 * 3);
            float[] arg = tf.run("input_tensor", in, new long[] {48, 32, 32, 3}, List.of("ArgMax")).get("ArgMax");
            for (float a : arg) assertTrue(a >= 1 && a <= 3, "argmax " + a);
        }
    }

    @Test
    void learningRateWarmsUpThenDecaysToZero() {
        ProxyTrainer.Config c = new ProxyTrainer.Config(0.125, 32, 4, 128, 0.1, 0.9, 0, 0.99, 0, 0, 1, 1, 0);
        assertEquals(0.01, ProxyTrainer.learningRate(c, 0, 100, 400), 1e-12);
        assertEquals(0.1, ProxyTrainer.learningRate(c, 100, 100, 400), 1e-12);
        assertEquals(0.05, ProxyTrainer.learningRate(c, 250, 100, 400), 1e-12);
        assertTrue(ProxyTrainer.learningRate(c, 399, 100, 400) < 1e-4);
    }

    @Test
    void augmentShiftsAndFlipsWithBackgroundFill() {
        int s = 4;
        float[] src = new float[s * s * 3];
        for (int i = 0; i < s * s; i++) for (int c = 0; c < 3; c++) src[i * 3 + c] = i == 0 ? -100 : i * 10 + c;
        // find a seed whose first draw is a pure flip (dy = dx = 0), and one with a shift and no flip
        boolean sawFlip = false;
        boolean sawShift = false;
        for (long seed = 0; seed < 200 && !(sawFlip && sawShift); seed++) {
            SplittableRandom probe = new SplittableRandom(seed);
            int dy = probe.nextInt(3) - 1;
            int dx = probe.nextInt(3) - 1;
            boolean flip = probe.nextBoolean();
            float[] dst = new float[s * s * 3];
            ProxyTrainer.augment(src, dst, 0, s, 1, new SplittableRandom(seed));
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    int sy = y - dy;
                    int sx = (flip ? s - 1 - x : x) - dx;
                    float expect = (sy >= 0 && sy < s && sx >= 0 && sx < s) ? src[(sy * s + sx) * 3 + 1] : src[1];
                    assertEquals(expect, dst[(y * s + x) * 3 + 1], 0f, "seed " + seed + " y" + y + " x" + x);
                }
            }
            sawFlip |= flip && dy == 0 && dx == 0;
            sawShift |= !flip && (dy != 0 || dx != 0);
        }
        assertTrue(sawFlip && sawShift);
    }

    @Test
    void badSettingsNameTheOption() {
        assertTrue(assertThrows(QtuneException.class, () -> new ProxyTrainer.Config(0.125, 32, 0, 128, 0.1, 0.9, 0, 0.99, 0, 0, 1, 1, 0))
                .getMessage().contains("epochs must"));
        assertTrue(assertThrows(QtuneException.class, () -> new ProxyTrainer.Config(0.125, 32, 1, 1, 0.1, 0.9, 0, 0.99, 0, 0, 1, 1, 0))
                .getMessage().contains("batchSize must"));
        assertTrue(assertThrows(QtuneException.class, () -> new ProxyTrainer.Config(0.125, 32, 1, 8, 0, 0.9, 0, 0.99, 0, 0, 1, 1, 0))
                .getMessage().contains("learningRate must"));
        QtuneException e = assertThrows(QtuneException.class,
                () -> ProxyTrainer.train(new ProxyTrainer.Config(0.125, 48, 1, 8, 0.1, 0.9, 0, 0.99, 0, 0, 1, 1, 0),
                        new Stripes(16, 0), new Stripes(16, 0), s -> { }));
        assertTrue(e.getMessage().contains("32x32") && e.getMessage().contains("48x48"), e.getMessage());
    }
}
