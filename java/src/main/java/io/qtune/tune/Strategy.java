package io.qtune.tune;

import io.qtune.InvalidSetting;
import io.qtune.quant.WeightGranularity;
import io.qtune.quant.WeightRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A way to walk the tuning space; returns the first plan it accepts, if any (the search keeps every measurement). */
public interface Strategy {
    /**
     * The reference order of model-wide configs: for each weight range in the order given, activation algorithm
     * {minmax, kl} x weights {per-channel, per-tensor}.
     */
    static List<Candidate> modelWide(List<WeightRange> ranges) {
        List<Candidate> out = new ArrayList<>();
        for (WeightRange r : ranges) {
            for (String algorithm : List.of("minmax", "kl")) {
                for (WeightGranularity w : List.of(WeightGranularity.PER_CHANNEL, WeightGranularity.PER_TENSOR)) {
                    out.add(Candidate.allInt8(algorithm, w, r));
                }
            }
        }
        return List.copyOf(out);
    }

    /** The model-wide configs at the default weight range. */
    List<Candidate> MODEL_WIDE = modelWide(List.of(WeightRange.DEFAULT));

    String name();

    Optional<Candidate> search(Search s);

    /** Whether candidates should be screened on the subset before a full evaluation (the fastest objective asks). */
    boolean screensOnSubset();

    Strategy BASIC = new BasicStrategy();
    Strategy SENSITIVITY = new SensitivityStrategy();

    /** basic or sensitivity. */
    static Strategy named(String name) {
        return switch (name == null ? "" : name) {
            case "basic" -> BASIC;
            case "sensitivity" -> SENSITIVITY;
            default -> throw new InvalidSetting("strategy", "must be basic or sensitivity, got '" + name + "'");
        };
    }
}
