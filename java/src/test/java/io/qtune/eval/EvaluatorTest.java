package io.qtune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import io.qtune.data.BatchLoader;
import io.qtune.data.LabelOffset;
import io.qtune.data.LabeledImages;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class EvaluatorTest {
    /** Ten 1x1 images whose single pixel value is the label; labels cycle 0..4. */
    static class Tiny implements LabeledImages {
        public int size() { return 10; }
        public int height() { return 1; }
        public int width() { return 1; }
        public int numLabels() { return 5; }
        public int label(int i) { return i % 5; }
        public String id(int i) { return "tiny#" + i; }
        public void load(int i, float[] dst, int offset) {
            dst[offset] = label(i);
            dst[offset + 1] = 0;
            dst[offset + 2] = 0;
        }
    }

    /** Scores class (pixel + 1) highest, then class pixel, then (pixel - 1), ...: exact top-1 with offset 1, wrong without. */
    static final class Shifted implements Classifier {
        public int classes() { return 6; }
        public float[] scores(float[] nhwc, int batch) {
            float[] s = new float[batch * 6];
            for (int b = 0; b < batch; b++) {
                int want = (int) nhwc[b * 3] + 1;
                for (int c = 0; c < 6; c++) s[b * 6 + c] = -Math.floorMod(want - c, 6);
            }
            return s;
        }
    }

    @Test
    void countsTopOneAndTopFiveWithTheLabelOffset() {
        Evaluator e = new Evaluator(3, BatchLoader.Options.defaults());
        EvalResult right = e.evaluate(new Shifted(), new Tiny(), LabelOffset.resolve(5, 6, OptionalInt.empty()), 0, n -> {});
        assertEquals(1.0, right.top1());
        assertEquals(10, right.count());
        // offset 0: the true class is ranked 2nd (one below the shifted winner): top-1 misses, top-5 hits
        EvalResult off = e.evaluate(new Shifted(), new Tiny(), LabelOffset.resolve(5, 6, OptionalInt.of(0)), 0, n -> {});
        assertEquals(0.0, off.top1());
        assertEquals(1.0, off.top5());
        assertEquals(0.0, right.agreementWith(off) - 1.0, 1e-12, "same predictions whatever the offset");
    }

    @Test
    void limitAndProgress() {
        int[] last = {0};
        EvalResult r = new Evaluator(4, BatchLoader.Options.defaults())
                .evaluate(new Shifted(), new Tiny(), LabelOffset.resolve(5, 6, OptionalInt.empty()), 7, n -> last[0] = n);
        assertEquals(7, r.count());
        assertEquals(7, last[0]);
    }

    @Test
    void unlabeledImagesAreAnError() {
        LabeledImages unlabeled = new Tiny() {
            @Override
            public int label(int i) {
                return -1;
            }
        };
        QtuneException ex = assertThrows(QtuneException.class, () -> new Evaluator(2, BatchLoader.Options.defaults())
                .evaluate(new Shifted(), unlabeled, LabelOffset.resolve(5, 6, OptionalInt.of(1)), 0, n -> {}));
        assertTrue(ex.getMessage().contains("tiny#0"), ex.getMessage());
    }
}
