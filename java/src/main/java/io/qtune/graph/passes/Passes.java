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
        for (Supplier<GraphPass> s : List.<Supplier<GraphPass>>of(ReadBf16::new, StripIdentity::new, FoldBatchNorm::new, FoldPad::new,
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

    /** Read bf16 as marks, strip Identity, fold BatchNorm and Pad, fuse Conv+Bias+Relu and the residual Add: the IR the engines compile. */
    public static Graph fuseForInference(Graph g) {
        for (String name : names()) g = byName(name).apply(g);
        return g;
    }

    /**
     * The BF16 GraphDef of an FP32 graph, for stock TF and the engine alike: fused for inference (BatchNorm folded into
     * the weights before they are rounded), written back as stock TF ops, retyped to bf16 where TF runs bf16 on a CPU,
     * and the ArgMax output made FP32 as in the INT8 graph.
     */
    public static Graph convertToBf16(Graph fp32) {
        // before fusion: its read-bf16 pass would turn a BF16 graph into marks without a word
        for (io.qtune.graph.Node n : fp32.nodes()) ConvertToBf16.requireNotBf16(n);
        Graph g = fuseForInference(fp32);
        for (GraphPass p : List.of(new UnfuseConv(), new ConvertToBf16(), new CastArgMaxToFloat())) g = p.apply(g);
        return g;
    }
}
