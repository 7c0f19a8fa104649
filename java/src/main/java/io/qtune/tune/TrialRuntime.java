package io.qtune.tune;

import io.qtune.InvalidSetting;
import java.util.Locale;

/** Where the tuner runs its trials: oneDNN, TF, or {@code AUTO} (oneDNN when it runs the INT8 graphs, else TF). */
public enum TrialRuntime {
    AUTO, ONEDNN, TF;

    /** auto, onednn or tf: the engine names {@link io.qtune.eval.Classifiers} takes. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TrialRuntime parse(String s) {
        for (TrialRuntime r : values()) if (r.id().equals(s)) return r;
        throw new InvalidSetting("runtime", "must be one of auto, onednn, tf, got '" + s + "'");
    }
}
