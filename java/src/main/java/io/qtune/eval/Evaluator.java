package io.qtune.eval;

import io.qtune.QtuneException;
import io.qtune.data.BatchLoader;
import io.qtune.data.LabelOffset;
import io.qtune.data.LabeledImages;
import java.util.function.IntConsumer;

/** Top-1 / top-5 accuracy of a classifier on labeled images, decoding in parallel with inference. */
public final class Evaluator {
    private final int batchSize;
    private final BatchLoader.Options loading;

    public Evaluator(int batchSize, BatchLoader.Options loading) {
        if (batchSize < 1) throw new QtuneException("batch size must be at least 1, got " + batchSize);
        this.batchSize = batchSize;
        this.loading = loading;
    }

    /**
     * Evaluates the first {@code limit} images (all when limit <= 0 or larger than the set).
     * @param progress told the number of images done after each batch
     */
    public EvalResult evaluate(Classifier model, LabeledImages data, LabelOffset offset, int limit, IntConsumer progress) {
        int n = limit <= 0 ? data.size() : Math.min(limit, data.size());
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        int[] predictions = new int[n];
        int top1 = 0, top5 = 0, done = 0, nonFinite = 0;
        int classes = model.classes();
        long start = System.nanoTime();
        try (BatchLoader loader = new BatchLoader(data, batchSize, order, loading)) {
            while (loader.hasNext()) {
                BatchLoader.Batch b = loader.next();
                float[] scores = model.scores(b.images(), b.size());
                for (int i = 0; i < b.size(); i++) {
                    int label = b.labels()[i];
                    if (label < 0) throw new QtuneException("image " + b.ids()[i] + " has no label: use a labeled data set for evaluation");
                    int target = offset.toModelClass(label);
                    if (!allFinite(scores, i * classes, classes)) nonFinite++;
                    int rank = rankOf(scores, i * classes, classes, target);
                    predictions[done + i] = argMax(scores, i * classes, classes);
                    if (rank == 0) top1++;
                    if (rank < 5) top5++;
                }
                done += b.size();
                progress.accept(done);
            }
        }
        if (n > 0 && nonFinite == n) {
            throw new QtuneException("all " + n + " images got non-finite scores (NaN or infinity): the model computes no usable "
                    + "output (look for NaN or infinite weights, or a broken plan)");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new EvalResult(n == 0 ? 0 : (double) top1 / n, n == 0 ? 0 : (double) top5 / n, n, n / seconds, predictions, nonFinite);
    }

    private static boolean allFinite(float[] s, int from, int len) {
        for (int j = 0; j < len; j++) if (!Float.isFinite(s[from + j])) return false;
        return true;
    }

    /** The highest-scoring class; NaN scores never win (class 0 when every score is NaN). */
    static int argMax(float[] s, int from, int len) {
        int best = -1;
        for (int j = 0; j < len; j++) {
            if (Float.isNaN(s[from + j])) continue;
            if (best < 0 || s[from + j] > s[from + best]) best = j;
        }
        return Math.max(best, 0);
    }

    /**
     * How many classes score strictly higher than the target (ties favour the target, as TF's in_top_k does). NaN is
     * the worst score: a NaN target ranks last ({@code len}, never top-1 or top-5), a NaN elsewhere outranks nothing.
     */
    static int rankOf(float[] s, int from, int len, int target) {
        float t = s[from + target];
        if (Float.isNaN(t)) return len;
        int higher = 0;
        for (int j = 0; j < len; j++) if (s[from + j] > t) higher++;
        return higher;
    }
}
