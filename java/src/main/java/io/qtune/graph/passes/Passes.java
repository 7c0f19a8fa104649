package io.qtune.graph.passes;

import io.qtune.QtuneException;
import io.qtune.graph.Graph;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The registry of rewrite passes, by name, and the standard inference pipeline. */
public final class Passes {
    private Passes() {}

    private static final Map<String, Supplier<GraphPass>> REGISTRY = new java.util.LinkedHashMap<>();

    static {
        for (Supplier<GraphPass> s : List.<Supplier<GraphPass>>of(StripIdentity::new, FoldBatchNorm::new, FoldPad::new,
                FuseConvBiasActivation::new, FuseResidualAdd::new)) {
            REGISTRY.put(s.get().name(), s);
        }
    }

    /** Pass names in the order {@link #fuseForInference} applies them. */
    public static List<String> names() {
        return List.copyOf(REGISTRY.keySet());
    }

    public static GraphPass byName(String name) {
        Supplier<GraphPass> s = REGISTRY.get(name);
        if (s == null) throw new QtuneException("unknown pass '" + name + "' (known: " + names() + ")");
        return s.get();
    }

    /** Strip Identity, fold BatchNorm and Pad, fuse Conv+Bias+Relu and the residual Add: the IR the engines compile. */
    public static Graph fuseForInference(Graph g) {
        for (String name : names()) g = byName(name).apply(g);
        return g;
    }
}
