package io.qtune.tune;

import io.qtune.AtomicFiles;

import io.qtune.InvalidSetting;
import io.qtune.QtuneException;
import io.qtune.data.BatchLoader;
import io.qtune.data.LabelOffset;
import io.qtune.data.LabeledImages;
import io.qtune.eval.Classifier;
import io.qtune.eval.Classifiers;
import io.qtune.eval.EvalResult;
import io.qtune.eval.Evaluator;
import io.qtune.eval.Metric;
import io.qtune.export.Int8GraphWriter;
import io.qtune.quant.PlanDecisions;
import io.qtune.graph.GraphDefCodec;
import io.qtune.quant.QuantPipeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Measures candidates for real: plan -> INT8 GraphDef (written to a scratch file) -> a classifier on the chosen
 * runtime -> the {@link Metric}'s score (top-1, top-5 or the user's function). The subset is the evaluation set's least confident images under FP32 ({@link #fragileImages}),
 * decoded once and kept with the FP32 softmax outputs on them, so subset trials cost one forward pass, give divergence
 * from FP32 for free, and count (nearly) every image whose top-1 the plan changes on the whole set.
 *
 * <p>A user's metric cannot be predicted from a subset: it has no subset stage ({@link #screens()} is false), and the
 * evaluation images serve only the runtime probe and the timing runs.
 *
 * <p>Runtime {@code auto} uses oneDNN when it can load our INT8 graphs and TF otherwise (the FP32 baseline then runs
 * on the same runtime, so the comparison is like for like).
 */
public final class RuntimePlanEvaluator implements PlanEvaluator {
    private static final int BATCH = 100;
    private static final int TIMING_BATCH = 64;
    private final TuningSpace space;
    private final Path fp32Model;
    private final LabeledImages eval;
    private final LabelOffset offset;
    private final Metric metric;
    private final int threads;
    private final Path scratch;
    private final boolean ownScratch;
    private final String runtime;
    private final String runtimeNote;
    private final float[] subsetImages;
    private final int[] subsetTargets;
    private final int pixels;
    private float[] fp32SubsetScores;
    private int[] fp32SubsetPredictions;

    /**
     * @param offset the label offset for top-k metrics; null for a user's metric (the images need no labels then)
     */
    public RuntimePlanEvaluator(TuningSpace space, Path fp32Model, LabeledImages eval, LabelOffset offset, Metric metric, int subsetSize,
                                TrialRuntime runtime, int threads, Path scratchDir) {
        if (eval.size() == 0) throw new QtuneException("the evaluation data set is empty");
        this.space = space;
        this.fp32Model = fp32Model;
        this.eval = eval;
        this.offset = offset;
        this.metric = metric;
        this.threads = threads;
        try {
            this.ownScratch = scratchDir == null;
            this.scratch = scratchDir == null ? Files.createTempDirectory("qtune-trials") : Files.createDirectories(scratchDir);
        } catch (IOException e) {
            throw new QtuneException("cannot create a scratch directory for trial graphs: " + e.getMessage(), e);
        }
        String[] note = {null};
        this.runtime = resolve(runtime, note);
        this.runtimeNote = note[0];
        pixels = eval.height() * eval.width() * 3;
        // a user's metric has no subset: the first images of the set serve the timing runs
        int[] idx = metric instanceof Metric.TopK k ? fragileImages(Math.min(subsetSize, eval.size()), k.k())
                : java.util.stream.IntStream.range(0, Math.min(TIMING_BATCH, eval.size())).toArray();
        subsetImages = new float[idx.length * pixels];
        subsetTargets = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            eval.load(idx[i], subsetImages, i * pixels);
            if (offset == null) continue;
            int label = eval.label(idx[i]);
            if (label < 0) throw InvalidSetting.mentioning("image " + eval.id(idx[i]) + " has no label: use a labeled data set for ", "eval", "");
            subsetTargets[i] = offset.toModelClass(label);
        }
    }

    /** Whether trials can be screened on the subset: for top-k metrics only. */
    public boolean screens() {
        return metric instanceof Metric.TopK;
    }

    /**
     * The {@code n} images of the evaluation set whose FP32 top-k margin (k-th minus (k+1)-th softmax probability; for
     * top-1 the first minus the second) is smallest, in set order. Quantization noise moves the scores a little, so it flips the top-1 of these images and
     * almost never of confident ones: on this subset the change in correct images is (nearly) the change on the whole
     * set, where a random subset of 10% would see only a noisy tenth of a handful of flips.
     */
    private int[] fragileImages(int n, int k) {
        int total = eval.size();
        double[] margin = new double[total];
        try (Classifier m = open(null)) {
            int classes = m.classes();
            float[] in = new float[BATCH * pixels];
            for (int from = 0; from < total; from += BATCH) {
                int b = Math.min(BATCH, total - from);
                for (int i = 0; i < b; i++) eval.load(from + i, in, i * pixels);
                float[] s = m.scores(b == BATCH ? in : java.util.Arrays.copyOf(in, b * pixels), b);
                float[] top = new float[k + 1];
                for (int i = 0; i < b; i++) {
                    java.util.Arrays.fill(top, Float.NEGATIVE_INFINITY);
                    for (int j = 0; j < classes; j++) {
                        float v = s[i * classes + j];
                        // insertion into the k+1 largest so far, largest first (strictly greater: a tie stays behind)
                        for (int r = 0; r <= k; r++) {
                            if (v > top[r]) {
                                System.arraycopy(top, r, top, r + 1, k - r);
                                top[r] = v;
                                break;
                            }
                        }
                    }
                    margin[from + i] = top[k - 1] - top[k];
                }
            }
        }
        Integer[] order = new Integer[total];
        for (int i = 0; i < total; i++) order[i] = i;
        // ties by index keep the choice the same every run
        java.util.Arrays.sort(order, java.util.Comparator.comparingDouble((Integer i) -> margin[i]).thenComparingInt(i -> i));
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = order[i];
        java.util.Arrays.sort(idx);
        return idx;
    }

    /** auto: oneDNN if it compiles and runs an INT8 graph of this model, else TF (with a note saying why). */
    private String resolve(TrialRuntime wanted, String[] note) {
        if (wanted != TrialRuntime.AUTO) return wanted.id();
        Path probe = graphFor(Strategy.MODEL_WIDE.get(0));
        try (Classifier c = Classifiers.open("onednn", probe, threads)) {
            c.scores(subsetProbe(), 1);
            return "onednn";
        } catch (RuntimeException | LinkageError e) {
            note[0] = "oneDNN cannot run the INT8 graph (" + firstLine(e) + "); using TF for every measurement";
            return "tf";
        }
    }

    private float[] subsetProbe() {
        float[] one = new float[eval.height() * eval.width() * 3];
        eval.load(0, one, 0);
        return one;
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** Why auto chose the runtime it did, or null. */
    public String runtimeNote() {
        return runtimeNote;
    }

    @Override
    public String runtime() {
        return runtime;
    }

    private Path graphFor(Candidate c) {
        Path f = scratch.resolve("trial.pb");
        AtomicFiles.write(f, GraphDefCodec.toBytes(QuantPipeline.convert(space.fused(), space.plan(c), Int8GraphWriter.ArgMaxOutput.CAST).graph()));
        return f;
    }

    private Classifier open(Candidate c) {
        return Classifiers.open(runtime, c == null ? fp32Model : graphFor(c), threads);
    }

    @Override
    public synchronized Measurement fp32(Stage stage) {
        try (Classifier m = open(null)) {
            if (stage == Stage.FULL) return full(m, m);
            requireSubset();
            long t0 = System.nanoTime();
            fp32SubsetScores = subsetScores(m);
            fp32SubsetPredictions = predictions(fp32SubsetScores, m.classes());
            return new Measurement(accuracy(fp32SubsetScores, fp32SubsetPredictions, m.classes()), subsetTargets.length, 0, 0,
                    (System.nanoTime() - t0) / 1e9);
        }
    }

    @Override
    public synchronized Measurement evaluate(Candidate candidate, Stage stage) {
        if (stage == Stage.FULL && !(metric instanceof Metric.TopK)) {
            try (Classifier m = open(candidate); Classifier fp32 = open(null)) {
                return full(m, fp32);
            }
        }
        try (Classifier m = open(candidate)) {
            if (stage == Stage.FULL) return full(m, null);
            requireSubset();
            if (fp32SubsetScores == null) fp32(Stage.SUBSET);
            long t0 = System.nanoTime();
            float[] s = subsetScores(m);
            int classes = m.classes();
            int[] pred = predictions(s, classes);
            int differ = 0;
            for (int i = 0; i < pred.length; i++) if (pred[i] != fp32SubsetPredictions[i]) differ++;
            return new Measurement(accuracy(s, pred, classes), pred.length, klDivergence(fp32SubsetScores, s, classes), differ,
                    (System.nanoTime() - t0) / 1e9);
        }
    }

    private void requireSubset() {
        if (!screens()) throw new IllegalStateException("a user's metric (" + metric.id() + ") has no subset stage");
    }

    /** The metric on the whole set; {@code fp32} is the reference a user's function may compare with. */
    private Measurement full(Classifier m, Classifier fp32) {
        if (metric instanceof Metric.Custom c) {
            long t0 = System.nanoTime();
            double score = c.function().score(m, fp32);
            if (!Double.isFinite(score)) throw new QtuneException("metric '" + c.id() + "' returned " + score + ": a score must be finite");
            return Measurement.full(score, eval.size(), (System.nanoTime() - t0) / 1e9);
        }
        EvalResult r = new Evaluator(BATCH, BatchLoader.Options.defaults()).evaluate(m, eval, offset, 0, n -> {});
        return Measurement.full(((Metric.TopK) metric).of(r), r.count(), r.count() / r.imagesPerSecond());
    }

    /** Timed runs of one batch of subset images for about a second, after a warm-up run. */
    @Override
    public synchronized double throughput(Candidate candidate) {
        int batch = Math.min(TIMING_BATCH, subsetTargets.length);
        float[] in = java.util.Arrays.copyOf(subsetImages, batch * pixels);
        try (Classifier m = open(candidate)) {
            m.scores(in, batch);
            long t0 = System.nanoTime(), elapsed;
            int runs = 0;
            do {
                m.scores(in, batch);
                runs++;
                elapsed = System.nanoTime() - t0;
            } while (runs < 3 || elapsed < 1_000_000_000L);
            return (double) runs * batch / (elapsed / 1e9);
        }
    }

    private float[] subsetScores(Classifier m) {
        int n = subsetTargets.length, classes = m.classes();
        float[] out = new float[n * classes];
        for (int from = 0; from < n; from += BATCH) {
            int b = Math.min(BATCH, n - from);
            float[] in = java.util.Arrays.copyOfRange(subsetImages, from * pixels, (from + b) * pixels);
            System.arraycopy(m.scores(in, b), 0, out, from * classes, b * classes);
        }
        return out;
    }

    private static int[] predictions(float[] scores, int classes) {
        int[] p = new int[scores.length / classes];
        for (int i = 0; i < p.length; i++) {
            int best = 0;
            for (int j = 1; j < classes; j++) if (scores[i * classes + j] > scores[i * classes + best]) best = j;
            p[i] = best;
        }
        return p;
    }

    /** The subset's top-k: top-1 as the arg max, top-5 as the full evaluation counts it (ties favour the target). */
    private double accuracy(float[] scores, int[] pred, int classes) {
        int k = ((Metric.TopK) metric).k(), ok = 0;
        for (int i = 0; i < pred.length; i++) {
            if (k == 1) {
                if (pred[i] == subsetTargets[i]) ok++;
                continue;
            }
            float t = scores[i * classes + subsetTargets[i]];
            int higher = 0;
            for (int j = 0; j < classes; j++) if (scores[i * classes + j] > t) higher++;
            if (higher < k) ok++;
        }
        return (double) ok / pred.length;
    }

    /** Mean KL(FP32 || INT8) of the softmax rows; the floor keeps a zero INT8 probability finite. */
    static double klDivergence(float[] p, float[] q, int classes) {
        double sum = 0;
        int rows = p.length / classes;
        for (int i = 0; i < p.length; i++) {
            double a = Math.max(p[i], 1e-12), b = Math.max(q[i], 1e-12);
            sum += a * Math.log(a / b);
        }
        return sum / rows;
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(scratch.resolve("trial.pb"));
            if (ownScratch) Files.deleteIfExists(scratch);
        } catch (IOException ignored) {
            // a leftover scratch graph is harmless
        }
    }
}
