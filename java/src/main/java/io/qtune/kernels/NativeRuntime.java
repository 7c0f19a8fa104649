package io.qtune.kernels;

import org.bytedeco.javacpp.Pointer;

/**
 * The process-level native controls of native/include/qtune_runtime.h: the C environment, the OpenMP runtime
 * that oneDNN runs on, and the caches. Every method degrades to "not available" (false or -1) when the native
 * library was not built or could not load, so callers fall back to OpenMP's own defaults.
 */
public final class NativeRuntime {
    private NativeRuntime() {}

    /** Whether the native library is loaded (null problem). */
    public static boolean available() {
        return Kernels.nativeProblem() == null;
    }

    /** setenv(3): visible to native libraries loaded from now on. False when it could not be set. */
    public static boolean setenv(String name, String value) {
        return available() && NativeKernels.setenv(name, value, 1) == 0;
    }

    /** Whether libgomp is already mapped into this process (then its environment settings are fixed). */
    public static boolean openMpLoaded() {
        return available() && NativeKernels.openmpLoaded() == 1;
    }

    /** Binds the OpenMP runtime that the already loaded library {@code soname} uses. */
    public static boolean bindOpenMp(String soname) {
        return available() && NativeKernels.openmpBind(soname) == 1;
    }

    /** omp_set_num_threads for the calling thread; false when no runtime is bound. */
    public static boolean setNumThreads(int n) {
        return available() && NativeKernels.openmpSetNumThreads(n) == n;
    }

    /** omp_get_max_threads of the calling thread, or -1. */
    public static int maxThreads() {
        return available() ? NativeKernels.openmpGetMaxThreads() : -1;
    }

    /** omp_get_num_procs, or -1. */
    public static int numProcs() {
        return available() ? NativeKernels.openmpGetNumProcs() : -1;
    }

    /**
     * Evicts {@code bytes} from {@code data} on out of every cache of every core (CLFLUSH; contents kept) and waits
     * for it. Returns the 64-byte lines flushed, or -1 when the native library is not loaded.
     */
    public static long flushFromCaches(Pointer data, long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("bytes < 0: " + bytes);
        return available() ? NativeKernels.flushLines(data, bytes) : -1;
    }
}
