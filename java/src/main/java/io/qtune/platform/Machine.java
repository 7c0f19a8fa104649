package io.qtune.platform;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The machine a figure was measured on, carried by every printed header and JSON output ({@code bench}, {@code eval},
 * {@code tune}, serving and load-generator outputs) so that numbers from different CPUs are never compared by mistake.
 *
 * @param cpuModel       /proc/cpuinfo's model name
 * @param vendor         GenuineIntel, AuthenticAMD, ...
 * @param logicalCpus    CPUs this JVM may use
 * @param isaFlags       the flags that decide qtune's and TF's kernels (VNNI, BF16, FP16, AMX) that this CPU has
 * @param onednnIsa      the instruction set oneDNN dispatches to (after {@code ONEDNN_MAX_CPU_ISA})
 * @param onednnMaxIsa   {@code ONEDNN_MAX_CPU_ISA} when set, else null
 * @param tfOnednn       whether TensorFlow's oneDNN optimizations are on in this process
 * @param tfOnednnReason why: the environment variable, or TF's default for this CPU
 * @param threads        the engine's default team size
 * @param team           "adaptive" or "fixed" ({@link Threads})
 * @param waitPolicy     how OpenMP workers wait ({@link WaitPolicy#describe()})
 */
public record Machine(String cpuModel, String vendor, int logicalCpus, List<String> isaFlags, String onednnIsa,
                      String onednnMaxIsa, boolean tfOnednn, String tfOnednnReason, int threads, String team,
                      String waitPolicy) {
    /** Flags worth naming, in this order. */
    static final List<String> FLAGS = List.of("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16",
            "avx512_fp16", "amx_tile", "amx_int8", "amx_bf16");
    /** TF 2.18 turns its oneDNN paths on by default on Linux when the CPU has any of these (util/port.cc). */
    static final Set<String> TF_ONEDNN_DEFAULT_FLAGS = Set.of("avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile",
            "amx_int8", "amx_bf16");

    private static volatile Machine current;

    /** This process's machine (computed once; loads oneDNN with qtune's thread policy). */
    public static Machine current() {
        Machine m = current;
        if (m == null) {
            synchronized (Machine.class) {
                if (current == null) current = detect();
                m = current;
            }
        }
        return m;
    }

    private static Machine detect() {
        Threads.ensureConfigured();
        String model = "unknown", vendor = "unknown";
        Set<String> flags = Set.of();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                int colon = line.indexOf(':');
                if (colon < 0) continue;
                String key = line.substring(0, colon).trim(), value = line.substring(colon + 1).trim();
                if (key.equals("model name") && model.equals("unknown")) model = value;
                else if (key.equals("vendor_id") && vendor.equals("unknown")) vendor = value;
                else if (key.equals("flags") && flags.isEmpty()) flags = Set.of(value.split("\\s+"));
            }
        } catch (IOException | RuntimeException e) {
            // not Linux or no /proc: the fields stay "unknown"
        }
        List<String> named = new ArrayList<>();
        for (String f : FLAGS) if (flags.contains(f)) named.add(f);
        String tfEnv = System.getenv("TF_ENABLE_ONEDNN_OPTS");
        boolean tf;
        String reason;
        if (tfEnv != null && !tfEnv.isBlank()) {
            String v = tfEnv.trim().toLowerCase(Locale.ROOT);
            tf = v.equals("1") || v.equals("true");
            reason = "TF_ENABLE_ONEDNN_OPTS=" + tfEnv.trim();
        } else {
            tf = named.stream().anyMatch(TF_ONEDNN_DEFAULT_FLAGS::contains);
            reason = tf ? "TF's default on a CPU with VNNI/BF16/AMX" : "TF's default on a CPU without VNNI/BF16/AMX";
        }
        String maxIsa = System.getenv("ONEDNN_MAX_CPU_ISA");
        return new Machine(model, vendor, Runtime.getRuntime().availableProcessors(), List.copyOf(named),
                onednnIsaName(org.bytedeco.dnnl.global.dnnl.dnnl_get_effective_cpu_isa()),
                maxIsa == null || maxIsa.isBlank() ? null : maxIsa.trim(), tf, reason, Threads.defaultTeamSize(),
                Threads.adaptive() ? "adaptive" : "fixed", OpenMp.policy().describe());
    }

    /** oneDNN's name of a dnnl_cpu_isa_t value (e.g. avx512_core_vnni). */
    static String onednnIsaName(int value) {
        String best = null;
        for (Field f : org.bytedeco.dnnl.global.dnnl.class.getFields()) {
            String n = f.getName();
            if (!n.startsWith("dnnl_cpu_isa_") || f.getType() != int.class || !Modifier.isStatic(f.getModifiers())) continue;
            try {
                if (f.getInt(null) != value) continue;
            } catch (IllegalAccessException e) {
                continue;
            }
            String name = n.substring("dnnl_cpu_isa_".length());
            if (best == null || best.startsWith("avx10")) best = name; // prefer the classic alias of a shared value
        }
        return best != null ? best : "isa#" + value;
    }

    /** Whether BF16 dot products run natively (AVX-512 BF16 or AMX) rather than being emulated or absent. */
    public boolean hasNativeBf16() {
        return isaFlags.contains("avx512_bf16") || isaFlags.contains("amx_bf16");
    }

    /**
     * Why stock TF cannot run a bfloat16 graph in this process, or null when it can. With its oneDNN on, TF 2.18
     * builds bf16 convolutions with oneDNN, which has none below AVX-512 (measured under ONEDNN_MAX_CPU_ISA=AVX2: the
     * primitive cannot be created and the uncaught C++ error kills the JVM with SIGILL); AVX-512 without bf16
     * emulates it. With oneDNN off, TF's Eigen kernels run bf16 on any CPU.
     */
    public String tfBf16Refusal() {
        if (!tfOnednn) return null;
        int isa = org.bytedeco.dnnl.global.dnnl.dnnl_get_effective_cpu_isa();
        int avx512 = org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core;
        if ((isa & avx512) == avx512) return null;
        return "TF's oneDNN (on: " + tfOnednnReason + ") has no bf16 convolution for oneDNN ISA " + onednnIsa
                + (onednnMaxIsa != null ? " (ONEDNN_MAX_CPU_ISA=" + onednnMaxIsa + ")" : "")
                + " and would abort the process; run on a CPU with AVX-512, or set TF_ENABLE_ONEDNN_OPTS=0 for TF's "
                + "Eigen bf16 kernels";
    }

    /** The JSON object, fields in a fixed order. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu_model", cpuModel);
        m.put("vendor", vendor);
        m.put("logical_cpus", logicalCpus);
        m.put("isa_flags", isaFlags);
        m.put("onednn_isa", onednnIsa);
        m.put("onednn_max_cpu_isa", onednnMaxIsa);
        m.put("tf_onednn", tfOnednn);
        m.put("tf_onednn_reason", tfOnednnReason);
        m.put("threads", threads);
        m.put("team", team);
        m.put("wait_policy", waitPolicy);
        return m;
    }

    /** The header lines every command prints above its figures. */
    public String header() {
        return String.format(Locale.ROOT, "machine: %s (%s), %d CPUs, flags %s%n"
                        + "  oneDNN ISA %s%s; TF oneDNN %s (%s)%n  %d threads, %s team, OpenMP wait: %s",
                cpuModel, vendor, logicalCpus, String.join(" ", isaFlags), onednnIsa,
                onednnMaxIsa != null ? " (ONEDNN_MAX_CPU_ISA=" + onednnMaxIsa + ")" : "", tfOnednn ? "on" : "off",
                tfOnednnReason, threads, team, waitPolicy);
    }
}
