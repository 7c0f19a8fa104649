package io.qtune.kernels;

import org.bytedeco.javacpp.Pointer;

/**
 * The process-level native controls of native/include/qtune_runtime.h: the C environment, the libraries mapped, the
 * OpenMP runtime that oneDNN runs on, the caches, and the CPU's features by CPUID. Every method degrades to "not available" (false or -1) when the native
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

    /** Whether a library with this soname (e.g. libtensorflow_framework.so.2) is already mapped into this process. */
    public static boolean libraryLoaded(String soname) {
        return available() && NativeKernels.libraryLoaded(soname) == 1;
    }

    /**
     * The CPU's features by CPUID, each counted only where the OS saves its registers: bit i is the i-th of
     * avx2, avx512f, avx512_vnni, avx_vnni, avx512_bf16, avx512_fp16, amx_tile, amx_int8, amx_bf16
     * (qtune_runtime.h's QTUNE_CPU_*); -1 when the native library is not loaded.
     */
    public static int cpuFeatures() {
        return available() ? NativeKernels.cpuFeatures() : -1;
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
