package io.qtune.kernels;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.CriticalRegion;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.NoException;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of native/include/qtune_kernels.h and qtune_runtime.h. The build runs JavaCPP's Builder on this class in
 * generate-only mode and compiles the JNI glue with the kernels in one CMake build; the library sits in the
 * jar under io/qtune/kernels/linux-x86_64/ where {@link Loader} finds it.
 *
 * <p>Nothing here checks its arguments: only {@link Kernels}, which validates every size and offset first,
 * calls these. Arrays are pinned with GetPrimitiveArrayCritical instead of copied ({@link CriticalRegion});
 * the kernels make no JNI calls and do not block.
 */
@Platform(include = {"qtune_kernels.h", "qtune_runtime.h"}, library = "jniQtuneKernels")
@NoException
@CriticalRegion
final class NativeKernels {
    static {
        Loader.load();
    }

    private NativeKernels() {}

    @Name("qt_supported_isa_mask")
    static native int supportedIsaMask();

    @Name("qt_active_isa")
    static native int activeIsa();

    @Name("qt_select_isa")
    static native int selectIsa(int isa);

    @Name("qt_minmax")
    static native void minmax(@Const float[] x, long off, long n, float[] mm, @Cast("int64_t*") long[] counts);

    @Name("qt_minmax_channels")
    static native void minmaxChannels(@Const float[] x, long off, long rows, int channels, float[] mins, float[] maxs,
            @Cast("int64_t*") long[] counts);

    @Name("qt_abs_histogram")
    static native void absHistogram(@Const float[] x, long off, long n, float scale, @Cast("int64_t*") long[] hist,
            int bins);

    @Name("qt_kl_search")
    static native int klSearch(@Cast("const int64_t*") long[] hist, int n, int levels, int start, int end,
            double[] out);

    @Name("qt_mse_search")
    static native int mseSearch(@Cast("const int64_t*") long[] hist, int n, int levels, double[] out);

    @Name("qt_percentile_search")
    static native int percentileSearch(@Cast("const int64_t*") long[] hist, int n, long rank);

    @Name("qt_quantize")
    static native void quantize(@Const float[] x, long off, long rows, int channels, @Const float[] scales,
            @Cast("int8_t*") byte[] out, long outOff, int qmin, int qmax);

    @Name("qt_setenv")
    static native int setenv(String name, String value, int overwrite);

    @Name("qt_openmp_loaded")
    static native int openmpLoaded();

    @Name("qt_library_loaded")
    static native int libraryLoaded(String soname);

    @Name("qt_cpu_features")
    static native int cpuFeatures();

    @Name("qt_openmp_bind")
    static native int openmpBind(String librarySoname);

    @Name("qt_openmp_set_num_threads")
    static native int openmpSetNumThreads(int n);

    @Name("qt_openmp_get_max_threads")
    static native int openmpGetMaxThreads();

    @Name("qt_openmp_get_num_procs")
    static native int openmpGetNumProcs();

    @Name("qt_flush_lines")
    static native long flushLines(@Const Pointer data, long bytes);
}
