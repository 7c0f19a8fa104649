package io.qtune.engine;

import io.qtune.graph.Graph;
import io.qtune.graph.Node;
import io.qtune.graph.Ops;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Whether BF16 convolutions are faster than FP32 ones on this CPU, for one model: the per-layer floors ({@link Floor})
 * of its FP32 program and of the same program with every convolution marked bf16. BF16 halves the bytes, but its dot
 * product (vdpbf16ps) is not always faster than FP32 FMA: on an Intel Xeon without AMX it peaks near half FP32's
 * rate, on AMD Zen 4/5 near twice. So `bench` and `tune` measure instead of assuming.
 *
 * @param batch        batch size measured
 * @param fp32FloorMs  FP32 floor per run
 * @param bf16FloorMs  BF16 floor per run (FP32 again when the engine ran the marks in FP32)
 * @param bf16Native   whether the engine ran the marked convolutions as bf16 primitives
 */
public record Bf16Speed(int batch, double fp32FloorMs, double bf16FloorMs, boolean bf16Native) {
    /** Measures on the calling thread's team; {@code fused} is an inference-fused FP32 graph. */
    public static Bf16Speed measure(Graph fused, int batch, int runs) {
        double fp32, bf16;
        boolean nativeBf16;
        try (Model m = Model.compile(fused)) {
            fp32 = m.floor(batch, runs).floorMs();
        }
        try (Model m = Model.compile(markAllConvolutionsBf16(fused))) {
            Floor f = m.floor(batch, runs);
            bf16 = f.floorMs();
            nativeBf16 = f.steps().stream().anyMatch(s -> s.kind().equals("bf16 convolution"));
        }
        return new Bf16Speed(batch, fp32, bf16, nativeBf16);
    }

    /** The graph with every FP32 convolution marked to run in bf16 (as the exporter marks a BF16 fallback). */
    public static Graph markAllConvolutionsBf16(Graph fused) {
        List<Node> nodes = new ArrayList<>();
        for (Node n : fused.nodes()) nodes.add(Ops.isConv(n.op()) ? n.withAttr(Ops.PRECISION_ATTR, Ops.BF16) : n);
        return new Graph(nodes);
    }

    /** FP32 floor over BF16 floor: above 1 when BF16 is faster. */
    public double speedup() {
        return fp32FloorMs / bf16FloorMs;
    }

    /** Whether BF16 is worth falling back to for speed here: native and faster than FP32. */
    public boolean bf16Faster() {
        return bf16Native && bf16FloorMs < fp32FloorMs;
    }

    /**
     * Whether BF16 is slower than FP32 here by more than a measurement can be off (15%): the default fallback order
     * skips BF16 then. The CPUs differ far more than that (a Xeon without AMX about 1.5x slower, Zen about 2x
     * faster), while a small model's floors, a tenth of a millisecond, can swap by a few percent between runs.
     */
    public boolean bf16ClearlySlower() {
        return bf16Native && bf16FloorMs > 1.15 * fp32FloorMs;
    }

    /** One line for bench and tune. */
    public String describe() {
        if (!bf16Native) return "BF16: this CPU (as oneDNN sees it) has no native bf16 dot product; BF16 would run as FP32";
        return String.format(Locale.ROOT, "BF16 vs FP32 on this CPU (per-layer floors, batch %d): %.3f vs %.3f ms/image, "
                        + "BF16 is %.2fx %s", batch, bf16FloorMs / batch, fp32FloorMs / batch,
                bf16Faster() ? speedup() : 1 / speedup(), bf16Faster() ? "faster" : "SLOWER than FP32 here");
    }
}
