package io.qtune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.QtuneException;
import io.qtune.data.BatchLoader;
import io.qtune.data.LabelOffset;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** A NaN score never outranked the target, so a model with NaN weights scored top-1 1.0: never again. */
class NonFiniteScoresTest {
    /** Correct scores (EvaluatorTest.Shifted), except the images whose label is in {@code broken}, whose row is NaN. */
    static final class PartlyNaN implements Classifier {
        final java.util.Set<Integer> broken;

        PartlyNaN(Integer... broken) {
            this.broken = java.util.Set.of(broken);
        }

        public int classes() { return 6; }

        public float[] scores(float[] nhwc, int batch) {
            float[] s = new EvaluatorTest.Shifted().scores(nhwc, batch);
            for (int b = 0; b < batch; b++) {
                if (broken.contains((int) nhwc[b * 3])) java.util.Arrays.fill(s, b * 6, b * 6 + 6, Float.NaN);
            }
            return s;
        }
    }

    private static final LabelOffset OFFSET = LabelOffset.resolve(5, 6, OptionalInt.empty());

    @Test
    void nanRowsCountAsWrongAndAreCounted() {
        // labels cycle 0..4 over 10 images: labels 1 and 3 are 4 images, all NaN
        EvalResult r = new Evaluator(3, BatchLoader.Options.defaults()).evaluate(new PartlyNaN(1, 3), new EvaluatorTest.Tiny(), OFFSET, 0, n -> {});
        assertEquals(0.6, r.top1(), 1e-12);
        assertEquals(0.6, r.top5(), 1e-12);
        assertEquals(4, r.nonFinite());
        assertTrue(r.toJson().endsWith(",\"non_finite\":4}"), r.toJson());
    }

    @Test
    void nanIsTheWorstScoreInRankingAndArgMax() {
        float nan = Float.NaN;
        assertEquals(3, Evaluator.rankOf(new float[] {0.1f, nan, 0.5f}, 0, 3, 1), "a NaN target ranks last");
        assertEquals(0, Evaluator.rankOf(new float[] {0.1f, nan, 0.5f}, 0, 3, 2), "a NaN elsewhere outranks nothing");
        assertEquals(2, Evaluator.argMax(new float[] {nan, 0.1f, 0.5f}, 0, 3));
        assertEquals(0, Evaluator.argMax(new float[] {nan, nan}, 0, 2));
    }

    @Test
    void allNonFiniteOutputsAreAnError() {
        QtuneException e = assertThrows(QtuneException.class, () -> new Evaluator(4, BatchLoader.Options.defaults())
                .evaluate(new PartlyNaN(0, 1, 2, 3, 4), new EvaluatorTest.Tiny(), OFFSET, 0, n -> {}));
        assertTrue(e.getMessage().contains("all 10 images got non-finite scores"), e.getMessage());
    }
}
