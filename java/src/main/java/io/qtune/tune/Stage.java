package io.qtune.tune;

/** How much of the evaluation set a trial looks at. */
public enum Stage {
    /** A fixed subset: accuracy plus divergence from the cached FP32 outputs; cheap, for screening and ranking. */
    SUBSET,
    /** The whole evaluation set: the only accuracy a plan is accepted on. */
    FULL;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
