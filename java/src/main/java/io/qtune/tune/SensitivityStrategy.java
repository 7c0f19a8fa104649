package io.qtune.tune;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Spends full evaluations only on plans the subset says can pass:
 * <ol>
 *   <li>every model-wide config on the subset; the one closest to FP32 (lowest divergence) that is not a clear
 *       failure is the base, confirmed on the full set;</li>
 *   <li>if it fails, each op's sensitivity on the subset: how much of the base's divergence from FP32 goes away when
 *       only that op falls back to FP32;</li>
 *   <li>cumulative fallback, most sensitive op first, each plan on the subset; a full evaluation only when the share
 *       of the divergence removed predicts a passing full accuracy (the base's full accuracy plus that share of its
 *       gap to FP32), and more is removed than by any plan that already failed on the full set.</li>
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
        for (Candidate c : MODEL_WIDE) screened.add(s.measure(c, Stage.SUBSET, "model-wide"));
        // stable: ties keep the reference order; clear failures last
        List<Trial> byFidelity = new ArrayList<>(screened);
        byFidelity.sort(Comparator.comparing((Trial t) -> s.clearFailure(t)).thenComparingDouble(t -> t.m().divergence()));
        Trial baseSubset = byFidelity.get(0);
        Candidate base = baseSubset.candidate();
        Trial baseFull = s.measure(base, Stage.FULL, "confirm");
        if (baseFull.passed()) return Optional.of(base);

        double baseDivergence = baseSubset.m().divergence();
        Map<String, Double> sensitivity = new HashMap<>();
        for (String op : s.ops()) {
            Trial t = s.measure(base.withFp32(List.of(op)), Stage.SUBSET, "sensitivity");
            sensitivity.put(op, baseDivergence - t.m().divergence());
        }
        List<String> order = new ArrayList<>(s.ops());
        order.sort(Comparator.comparingDouble((String op) -> sensitivity.get(op)).reversed());

        double fp32Full = s.fp32(Stage.FULL).accuracy();
        double failedShare = Double.NEGATIVE_INFINITY;
        for (int k = 1; k <= order.size(); k++) {
            Candidate c = base.withFp32(order.subList(0, k));
            Trial t = s.measure(c, Stage.SUBSET, "cumulative");
            if (s.clearFailure(t)) continue;
            double share = baseDivergence > 0 ? 1 - t.m().divergence() / baseDivergence : 1;
            double predicted = baseFull.m().accuracy() + share * (fp32Full - baseFull.m().accuracy());
            if (predicted < s.fullThreshold() - 1e-12 || share <= failedShare) continue;
            Trial full = s.measure(c, Stage.FULL, "confirm");
            if (full.passed()) return Optional.of(c);
            failedShare = share;
        }
        return Optional.empty();
    }
}
