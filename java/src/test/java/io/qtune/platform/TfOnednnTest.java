package io.qtune.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qtune.platform.TfOnednn.Kind;
import io.qtune.platform.TfOnednn.Setting;
import io.qtune.platform.TfOnednn.Source;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * TF's oneDNN setting as a pure function of the environment variable, the CPU and the first graph, and the refusals
 * of graphs that need the other setting: every case without restarting TF.
 */
class TfOnednnTest {
    static final String UNSET = null;

    /** decide() with qtune able to set the variable; "no VNNI/BF16/AMX" and "AVX-512" as named. */
    static Setting decide(String user, boolean vnniBf16Amx, boolean avx512, Kind first) {
        return TfOnednn.decide(user, vnniBf16Amx, avx512, first, "first.pb", null);
    }

    static String refusal(Setting started, boolean avx512, Kind kind) {
        return TfOnednn.refusal(started, avx512, "avx2", kind, "later.pb");
    }

    @Test
    void unsetTurnsTfsOnednnOnForFp32AndInt8WhateverTfsDefault() {
        for (Kind first : List.of(Kind.FP32, Kind.INT8)) {
            for (boolean avx512 : new boolean[] {false, true}) {
                assertEquals(new Setting(true, Source.QTUNE, "set by qtune: TF_ENABLE_ONEDNN_OPTS was unset; TF's own "
                        + "default on this CPU would be off"), decide(UNSET, false, avx512, first));
                assertEquals(new Setting(true, Source.QTUNE, "set by qtune: TF_ENABLE_ONEDNN_OPTS was unset; TF's own "
                        + "default on this CPU would be on"), decide(UNSET, true, avx512, first));
            }
        }
        assertEquals(decide(UNSET, false, false, Kind.INT8), decide("", false, false, Kind.INT8), "blank is unset");
        assertEquals(decide(UNSET, false, false, Kind.INT8), decide(" ", false, false, Kind.INT8), "blank is unset");
    }

    @Test
    void unsetWithABf16GraphFirstTurnsItOffOnlyBelowAvx512() {
        for (boolean vnniBf16Amx : new boolean[] {false, true}) { // AVX-VNNI without AVX-512 turns TF's default on
            Setting s = decide(UNSET, vnniBf16Amx, false, Kind.BF16);
            assertEquals(new Setting(false, Source.QTUNE, "set to 0 by qtune: TF_ENABLE_ONEDNN_OPTS was unset and the "
                    + "first model, bfloat16 first.pb, needs TF's Eigen kernels below AVX-512; TF's own default on this "
                    + "CPU would be " + (vnniBf16Amx ? "on" : "off")), s);
            assertTrue(decide(UNSET, vnniBf16Amx, true, Kind.BF16).on(), "AVX-512: oneDNN runs bf16, INT8 keeps it");
        }
    }

    @Test
    void aValueTheUserSetWinsAndAnInvalidOneLeavesTfsDefault() {
        for (Kind first : Kind.values()) {
            for (String on : List.of("1", "true", "TRUE")) {
                assertEquals(new Setting(true, Source.USER, "TF_ENABLE_ONEDNN_OPTS=" + on + ", set in the environment"),
                        decide(on, false, false, first));
            }
            for (String off : List.of("0", "false", "False")) {
                assertEquals(new Setting(false, Source.USER, "TF_ENABLE_ONEDNN_OPTS=" + off + ", set in the environment"),
                        decide(off, true, true, first));
            }
            assertEquals(new Setting(false, Source.TF_DEFAULT, "TF_ENABLE_ONEDNN_OPTS=yes, set in the environment, is not "
                    + "0, 1, true or false: TF ignores it; TF's default on a CPU without VNNI/BF16/AMX"),
                    decide("yes", false, true, first));
            assertTrue(decide(" 1", true, false, first).on(), "TF does not trim: ' 1' is invalid, the default holds");
        }
    }

    @Test
    void withoutSetenvTfKeepsItsDefaultAndTheReasonSaysWhy() {
        Setting s = TfOnednn.decide(UNSET, false, false, Kind.INT8, "m.pb", "qtune's native library is not loaded");
        assertEquals(new Setting(false, Source.TF_DEFAULT, "TF's default on a CPU without VNNI/BF16/AMX; qtune could not "
                + "set TF_ENABLE_ONEDNN_OPTS: qtune's native library is not loaded"), s);
        assertEquals("TensorFlow cannot run the INT8 graph later.pb with its oneDNN optimizations off (" + s.reason()
                + "); set TF_ENABLE_ONEDNN_OPTS=1 before the process starts, or run it on the oneDNN engine",
                refusal(s, false, Kind.INT8));
        assertTrue(TfOnednn.decide(UNSET, true, false, Kind.BF16, "m.pb", "TF was loaded before qtune could set it").on());
    }

    @Test
    void int8WithOnednnOffNamesTheVariableItsValueAndWhatToDo() {
        assertEquals("TensorFlow cannot run the INT8 graph later.pb with its oneDNN optimizations off "
                        + "(TF_ENABLE_ONEDNN_OPTS=0, set in the environment); unset it or set it to 1, or run it on the oneDNN engine",
                refusal(decide("0", true, true, Kind.FP32), true, Kind.INT8));
        String afterBf16 = refusal(decide(UNSET, false, false, Kind.BF16), false, Kind.INT8);
        assertEquals("TensorFlow cannot run the INT8 graph later.pb with its oneDNN optimizations off (set to 0 by qtune: "
                + "TF_ENABLE_ONEDNN_OPTS was unset and the first model, bfloat16 first.pb, needs TF's Eigen kernels below "
                + "AVX-512; TF's own default on this CPU would be off); TF reads TF_ENABLE_ONEDNN_OPTS once per process, "
                + "so the INT8 graph needs a separate process (where qtune turns TF's oneDNN on), or the oneDNN engine", afterBf16);
    }

    @Test
    void bf16BelowAvx512WithOnednnOnIsRefusedWithTheSettingAndItsReason() {
        String user = refusal(decide("1", false, false, Kind.FP32), false, Kind.BF16);
        assertEquals("TensorFlow cannot run bfloat16 model later.pb with its oneDNN optimizations on (TF_ENABLE_ONEDNN_OPTS=1, "
                + "set in the environment): TF's oneDNN has no bf16 convolution for oneDNN ISA avx2 and would abort the "
                + "process; set TF_ENABLE_ONEDNN_OPTS=0 for TF's Eigen bf16 kernels", user);
        String afterInt8 = refusal(decide(UNSET, false, false, Kind.INT8), false, Kind.BF16);
        assertEquals("TensorFlow cannot run bfloat16 model later.pb with its oneDNN optimizations on (set by qtune: "
                + "TF_ENABLE_ONEDNN_OPTS was unset; TF's own default on this CPU would be off): TF's oneDNN has no bf16 "
                + "convolution for oneDNN ISA avx2 and would abort the process; TF reads TF_ENABLE_ONEDNN_OPTS once per "
                + "process and started with it on for the models before, so the bfloat16 model needs a separate process "
                + "(where qtune sets TF_ENABLE_ONEDNN_OPTS=0 for it)", afterInt8);
        assertNull(refusal(decide(UNSET, false, true, Kind.INT8), true, Kind.BF16), "AVX-512: oneDNN runs bf16");
    }

    /**
     * Every combination: FP32 always runs; the first graph runs wherever the user left the variable unset; a later one
     * is refused exactly when it needs the other setting.
     */
    @Test
    void everyCaseOfTheTable() {
        for (String user : Arrays.asList(null, "0", "1", "bogus")) {
            for (boolean vnniBf16Amx : new boolean[] {false, true}) {
                for (boolean avx512 : new boolean[] {false, true}) {
                    for (Kind first : Kind.values()) {
                        Setting s = decide(user, vnniBf16Amx, avx512, first);
                        String c = user + "/" + vnniBf16Amx + "/" + avx512 + "/" + first + ": " + s;
                        assertNull(refusal(s, avx512, Kind.FP32), c);
                        if (user == null) assertNull(refusal(s, avx512, first), c);
                        assertEquals(!s.on(), refusal(s, avx512, Kind.INT8) != null, c);
                        assertEquals(s.on() && !avx512, refusal(s, avx512, Kind.BF16) != null, c);
                        boolean expectedOn = user == null ? !(first == Kind.BF16 && !avx512)
                                : user.equals("1") || !user.equals("0") && vnniBf16Amx;
                        assertEquals(expectedOn, s.on(), c);
                    }
                }
            }
        }
    }
}
