package io.qtune.tune;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Spends full evaluations only on plans the subset predicts to pass. The subset is the evaluation set's least
 * confident FP32 images, so a subset trial's net change in correct images predicts the full-set accuracy
 * ({@link Search#predictedFull}) to within the few flips that happen on confident images.
 * <ol>
 *   <li>every model-wide config on the subset; the base is the one with the best predicted full accuracy (ties: the
 *       lower divergence from FP32); it is confirmed on the full set only when predicted to pass;</li>
 *   <li>each op's sensitivity on the subset: the correct images it wins back when only that op falls back to FP32
 *       (ties, which are common, broken by the share of the divergence from FP32 that goes away);</li>
 *   <li>cumulative fallback, most sensitive op first, each plan on the subset; a full evaluation when the prediction
 *       passes, allowing for the flips the subset missed so far: a failed confirmation measures that miss
 *       ({@link Miss}), and later predictions are corrected by it, so each full evaluation teaches the next.</li>
 * </ol>
 */
public final class SensitivityStrategy implements Strategy {
    @Override
    public String name() {
        return "sensitivity";
    }

    @Override
    public boolean screensOnSubset() {
        return true;
    }

    @Override
    public Optional<Candidate> search(Search s) {
        List<Trial> screened = new ArrayList<>();
        for (Candidate c : s.modelWide()) screened.add(s.measure(c, Stage.SUBSET, "model-wide"));
        // stable: ties keep the reference order
        List<Trial> byPrediction = new ArrayList<>(screened);
        byPrediction.sort(Comparator.comparingDouble((Trial t) -> -s.predictedFull(t)).thenComparingDouble(t -> t.m().divergence()));
        Trial baseSubset = byPrediction.get(0);
        Candidate base = baseSubset.candidate();
        double threshold = s.fullThreshold();
        Miss miss = new Miss(s.fp32(Stage.FULL).accuracy());
        if (miss.predict(s.predictedFull(baseSubset)) >= threshold - 1e-12) {
            Trial full = s.measure(base, Stage.FULL, "confirm");
            if (full.passed()) return Optional.of(base);
            miss.learn(s.predictedFull(baseSubset), full.m().accuracy());
        }

        double baseAccuracy = baseSubset.m().accuracy(), baseDivergence = baseSubset.m().divergence();
        Map<String, Double> gain = new HashMap<>(), divergenceShare = new HashMap<>();
        for (String op : s.ops()) {
            Trial t = s.measure(base.withFallback(List.of(op), s.firstFallback()), Stage.SUBSET, "sensitivity");
            gain.put(op, t.m().accuracy() - baseAccuracy);
            divergenceShare.put(op, baseDivergence > 0 ? 1 - t.m().divergence() / baseDivergence : 0);
        }
        List<String> order = new ArrayList<>(s.ops());
        order.sort(Comparator.comparingDouble((String op) -> -gain.get(op)).thenComparingDouble(op -> -divergenceShare.get(op)));

        // into each fallback precision in turn: all BF16 first where the order has it, then FP32
        for (io.qtune.quant.Precision p : s.fallbacks()) {
            boolean last = p == io.qtune.quant.Precision.FP32;
            for (int k = 1; k <= order.size(); k++) {
                Candidate c = base.withFallback(order.subList(0, k), p);
                Trial t = s.measure(c, Stage.SUBSET, "cumulative");
                double predicted = s.predictedFull(t);
                // the last plan, every op in FP32, is always confirmed: it is the one plan that can meet a zero-loss criterion
                if ((k < order.size() || !last) && miss.predict(predicted) < threshold - 1e-12) continue;
                Trial full = s.measure(c, Stage.FULL, "confirm");
                if (full.passed()) return Optional.of(c);
                miss.learn(predicted, full.m().accuracy());
            }
        }
        return Optional.empty();
    }

    /**
     * What the subset missed, learnt from failed confirmations: the flips outside the subset come from the same
     * quantization noise as those inside, so the full loss is taken as a multiple of the loss the subset sees; a
     * failure the subset saw no loss for at all is kept as a fixed extra loss. Never assumed to be a gain.
     */
    static final class Miss {
        private final double fp32;
        private double scale = 1, extra;

        Miss(double fp32FullAccuracy) {
            this.fp32 = fp32FullAccuracy;
        }

        double predict(double subsetPrediction) {
            return fp32 - Math.max(0, fp32 - subsetPrediction) * scale - extra;
        }

        void learn(double subsetPrediction, double fullAccuracy) {
            double seen = fp32 - subsetPrediction, actual = fp32 - fullAccuracy;
            if (seen > 1e-12) scale = Math.max(scale, actual / seen);
            else extra = Math.max(extra, actual);
        }
    }
}
