package io.qtune.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.qtune.platform.Machine;
import java.util.Set;

/**
 * What the CPU (as oneDNN and TF see it, after ONEDNN_MAX_CPU_ISA and TF_ENABLE_ONEDNN_OPTS) lets a test claim.
 * The suite reruns the CPU-sensitive tests under other settings (java/pom.xml, executions cpu-*), so a developer on
 * one CPU sees what another would show; these assumptions turn what cannot hold there into a skip with the reason.
 */
public final class Cpu {
    /** oneDNN ISAs with a VNNI dot product (u8 x s8 summed exactly in 32 bits). */
    static final Set<String> VNNI = Set.of("avx2_vnni", "avx2_vnni_2", "avx512_core_vnni", "avx512_core_bf16",
            "avx512_core_fp16", "avx512_core_amx", "avx512_core_amx_fp16");

    private Cpu() {}

    /** Whether INT8 convolutions (qtune's engine and TF's oneDNN kernels) sum u8 x s8 products exactly. */
    public static boolean exactInt8() {
        return VNNI.contains(Machine.current().onednnIsa());
    }

    /** How INT8 convolutions (qtune's engine and TF's oneDNN kernels) add u8 x s8 products on this CPU. */
    public static io.qtune.semantics.Int8DotProduct int8DotProduct() {
        return exactInt8() ? io.qtune.semantics.Int8DotProduct.EXACT : io.qtune.semantics.Int8DotProduct.SATURATING_PAIRS;
    }

    /**
     * Skips a bit-exactness claim where oneDNN has no VNNI: there (and in TF, whose oneDNN reads the same
     * ONEDNN_MAX_CPU_ISA) u8 x s8 products are added in pairs in saturating 16-bit arithmetic (vpmaddubsw), so codes
     * differ from the exact 32-bit sum (measured under ONEDNN_MAX_CPU_ISA=AVX2: up to 17 LSB in 0.04% of codes).
     */
    public static void assumeExactInt8() {
        assumeTrue(exactInt8(), "oneDNN ISA " + Machine.current().onednnIsa()
                + " has no VNNI: u8 x s8 pairs saturate at 16 bits, so INT8 results are not exact here");
    }

    /** Whether qtune's oneDNN runs bf16 convolutions natively (avx512_bf16 or AMX, not capped by ONEDNN_MAX_CPU_ISA). */
    public static boolean engineBf16() {
        int isa = org.bytedeco.dnnl.global.dnnl.dnnl_get_effective_cpu_isa();
        int bf16 = org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core_bf16;
        return (isa & bf16) == bf16;
    }

    /** Skips where stock TF cannot run a bfloat16 graph in this process ({@link Machine#tfBf16Refusal()}). */
    public static void assumeTfRunsBf16() {
        String why = Machine.current().tfBf16Refusal();
        assumeTrue(why == null, why);
    }

    /** Skips where TF cannot run Intel's quantized ops: they exist only on its oneDNN path. */
    public static void assumeTfRunsInt8() {
        Machine m = Machine.current();
        assumeTrue(m.tfOnednn(), "TF oneDNN is off (" + m.tfOnednnReason() + "): TF has no kernels for the INT8 graph");
    }
}
