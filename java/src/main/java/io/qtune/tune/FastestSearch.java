package io.qtune.tune;

import io.qtune.quant.WeightGranularity;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code fastest} objective: from an accepted plan, climb to faster passing plans while the budget lasts.
 * Neighbours of a plan are the other model-wide configs with the same fallbacks and the plan with one FP32 op back in
 * INT8; each is screened on the subset (when the strategy screens), confirmed on the full set, and timed when it
 * passes. The search keeps the fastest passing plan measured as the accepted one.
 */
public final class FastestSearch {
    private FastestSearch() {}

    public static void climb(Search s, Candidate start, boolean screen) {
        Trial current = s.speed(s.measure(start, Stage.FULL, "fastest"));
        Set<String> tried = new LinkedHashSet<>();
        tried.add(start.key());
        while (true) {
            Trial best = current;
            for (Candidate nb : neighbours(current.candidate())) {
                if (!tried.add(nb.key())) continue;
                if (screen && s.clearFailure(s.measure(nb, Stage.SUBSET, "fastest"))) continue;
                Trial full = s.measure(nb, Stage.FULL, "fastest");
                if (!full.passed()) continue;
                Trial timed = s.speed(full);
                if (timed.throughput() > best.throughput()) best = timed;
            }
            if (best == current) return;
            current = best;
        }
    }

    static List<Candidate> neighbours(Candidate c) {
        List<Candidate> out = new ArrayList<>();
        for (String op : c.fallbackOps()) out.add(c.withInt8(op)); // more INT8 first: the likelier speed-up
        for (String op : c.fp32Ops()) if (!c.bf16Ops().isEmpty()) out.add(c.withInt8(op).withBf16(List.of(op)));
        for (String algo : List.of("minmax", "kl")) {
            for (WeightGranularity w : WeightGranularity.values()) {
                if (!algo.equals(c.algorithm()) || w != c.weights()) out.add(c.withConfig(algo, w));
            }
        }
        return out;
    }
}
