package io.qtune.tune;

import io.qtune.InvalidSetting;
import io.qtune.quant.WeightGranularity;
import java.util.List;
import java.util.Optional;

/** A way to walk the tuning space; returns the first plan it accepts, if any (the search keeps every measurement). */
public interface Strategy {
    /** The reference order of model-wide configs: activation algorithm {minmax, kl} x weights {per-channel, per-tensor}. */
    List<Candidate> MODEL_WIDE = List.of(
            Candidate.allInt8("minmax", WeightGranularity.PER_CHANNEL),
            Candidate.allInt8("minmax", WeightGranularity.PER_TENSOR),
            Candidate.allInt8("kl", WeightGranularity.PER_CHANNEL),
            Candidate.allInt8("kl", WeightGranularity.PER_TENSOR));

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
