package io.qtune.platform;

import io.qtune.kernels.NativeRuntime;
import org.bytedeco.javacpp.Loader;

/**
 * Loads oneDNN's OpenMP runtime (libgomp) with qtune's wait policy and binds its team-size controls.
 *
 * <p>libgomp reads its environment once, when it is mapped. Workers that sleep at once at every barrier
 * ({@code OMP_WAIT_POLICY=PASSIVE}) cost half the batch-1 speed, because each of ResNet50's ~60 parallel regions
 * then starts with a futex wake-up; workers that spin without bound ({@code ACTIVE}) take the cores from anything
 * else. So unless the user set {@code OMP_WAIT_POLICY} or {@code GOMP_SPINCOUNT}, qtune puts a bounded spin in the
 * process environment before loading oneDNN: a worker spins about {@value #SPIN_COUNT} pause loops (tens to
 * hundreds of microseconds, longer than the gap between two layers, far shorter than the gap between requests),
 * then sleeps. What spinning costs on busy cores is handled by the adaptive team size ({@link Threads}).
 */
final class OpenMp {
    /** libgomp spin iterations before a waiting worker sleeps; measured in scripts/bench-threads. */
    static final long SPIN_COUNT = 20_000;

    private static WaitPolicy policy;
    private static boolean bound;
    private static int defaultThreads = -1;

    private OpenMp() {}

    /** Sets the wait policy (once), loads oneDNN and binds the OpenMP controls. Idempotent and thread-safe. */
    static synchronized void configure() {
        if (policy != null) return;
        String userPolicy = System.getenv("OMP_WAIT_POLICY");
        String userSpin = System.getenv("GOMP_SPINCOUNT");
        if (!NativeRuntime.available()) {
            policy = WaitPolicy.fromEnvironment(userPolicy, userSpin, WaitPolicy.Source.OPENMP_DEFAULT,
                    "qtune's native library is not loaded");
        } else if (NativeRuntime.openMpLoaded()) {
            policy = WaitPolicy.fromEnvironment(userPolicy, userSpin, WaitPolicy.Source.INHERITED,
                    "libgomp was loaded before qtune configured it");
        } else if (userPolicy != null || userSpin != null) {
            policy = WaitPolicy.fromEnvironment(userPolicy, userSpin, WaitPolicy.Source.USER, null);
        } else if (NativeRuntime.setenv("GOMP_SPINCOUNT", Long.toString(SPIN_COUNT))) {
            policy = new WaitPolicy(WaitPolicy.Source.QTUNE, "bounded spin", SPIN_COUNT, null);
        } else {
            policy = WaitPolicy.fromEnvironment(null, null, WaitPolicy.Source.OPENMP_DEFAULT, "setenv failed");
        }
        Loader.load(org.bytedeco.dnnl.global.dnnl.class);
        bound = NativeRuntime.bindOpenMp("libdnnl.so.3");
        if (bound) defaultThreads = NativeRuntime.maxThreads();
    }

    static WaitPolicy policy() {
        configure();
        return policy;
    }

    /** Whether team sizes can be set per thread. */
    static boolean bound() {
        configure();
        return bound;
    }

    /** The team size a thread gets unless told otherwise ({@code OMP_NUM_THREADS}, else the cores), or -1. */
    static int defaultThreads() {
        configure();
        return defaultThreads;
    }
}
