package io.qtune.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.qtune.kernels.NativeRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MachineTest {
    static Machine machine(List<String> flags, String onednnIsa, String maxIsa, boolean tf, String tfReason) {
        return new Machine("Intel Core Processor (Haswell, no TSX)", "GenuineIntel", 2, flags, "cpuid", onednnIsa, maxIsa,
                tf, tfReason, 2, "adaptive", "bounded spin");
    }

    @Test
    void headerNamesTheInt8DotProductAndWhyTfsOnednnIsOn() {
        String reason = "set by qtune: TF_ENABLE_ONEDNN_OPTS was unset; TF's own default on this CPU would be off";
        Machine haswell = machine(List.of("avx2"), "avx2", null, true, reason);
        assertEquals("machine: Intel Core Processor (Haswell, no TSX) (GenuineIntel), 2 CPUs, flags avx2\n"
                + "  oneDNN ISA avx2, INT8 dot product vpmaddubsw (u8 x s8 pairs saturate at 16 bits)\n"
                + "  TF oneDNN on (" + reason + ")\n"
                + "  2 threads, adaptive team, OpenMP wait: bounded spin", haswell.header().replace(System.lineSeparator(), "\n"));
        Map<String, Object> j = haswell.toMap();
        assertEquals("vpmaddubsw", j.get("int8_dot_product"));
        assertEquals("cpuid", j.get("isa_flags_source"));
        assertEquals(true, j.get("tf_onednn"));
        assertEquals(reason, j.get("tf_onednn_reason"));

        Machine capped = machine(List.of("avx2", "avx512f", "avx512_vnni"), "avx2", "AVX2", false,
                "TF_ENABLE_ONEDNN_OPTS=0, set in the environment");
        assertTrue(capped.header().contains("  oneDNN ISA avx2 (ONEDNN_MAX_CPU_ISA=AVX2), INT8 dot product vpmaddubsw"
                + " (u8 x s8 pairs saturate at 16 bits)"), capped.header());
        assertTrue(capped.header().contains("  TF oneDNN off (TF_ENABLE_ONEDNN_OPTS=0, set in the environment)"), capped.header());
        assertTrue(machine(List.of(), "avx512_core_amx", null, true, "r").header().contains("INT8 dot product tdpbusd (AMX tiles)"));
        assertTrue(machine(List.of(), "avx512_core_vnni", null, true, "r").header().contains("INT8 dot product vpdpbusd\n"));
    }

    /** The dot product follows oneDNN's effective ISA (after ONEDNN_MAX_CPU_ISA), not the CPU's flags. */
    @Test
    void int8DotProductIsWhatOnednnDispatches() {
        for (String isa : List.of("avx2_vnni", "avx2_vnni_2", "avx512_core_vnni", "avx512_core_bf16", "avx512_core_fp16")) {
            assertEquals("vpdpbusd", machine(List.of(), isa, null, true, "r").int8DotProduct(), isa);
            assertFalse(machine(List.of(), isa, null, true, "r").int8DotProductSaturates(), isa);
        }
        for (String isa : List.of("avx512_core_amx", "avx512_core_amx_fp16")) {
            assertEquals("tdpbusd", machine(List.of(), isa, null, true, "r").int8DotProduct(), isa);
            assertFalse(machine(List.of(), isa, null, true, "r").int8DotProductSaturates(), isa);
        }
        Machine avx512NoVnni = machine(List.of("avx2", "avx512f", "avx512_vnni"), "avx512_core", "AVX512_CORE", true, "r");
        assertEquals("vpmaddubsw", avx512NoVnni.int8DotProduct());
        assertTrue(avx512NoVnni.int8DotProductSaturates());
        assertTrue(avx512NoVnni.onednnAvx512());
        assertEquals("pmaddubsw", machine(List.of(), "sse41", null, true, "r").int8DotProduct());
        assertTrue(machine(List.of(), "sse41", null, true, "r").int8DotProductSaturates());
    }

    @Test
    void tfsDefaultFollowsTheFlagsAndBf16TheOnednnIsa() {
        assertFalse(machine(List.of("avx2", "avx512f"), "avx512_core", null, false, "r").tfDefaultOnednn());
        for (String f : List.of("avx512_vnni", "avx_vnni", "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16")) {
            assertTrue(machine(List.of("avx2", f), "avx2", null, false, "r").tfDefaultOnednn(), f);
        }
        assertFalse(machine(List.of("avx2", "avx_vnni"), "avx2_vnni", null, true, "r").onednnAvx512());
        assertTrue(machine(List.of(), "avx512_core_bf16", null, true, "r").onednnAvx512());
    }

    /** The flags come from CPUID (what oneDNN and TF see, also under qemu-user), each bit one of FLAGS. */
    @Test
    void flagsAreCpuidsWhenTheNativeLibraryIsLoaded() {
        assumeTrue(NativeRuntime.available(), "qtune's native library is not loaded: the flags come from /proc/cpuinfo");
        int bits = NativeRuntime.cpuFeatures();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < Machine.FLAGS.size(); i++) if ((bits & (1 << i)) != 0) expected.add(Machine.FLAGS.get(i));
        assertEquals(0, bits >>> Machine.FLAGS.size(), "no bits beyond FLAGS");
        Machine m = Machine.current();
        assertEquals("cpuid", m.isaSource());
        assertEquals(expected, m.isaFlags());
        assertEquals(m.tfOnednnReason(), TfOnednn.setting().reason());
        System.out.println(m.header());
    }
}
