package io.qtune.platform;

import io.qtune.kernels.NativeRuntime;
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
 * @param isaSource      where they come from: "cpuid" (what oneDNN, TF and the JVM see, also under an emulator), or
 *                       "/proc/cpuinfo" when qtune's native library is not loaded (the host's flags under qemu-user)
 * @param onednnIsa      the instruction set oneDNN dispatches to (after {@code ONEDNN_MAX_CPU_ISA})
 * @param onednnMaxIsa   {@code ONEDNN_MAX_CPU_ISA} when set, else null
 * @param tfOnednn       whether TensorFlow's oneDNN optimizations are on in this process ({@link TfOnednn})
 * @param tfOnednnReason why: the environment variable, qtune's choice, or TF's default for this CPU
 * @param threads        the engine's default team size
 * @param team           "adaptive" or "fixed" ({@link Threads})
 * @param waitPolicy     how OpenMP workers wait ({@link WaitPolicy#describe()})
 */
public record Machine(String cpuModel, String vendor, int logicalCpus, List<String> isaFlags, String isaSource,
                      String onednnIsa, String onednnMaxIsa, boolean tfOnednn, String tfOnednnReason, int threads,
                      String team, String waitPolicy) {
    /** Flags worth naming, in this order; also the bit order of {@link NativeRuntime#cpuFeatures()}. */
    static final List<String> FLAGS = List.of("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16",
            "avx512_fp16", "amx_tile", "amx_int8", "amx_bf16");
    /** TF 2.18 turns its oneDNN paths on by default on Linux when the CPU has any of these (util/port.cc). */
    static final Set<String> TF_ONEDNN_DEFAULT_FLAGS = Set.of("avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile",
            "amx_int8", "amx_bf16");
    /** oneDNN ISAs whose INT8 convolutions use a VNNI dot product (vpdpbusd: u8 x s8 summed exactly in 32 bits). */
    static final Set<String> VNNI_ISAS = Set.of("avx2_vnni", "avx2_vnni_2", "avx512_core_vnni", "avx512_core_bf16",
            "avx512_core_fp16");

    private static volatile Machine hardware;

    /**
     * This process's machine (the hardware is detected once; loads oneDNN with qtune's thread policy). The TF fields
     * say how TF started, or before that, how qtune will start it for an FP32 or INT8 model ({@link TfOnednn}).
     */
    public static Machine current() {
        TfOnednn.Setting tf = TfOnednn.setting();
        Machine m = hardware();
        return new Machine(m.cpuModel, m.vendor, m.logicalCpus, m.isaFlags, m.isaSource, m.onednnIsa, m.onednnMaxIsa,
                tf.on(), tf.reason(), m.threads, m.team, m.waitPolicy);
    }

    /** The detected hardware; its TF fields are TF's default for this CPU, before {@link TfOnednn} decides. */
    static Machine hardware() {
        Machine m = hardware;
        if (m == null) {
            synchronized (Machine.class) {
                if (hardware == null) hardware = detect();
                m = hardware;
            }
        }
        return m;
    }

    private static Machine detect() {
        Threads.ensureConfigured();
        String model = "unknown", vendor = "unknown";
        Set<String> procFlags = Set.of();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                int colon = line.indexOf(':');
                if (colon < 0) continue;
                String key = line.substring(0, colon).trim(), value = line.substring(colon + 1).trim();
                if (key.equals("model name") && model.equals("unknown")) model = value;
                else if (key.equals("vendor_id") && vendor.equals("unknown")) vendor = value;
                else if (key.equals("flags") && procFlags.isEmpty()) procFlags = Set.of(value.split("\\s+"));
            }
        } catch (IOException | RuntimeException e) {
            // not Linux or no /proc: the fields stay "unknown"
        }
        int cpuid = NativeRuntime.cpuFeatures();
        List<String> named = new ArrayList<>();
        for (int i = 0; i < FLAGS.size(); i++) {
            if (cpuid >= 0 ? (cpuid & (1 << i)) != 0 : procFlags.contains(FLAGS.get(i))) named.add(FLAGS.get(i));
        }
        boolean tfDefault = named.stream().anyMatch(TF_ONEDNN_DEFAULT_FLAGS::contains);
        String maxIsa = System.getenv("ONEDNN_MAX_CPU_ISA");
        return new Machine(model, vendor, Runtime.getRuntime().availableProcessors(), List.copyOf(named),
                cpuid >= 0 ? "cpuid" : "/proc/cpuinfo",
                onednnIsaName(org.bytedeco.dnnl.global.dnnl.dnnl_get_effective_cpu_isa()),
                maxIsa == null || maxIsa.isBlank() ? null : maxIsa.trim(), tfDefault, TfOnednn.tfDefaultText(tfDefault),
                Threads.defaultTeamSize(), Threads.adaptive() ? "adaptive" : "fixed", OpenMp.policy().describe());
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

    /** Whether TF 2.18 would turn its oneDNN on here by itself: the CPU has VNNI, BF16 or AMX (by CPUID, as TF reads it). */
    public boolean tfDefaultOnednn() {
        return isaFlags.stream().anyMatch(TF_ONEDNN_DEFAULT_FLAGS::contains);
    }

    /**
     * Whether oneDNN's ISA (after {@code ONEDNN_MAX_CPU_ISA}, which TF's bundled oneDNN reads too) is AVX-512 or
     * better: below it TF's oneDNN has no bf16 convolution.
     */
    public boolean onednnAvx512() {
        return onednnIsa.startsWith("avx512") || onednnIsa.startsWith("avx10");
    }

    /**
     * The instruction INT8 convolutions multiply-add u8 x s8 with, as oneDNN dispatches (after
     * {@code ONEDNN_MAX_CPU_ISA}): "tdpbusd" (AMX tiles), "vpdpbusd" (AVX-512 VNNI or AVX-VNNI: exact 32-bit sums),
     * "vpmaddubsw" (AVX2 or AVX-512 without VNNI) or "pmaddubsw" (SSE4.1/AVX); the last two add pairs of products in
     * saturating 16-bit arithmetic first.
     */
    public String int8DotProduct() {
        if (onednnIsa.contains("amx")) return "tdpbusd";
        if (VNNI_ISAS.contains(onednnIsa)) return "vpdpbusd";
        if (onednnIsa.startsWith("avx2") || onednnIsa.startsWith("avx512")) return "vpmaddubsw";
        return "pmaddubsw";
    }

    /**
     * Whether INT8 convolutions (qtune's engine and TF's oneDNN kernels) add u8 x s8 products in pairs saturating at
     * 16 bits (no VNNI or AMX), so that codes may differ from the exact 32-bit sum.
     */
    public boolean int8DotProductSaturates() {
        String op = int8DotProduct();
        return !op.equals("vpdpbusd") && !op.equals("tdpbusd");
    }

    /** The JSON object, fields in a fixed order. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu_model", cpuModel);
        m.put("vendor", vendor);
        m.put("logical_cpus", logicalCpus);
        m.put("isa_flags", isaFlags);
        m.put("isa_flags_source", isaSource);
        m.put("onednn_isa", onednnIsa);
        m.put("onednn_max_cpu_isa", onednnMaxIsa);
        m.put("int8_dot_product", int8DotProduct());
        m.put("tf_onednn", tfOnednn);
        m.put("tf_onednn_reason", tfOnednnReason);
        m.put("threads", threads);
        m.put("team", team);
        m.put("wait_policy", waitPolicy);
        return m;
    }

    /** The header lines every command prints above its figures. */
    public String header() {
        String dot = int8DotProduct();
        return String.format(Locale.ROOT, "machine: %s (%s), %d CPUs, flags %s%n"
                        + "  oneDNN ISA %s%s, INT8 dot product %s%n  TF oneDNN %s (%s)%n"
                        + "  %d threads, %s team, OpenMP wait: %s",
                cpuModel, vendor, logicalCpus, String.join(" ", isaFlags), onednnIsa,
                onednnMaxIsa != null ? " (ONEDNN_MAX_CPU_ISA=" + onednnMaxIsa + ")" : "",
                dot.equals("tdpbusd") ? "tdpbusd (AMX tiles)" : int8DotProductSaturates() ? dot + " (u8 x s8 pairs saturate at 16 bits)" : dot,
                tfOnednn ? "on" : "off", tfOnednnReason, threads, team, waitPolicy);
    }
}
