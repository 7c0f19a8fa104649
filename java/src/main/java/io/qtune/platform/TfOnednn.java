package io.qtune.platform;

import io.qtune.kernels.NativeRuntime;
import java.util.Locale;

/**
 * TensorFlow's oneDNN setting in this process, chosen by qtune before TF's native library reads
 * {@code TF_ENABLE_ONEDNN_OPTS} (TF reads it once per process, the first time it asks).
 *
 * <p>Intel's quantized ops, which qtune's INT8 graphs are made of, exist only on TF's oneDNN path, and TF 2.18 turns
 * that path on by itself only on CPUs with VNNI, BF16 or AMX: on an AVX2 CPU TF could not run them. So where the
 * variable is unset, qtune sets it to 1 before TF loads. The exception is a bfloat16 graph below AVX-512: there TF's
 * oneDNN has no bf16 convolution (measured under ONEDNN_MAX_CPU_ISA=AVX2: the primitive cannot be created and the
 * uncaught C++ error kills the JVM with SIGILL; AVX-512 without bf16 emulates it), while TF's Eigen kernels run bf16
 * anywhere; when such a graph is the first TF loads, qtune sets 0. A later graph that needs the other setting is
 * refused with the reason (another process runs it). A value the user set always wins.
 *
 * <p>Everything that touches TF Java's native classes calls {@link #start} or {@link #refusal(Kind, String)} first;
 * {@link #decide} and {@link #refusal(Setting, boolean, String, Kind, String)} are the decision, as pure functions.
 */
public final class TfOnednn {
    public static final String VARIABLE = "TF_ENABLE_ONEDNN_OPTS";
    /** TF Java's framework library: once it is mapped, setting the variable may come after TF read it. */
    static final String TF_LIBRARY = "libtensorflow_framework.so.2";

    /** What a graph needs of the setting. */
    public enum Kind {
        /** runs with TF's oneDNN on or off */
        FP32,
        /** Intel's quantized ops: oneDNN on */
        INT8,
        /** bfloat16: oneDNN off below AVX-512 */
        BF16
    }

    /** Who decided the setting. */
    public enum Source { USER, QTUNE, TF_DEFAULT }

    /**
     * TF's oneDNN setting.
     *
     * @param on     whether TF's oneDNN optimizations are on
     * @param source who decided
     * @param reason why, as the machine header and errors say it (naming the first graph where it decided)
     */
    public record Setting(boolean on, Source source, String reason) {}

    private static Setting started;

    private TfOnednn() {}

    /**
     * The setting TF starts with.
     *
     * @param userValue   {@code TF_ENABLE_ONEDNN_OPTS} as the process got it (null or blank: unset)
     * @param tfDefaultOn whether TF would turn its oneDNN on by itself (the CPU has VNNI, BF16 or AMX)
     * @param avx512      whether oneDNN's ISA is AVX-512 or better (after ONEDNN_MAX_CPU_ISA)
     * @param first       what the first graph TF loads needs
     * @param firstSource that graph's name
     * @param cannotSet   null when qtune can still set the variable, else why not
     */
    public static Setting decide(String userValue, boolean tfDefaultOn, boolean avx512, Kind first, String firstSource,
                                 String cannotSet) {
        if (userValue != null && !userValue.isBlank()) {
            // TF's ReadBoolFromEnvVar: 0/1/true/false in any case, anything else is ignored with a warning
            String v = userValue.toLowerCase(Locale.ROOT);
            String set = VARIABLE + "=" + userValue + ", set in the environment";
            if (v.equals("1") || v.equals("true")) return new Setting(true, Source.USER, set);
            if (v.equals("0") || v.equals("false")) return new Setting(false, Source.USER, set);
            return new Setting(tfDefaultOn, Source.TF_DEFAULT, set + ", is not 0, 1, true or false: TF ignores it; "
                    + tfDefaultText(tfDefaultOn));
        }
        if (cannotSet != null) {
            return new Setting(tfDefaultOn, Source.TF_DEFAULT, tfDefaultText(tfDefaultOn) + "; qtune could not set "
                    + VARIABLE + ": " + cannotSet);
        }
        String own = "TF's own default on this CPU would be " + (tfDefaultOn ? "on" : "off");
        if (first == Kind.BF16 && !avx512) {
            return new Setting(false, Source.QTUNE, "set to 0 by qtune: " + VARIABLE + " was unset and the first model, "
                    + "bfloat16 " + firstSource + ", needs TF's Eigen kernels below AVX-512; " + own);
        }
        return new Setting(true, Source.QTUNE, "set by qtune: " + VARIABLE + " was unset; " + own);
    }

    /** TF's default, in words. */
    static String tfDefaultText(boolean on) {
        return "TF's default on a CPU " + (on ? "with" : "without") + " VNNI/BF16/AMX";
    }

    /**
     * Why TF, started with {@code started}, cannot run a {@code kind} graph here; null when it can.
     *
     * @param avx512    whether oneDNN's ISA is AVX-512 or better
     * @param onednnIsa that ISA in words, for the message (e.g. "avx2 (ONEDNN_MAX_CPU_ISA=AVX2)")
     * @param source    the graph's name
     */
    public static String refusal(Setting started, boolean avx512, String onednnIsa, Kind kind, String source) {
        String advice;
        if (kind == Kind.INT8 && !started.on()) {
            advice = switch (started.source()) {
                case USER -> "unset it or set it to 1, or run it on the oneDNN engine";
                case QTUNE -> "TF reads " + VARIABLE + " once per process, so the INT8 graph needs a separate process "
                        + "(where qtune turns TF's oneDNN on), or the oneDNN engine";
                case TF_DEFAULT -> "set " + VARIABLE + "=1 before the process starts, or run it on the oneDNN engine";
            };
            return "TensorFlow cannot run the INT8 graph " + source + " with its oneDNN optimizations off ("
                    + started.reason() + "); " + advice;
        }
        if (kind == Kind.BF16 && started.on() && !avx512) {
            advice = switch (started.source()) {
                case USER, TF_DEFAULT -> "set " + VARIABLE + "=0 for TF's Eigen bf16 kernels";
                case QTUNE -> "TF reads " + VARIABLE + " once per process and started with it on for the models "
                        + "before, so the bfloat16 model needs a separate process (where qtune sets " + VARIABLE
                        + "=0 for it)";
            };
            return "TensorFlow cannot run bfloat16 model " + source + " with its oneDNN optimizations on ("
                    + started.reason() + "): TF's oneDNN has no bf16 convolution for oneDNN ISA " + onednnIsa
                    + " and would abort the process; " + advice;
        }
        return null;
    }

    /**
     * Fixes TF's setting for this process, before TF's native library loads: call it before anything touches TF
     * Java's native classes (Graph, Session, tensors, EagerSession; the GraphDef protos are plain Java). The first
     * call decides, for a {@code first} graph named {@code source}; later calls return that setting.
     */
    public static synchronized Setting start(Kind first, String source) {
        if (started != null) return started;
        Machine cpu = Machine.hardware();
        String user = System.getenv(VARIABLE);
        Setting s = decide(user, cpu.tfDefaultOnednn(), cpu.onednnAvx512(), first, source, cannotSet());
        if (s.source() == Source.QTUNE && !NativeRuntime.setenv(VARIABLE, s.on() ? "1" : "0")) {
            s = decide(user, cpu.tfDefaultOnednn(), cpu.onednnAvx512(), first, source, "setenv failed");
        }
        started = s;
        return s;
    }

    /**
     * Starts TF's setting for this graph if TF has not started yet ({@link #start}), then says why TF cannot run
     * it in this process, or null when it can.
     */
    public static String refusal(Kind kind, String source) {
        Setting s = start(kind, source);
        Machine cpu = Machine.hardware();
        String isa = cpu.onednnIsa() + (cpu.onednnMaxIsa() != null ? " (ONEDNN_MAX_CPU_ISA=" + cpu.onednnMaxIsa() + ")" : "");
        return refusal(s, cpu.onednnAvx512(), isa, kind, source);
    }

    /** The setting TF started with, or before it started, the one an FP32 or INT8 graph will start it with. */
    public static synchronized Setting setting() {
        if (started != null) return started;
        Machine cpu = Machine.hardware();
        return decide(System.getenv(VARIABLE), cpu.tfDefaultOnednn(), cpu.onednnAvx512(), Kind.FP32, null, cannotSet());
    }

    /** Why qtune cannot set the variable for TF, or null. */
    private static String cannotSet() {
        if (!NativeRuntime.available()) return "qtune's native library is not loaded";
        if (NativeRuntime.libraryLoaded(TF_LIBRARY)) return "TF was loaded before qtune could set it";
        return null;
    }
}
