package io.qtune.platform;

import io.qtune.QtuneException;
import java.util.Locale;

/**
 * Team sizes of oneDNN's OpenMP runtime, per calling thread.
 *
 * <p>Each thread that runs the engine has a <em>requested</em> team size ({@link #setTeamSize}; by default
 * {@code OMP_NUM_THREADS}, else all cores). Before each run the engine asks {@link #teamForRun()} for the size to
 * use now: with the adaptive team (the default) that is the requested size capped at the cores other processes
 * leave free ({@link CoreLoad}), at least 1. A team that fits the free cores keeps its workers on warm cores, so
 * the bounded spin of {@link OpenMp} pays off; a team larger than the free cores would spin against the other
 * process and wait for the time slices it leaves. {@code QTUNE_THREAD_TEAM=fixed} (or the system property
 * {@code qtune.threads.team=fixed}) always uses the requested size.
 *
 * <p>oneDNN partitions work by the team size a primitive was created under, so the engine keeps one compiled
 * program per (batch size, team size); switching sizes compiles once, then reuses it.
 */
public final class Threads {
    /** Cores' worth of other load above which a core no longer counts as free (0.6 of a core busy elsewhere). */
    static final double TAKEN = 0.6;

    private static final boolean ADAPTIVE = !"fixed".equals(setting());
    private static final ThreadLocal<int[]> STATE = ThreadLocal.withInitial(() -> new int[] {0, 0}); // requested, ICV

    private Threads() {}

    private static String setting() {
        String p = System.getProperty("qtune.threads.team");
        if (p == null) p = System.getenv("QTUNE_THREAD_TEAM");
        if (p == null || p.isBlank()) return "adaptive";
        String v = p.trim().toLowerCase(Locale.ROOT);
        if (!v.equals("fixed") && !v.equals("adaptive")) {
            throw new QtuneException("QTUNE_THREAD_TEAM=" + p + ": expected adaptive or fixed");
        }
        return v;
    }

    /** Makes sure oneDNN and its OpenMP runtime are loaded with qtune's policy. Call before any oneDNN use. */
    public static void ensureConfigured() {
        OpenMp.configure();
    }

    /** The team size of a thread that set none: {@code OMP_NUM_THREADS}, else the cores (1 if unknown). */
    public static int defaultTeamSize() {
        int d = OpenMp.defaultThreads();
        return d > 0 ? d : Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /** Requests {@code n} OpenMP threads for the engine runs of the calling thread (a serving instance, say). */
    public static void setTeamSize(int n) {
        if (n < 1) throw new QtuneException("a thread team needs at least 1 thread, got " + n);
        STATE.get()[0] = n;
    }

    /** The calling thread's requested team size. */
    public static int teamSize() {
        int r = STATE.get()[0];
        return r > 0 ? r : defaultTeamSize();
    }

    /** Whether the team adapts to the cores other processes leave free. */
    public static boolean adaptive() {
        return ADAPTIVE && OpenMp.bound();
    }

    /**
     * The team size for the calling thread's next engine run, set as its OpenMP team size. Without a bound OpenMP
     * runtime this is the runtime's own default and nothing is set.
     */
    public static int teamForRun() {
        if (!OpenMp.bound()) return defaultTeamSize();
        int[] s = STATE.get();
        int team = s[0] > 0 ? s[0] : defaultTeamSize();
        if (ADAPTIVE && team > 1) {
            double free = CoreLoad.SYSTEM.cpus() > 0 ? CoreLoad.SYSTEM.cpus() - CoreLoad.SYSTEM.otherBusyCores() : team;
            team = Math.max(1, Math.min(team, (int) Math.floor(free + (1 - TAKEN))));
        }
        if (s[1] != team) {
            io.qtune.kernels.NativeRuntime.setNumThreads(team);
            s[1] = team;
        }
        return team;
    }

    /** One line for headers: threads, team policy and wait policy. */
    public static String describe() {
        return String.format(Locale.ROOT, "%d threads, %s team, OpenMP wait: %s", defaultTeamSize(),
                adaptive() ? "adaptive" : "fixed", OpenMp.policy().describe());
    }
}
