package io.qtune.tune;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The reference tool's order, every trial on the full set: model-wide configs, then each op alone out of INT8 in
 * reverse op order (into BF16 first where the fallback order has it, as the reference does where the CPU has BF16),
 * then cumulative fallback in the order of the accuracy each op gained alone, into each fallback precision in turn
 * (all BF16, then all FP32). Stops at the first passing plan.
 */
public final class BasicStrategy implements Strategy {
    @Override
    public String name() {
        return "basic";
    }

    @Override
    public boolean screensOnSubset() {
        return false;
    }

    @Override
    public Optional<Candidate> search(Search s) {
        Trial best = null;
        for (Candidate c : s.modelWide()) {
            Trial t = s.measure(c, Stage.FULL, "model-wide");
            if (t.passed()) return Optional.of(c);
            if (best == null || t.m().accuracy() > best.m().accuracy()) best = t;
        }
        Candidate base = best.candidate();
        double baseAccuracy = best.m().accuracy();
        List<String> reverse = new ArrayList<>(s.ops());
        java.util.Collections.reverse(reverse);
        Map<String, Double> gain = new HashMap<>();
        for (String op : reverse) {
            Candidate c = base.withFallback(List.of(op), s.firstFallback());
            Trial t = s.measure(c, Stage.FULL, "per-op");
            if (t.passed()) return Optional.of(c);
            gain.put(op, t.m().accuracy() - baseAccuracy);
        }
        List<String> order = new ArrayList<>(reverse); // stable sort: ties keep the reverse op order
        order.sort(Comparator.comparingDouble((String op) -> gain.get(op)).reversed());
        for (io.qtune.quant.Precision p : s.fallbacks()) {
            // one op alone in the first fallback precision was tried above
            for (int k = p == s.firstFallback() ? 2 : 1; k <= order.size(); k++) {
                Candidate c = base.withFallback(order.subList(0, k), p);
                Trial t = s.measure(c, Stage.FULL, "cumulative");
                if (t.passed()) return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
