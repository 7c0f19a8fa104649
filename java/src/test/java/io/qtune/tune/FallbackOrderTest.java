package io.qtune.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.engine.Bf16Speed;
import io.qtune.quant.Precision;
import io.qtune.report.TuningReport;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The default fallback order follows the measured floors; --fallback overrides it. */
class FallbackOrderTest {
    // per-layer floors (ms, batch 1) as measured on the two kinds of CPU: Zen 5, and a Xeon without AMX
    private static final Bf16Speed ZEN = new Bf16Speed(1, 24.3, 12.2, true);
    private static final Bf16Speed XEON_NO_AMX = new Bf16Speed(1, 34.5, 52.0, true);
    private static final Bf16Speed NO_BF16 = new Bf16Speed(1, 34.5, 34.6, false);
    // a tiny model's floors that swapped by 4% between two runs: noise, not a slower CPU
    private static final Bf16Speed NOISE = new Bf16Speed(1, 0.171, 0.178, true);

    @Test
    void bf16IsTheFirstFallbackOnlyWhereItIsNativeAndFaster() {
        assertEquals(List.of("int8", "bf16", "fp32"), Tuner.fallbackOrder(ZEN, null).order());
        TuningReport.Fallback slow = Tuner.fallbackOrder(XEON_NO_AMX, null);
        assertEquals(List.of("int8", "fp32"), slow.order());
        assertTrue(slow.why().contains("15% slower than fp32"), slow.why());
        assertTrue(slow.why().contains("SLOWER than FP32 here"), slow.why());
        assertEquals(List.of("int8", "fp32"), Tuner.fallbackOrder(NO_BF16, null).order());
        assertEquals(List.of("int8", "bf16", "fp32"), Tuner.fallbackOrder(NOISE, null).order());
    }

    @Test
    void anOrderAskedForIsKeptAndItsCostSaid() {
        TuningReport.Fallback asked = Tuner.fallbackOrder(XEON_NO_AMX, List.of(Precision.BF16, Precision.FP32));
        assertEquals(List.of("int8", "bf16", "fp32"), asked.order());
        assertTrue(asked.why().startsWith("as --fallback asked"), asked.why());
        TuningReport.Fallback emulated = Tuner.fallbackOrder(NO_BF16, List.of(Precision.BF16, Precision.FP32));
        assertTrue(emulated.why().contains("run in FP32"), emulated.why());
        assertEquals(List.of("int8", "fp32"), Tuner.fallbackOrder(ZEN, List.of(Precision.FP32)).order());
    }
}
