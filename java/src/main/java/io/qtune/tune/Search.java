package io.qtune.tune;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The state a strategy searches with: the measurements (cached per candidate and stage, and read back from the
 * history), the FP32 baselines, the criterion, the limits (time budget, trial count) and the plans accepted so far.
 * A strategy asks for measurements; when a limit is reached the request throws {@link Stopped}.
 */
public final class Search {
    /** Thrown when the time budget or the trial limit is used up, or the run is interrupted. */
    public static final class Stopped extends RuntimeException {
        public Stopped(String why) {
            super(why, null, false, false);
        }
    }

    /** What the search ends on: the first plan that passes, or the fastest passing plan it can find in the budget. */
    public enum Objective {
        FIRST_PASS, FASTEST;

        /** first-pass or fastest. */
        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }

        public static Objective parse(String s) {
            for (Objective o : values()) if (o.id().equals(s)) return o;
            throw new io.qtune.InvalidSetting("objective", "must be first-pass or fastest, got '" + s + "'");
        }
    }

    private final PlanEvaluator evaluator;
    private final AccuracyCriterion criterion;
    private final List<String> ops;
    private final TuningHistory history;
    private final TuningListener listener;
    private final Objective objective;
    private final int maxTrials;
    private final long deadlineNanos;
    private final LongSupplier clock;
    private final Map<String, Trial> session = new HashMap<>();
    private final List<Trial> trials = new ArrayList<>();
    private Measurement fp32Subset, fp32Full;
    private double fp32Throughput = Double.NaN;
    private int fullEvaluations, subsetEvaluations, resumed;
    private Trial accepted;
    private volatile String stopRequest;

    /**
     * @param ops the quantizable ops in graph order
     * @param timeBudgetNanos 0 or less: no budget
     * @param maxTrials new evaluations allowed in this run (trials resumed from the history do not count); 0 or less: no limit
     */
    public Search(PlanEvaluator evaluator, AccuracyCriterion criterion, List<String> ops, TuningHistory history,
                  TuningListener listener, Objective objective, long timeBudgetNanos, int maxTrials, LongSupplier clock) {
        this.evaluator = evaluator;
        this.criterion = criterion;
        this.ops = List.copyOf(ops);
        this.history = history;
        this.listener = listener;
        this.objective = objective;
        this.maxTrials = maxTrials;
        this.clock = clock;
        this.deadlineNanos = timeBudgetNanos > 0 ? clock.getAsLong() + timeBudgetNanos : Long.MAX_VALUE;
    }

    public List<String> ops() {
        return ops;
    }

    private List<io.qtune.quant.Precision> fallbacks = List.of(io.qtune.quant.Precision.FP32);

    /** Where an op out of INT8 goes, in order: [BF16, FP32] or [FP32] ({@code tune --fallback}). */
    public List<io.qtune.quant.Precision> fallbacks() {
        return fallbacks;
    }

    public Search fallbacks(List<io.qtune.quant.Precision> order) {
        if (order.isEmpty() || !order.get(order.size() - 1).equals(io.qtune.quant.Precision.FP32)) {
            throw new IllegalArgumentException("the fallback order must end with FP32: " + order);
        }
        this.fallbacks = List.copyOf(order);
        return this;
    }

    private List<Candidate> modelWide = Strategy.MODEL_WIDE;

    /** The model-wide configs a strategy starts from, in order ({@link Strategy#modelWide}). */
    public List<Candidate> modelWide() {
        return modelWide;
    }

    /** The weight ranges the model-wide configs take, in the order they are tried ({@code tune --weight-range}). */
    public Search weightRanges(List<io.qtune.quant.WeightRange> ranges) {
        if (ranges.isEmpty()) throw new IllegalArgumentException("no weight range to try");
        this.modelWide = Strategy.modelWide(ranges);
        return this;
    }

    /** The first precision an op out of INT8 falls back to. */
    public io.qtune.quant.Precision firstFallback() {
        return fallbacks.get(0);
    }

    public AccuracyCriterion criterion() {
        return criterion;
    }

    public Objective objective() {
        return objective;
    }

    /** Asks the search to stop at the next request (another thread may call it, e.g. on Ctrl-C). */
    public void requestStop(String why) {
        stopRequest = why;
    }

    public synchronized Measurement fp32(Stage stage) {
        if (stage == Stage.FULL) {
            if (fp32Full == null) fp32Full = evaluator.fp32(Stage.FULL);
            return fp32Full;
        }
        if (fp32Subset == null) fp32Subset = evaluator.fp32(Stage.SUBSET);
        return fp32Subset;
    }

    public double fp32Throughput() {
        if (Double.isNaN(fp32Throughput)) fp32Throughput = evaluator.throughput(null);
        return fp32Throughput;
    }

    /** The FP32 throughput when something asked for it, else NaN (never measured just for this). */
    public double fp32ThroughputIfMeasured() {
        return fp32Throughput;
    }

    /** The lowest full-set accuracy that passes. */
    public double fullThreshold() {
        return criterion.threshold(fp32(Stage.FULL).accuracy());
    }

    /**
     * Evaluates {@code c} at {@code stage} (or returns what this run or the history already measured).
     * @throws Stopped when a limit is reached before a new evaluation
     */
    public Trial measure(Candidate c, Stage stage, String phase) {
        String key = stage.id() + ":" + c.key();
        Trial known = session.get(key);
        if (known != null) return known;
        Trial t;
        Trial old = history.lookup(key);
        // a trial read back from the history costs nothing, so only new evaluations count against --max-trials
        if (old != null) checkTime();
        else checkLimits();
        if (old != null) {
            t = old.asResumed(trials.size() + 1);
            resumed++;
        } else {
            listener.trialStarted(trials.size() + 1, phase, stage, c);
            Measurement m = evaluator.evaluate(c, stage);
            Boolean passed = stage == Stage.FULL ? criterion.passes(m.accuracy(), fp32(Stage.FULL).accuracy()) : null;
            t = new Trial(trials.size() + 1, phase, stage, c, m, Double.NaN, passed, false);
            history.append(t);
            if (stage == Stage.FULL) fullEvaluations++;
            else subsetEvaluations++;
        }
        record(key, t);
        if (Boolean.TRUE.equals(t.passed()) && objective == Objective.FIRST_PASS && accepted == null) accepted = t;
        listener.trialFinished(t);
        return t;
    }

    /** Measures the throughput of a full-set trial's candidate (kept with the trial, in the history too). */
    public Trial speed(Trial full) {
        Trial known = session.get(full.key());
        if (known != null && !Double.isNaN(known.throughput())) return known;
        checkTime();
        Trial t = full.withThroughput(evaluator.throughput(full.candidate()));
        history.append(t);
        record(full.key(), t);
        if (Boolean.TRUE.equals(t.passed()) && objective == Objective.FASTEST
                && (accepted == null || t.throughput() > accepted.throughput())) {
            accepted = t;
        }
        listener.trialFinished(t);
        return t;
    }

    private void record(String key, Trial t) {
        session.put(key, t);
        for (int i = 0; i < trials.size(); i++) {
            if (trials.get(i).key().equals(key)) {
                trials.set(i, t);
                return;
            }
        }
        trials.add(t);
    }

    private void checkLimits() {
        checkTime();
        if (maxTrials > 0 && fullEvaluations + subsetEvaluations >= maxTrials) throw new Stopped("reached the trial limit (" + maxTrials + " new trials)");
    }

    private void checkTime() {
        if (stopRequest != null) throw new Stopped(stopRequest);
        if (clock.getAsLong() >= deadlineNanos) throw new Stopped("time budget used up");
    }

    /**
     * The full-set accuracy a subset trial predicts. The subset holds the images FP32 is least sure of, where nearly
     * every top-1 change happens, so the net change in correct images there is taken as the net change on the whole
     * set: FP32's full accuracy minus the subset's net loss counted in full-set images.
     */
    public double predictedFull(Trial subset) {
        Measurement f = fp32(Stage.FULL), s = fp32(Stage.SUBSET);
        double netCorrect = (subset.m().accuracy() - s.accuracy()) * subset.m().images();
        return f.accuracy() + netCorrect / f.images();
    }

    /**
     * A subset result so far below the threshold that the full set cannot plausibly pass: its prediction misses by
     * more than two standard errors of the flips it does not see (taken to scale like the square root of those it
     * sees), and by at least one image.
     */
    public boolean clearFailure(Trial subset) {
        int n = fp32(Stage.FULL).images();
        double se = Math.sqrt(Math.max(1, subset.m().disagreements())) / n;
        return predictedFull(subset) < fullThreshold() - Math.max(2 * se, 1.0 / n);
    }

    /** The accepted plan: the first passing one, or with {@link Objective#FASTEST} the fastest passing one measured. */
    public Trial accepted() {
        return accepted;
    }

    /** The trial to write when nothing passed: the best full-set accuracy, else the best subset one. */
    public Trial bestSoFar() {
        if (accepted != null) return accepted;
        Trial best = null;
        for (Trial t : trials) {
            if (best == null || rank(t) > rank(best)) best = t;
        }
        return best;
    }

    private double rank(Trial t) {
        // a full-set number outranks any subset number
        return (t.stage() == Stage.FULL ? 10 : 0) + t.m().accuracy();
    }

    public List<Trial> trials() {
        return Collections.unmodifiableList(new ArrayList<>(trials));
    }

    /** Full-set evaluations run in this session (not counting those read back from the history). */
    public int fullEvaluations() {
        return fullEvaluations;
    }

    public int subsetEvaluations() {
        return subsetEvaluations;
    }

    public int resumedTrials() {
        return resumed;
    }

    public String runtime() {
        return evaluator.runtime();
    }
}
