package io.qtune.tune;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The reference tool's order, every trial on the full set: model-wide configs, then each op alone back to FP32 in
 * reverse op order (the reference tries BF16 first where the CPU has it; our TF graphs have no BF16 ops), then
 * cumulative fallback in the order of the accuracy each op gained alone. Stops at the first passing plan.
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
        for (Candidate c : MODEL_WIDE) {
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
            Candidate c = base.withFp32(List.of(op));
            Trial t = s.measure(c, Stage.FULL, "per-op");
            if (t.passed()) return Optional.of(c);
            gain.put(op, t.m().accuracy() - baseAccuracy);
        }
        List<String> order = new ArrayList<>(reverse); // stable sort: ties keep the reverse op order
        order.sort(Comparator.comparingDouble((String op) -> gain.get(op)).reversed());
        for (int k = 2; k <= order.size(); k++) {
            Candidate c = base.withFp32(order.subList(0, k));
            Trial t = s.measure(c, Stage.FULL, "cumulative");
            if (t.passed()) return Optional.of(c);
        }
        return Optional.empty();
    }
}
