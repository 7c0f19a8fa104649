package io.qtune.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.qtune.platform.Machine;
import io.qtune.platform.TfOnednn;

/**
 * What the CPU (as oneDNN and TF see it, after ONEDNN_MAX_CPU_ISA and TF_ENABLE_ONEDNN_OPTS) lets a test claim.
 * The suite reruns the CPU-sensitive tests under other settings (java/pom.xml, executions cpu-*), so a developer on
 * one CPU sees what another would show; these assumptions turn what cannot hold there into a skip with the reason.
 */
public final class Cpu {
    private Cpu() {}

    /**
     * How INT8 convolutions (qtune's engine and TF's oneDNN kernels, which read the same ONEDNN_MAX_CPU_ISA) add u8 x s8
     * products on this CPU: a test of 8-bit filters compares with the reference that sums them the same way.
     */
    public static io.qtune.semantics.Int8DotProduct int8DotProduct() {
        return io.qtune.semantics.Int8Saturation.cpu();
    }

    /** Whether qtune's oneDNN runs bf16 convolutions natively (avx512_bf16 or AMX, not capped by ONEDNN_MAX_CPU_ISA). */
    public static boolean engineBf16() {
        int isa = org.bytedeco.dnnl.global.dnnl.dnnl_get_effective_cpu_isa();
        int bf16 = org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core_bf16;
        return (isa & bf16) == bf16;
    }

    /**
     * Skips where stock TF cannot run a bfloat16 graph in this process: below AVX-512 with TF's oneDNN on, because
     * TF_ENABLE_ONEDNN_OPTS says so or an earlier test started TF with it on ({@link TfOnednn}). Call it before the
     * test touches TF: when TF has not started yet, it starts it for the bf16 graph.
     */
    public static void assumeTfRunsBf16() {
        assumeTfRuns(TfOnednn.Kind.BF16, "<test graph>");
    }

    /**
     * Skips where TF cannot run Intel's quantized ops, which exist only on its oneDNN path: where the user set
     * TF_ENABLE_ONEDNN_OPTS=0, or where a bfloat16 test started TF with it off on a CPU below AVX-512 (TF reads it once
     * per process). Everywhere else qtune turns TF's oneDNN on for them, whatever TF's default on the CPU.
     */
    public static void assumeTfRunsInt8() {
        assumeTfRuns(TfOnednn.Kind.INT8, "<test graph>");
    }

    /** Skips, with TF's reason, where TF cannot run a graph of this kind in this process; starts TF's setting first. */
    public static void assumeTfRuns(TfOnednn.Kind kind, String graph) {
        String why = TfOnednn.refusal(kind, graph);
        assumeTrue(why == null, why);
    }
}
