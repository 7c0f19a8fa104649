// C API of qtune's control over the OpenMP runtime that oneDNN runs on, over the caches it runs in, and the CPU's
// features as CPUID reports them.
// libgomp reads OMP_WAIT_POLICY / GOMP_SPINCOUNT once, when it is loaded; an embedding JVM loads it long
// after it started, so qtune sets its policy in the process environment first (qt_setenv), then loads
// oneDNN. Team sizes are per calling thread (omp_set_num_threads sets the calling thread's ICV), which is
// how one process runs several engine instances without oversubscribing its cores.
#ifndef QTUNE_RUNTIME_H
#define QTUNE_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// setenv(3) on the C environment (Java's System.getenv is a snapshot and cannot change it). 0 on success.
int32_t qt_setenv(const char* name, const char* value, int32_t overwrite);

// 1 when an OpenMP runtime (libgomp.so.1) is already mapped into the process, else 0.
int32_t qt_openmp_loaded(void);

// 1 when a library with this soname (e.g. "libtensorflow_framework.so.2") is already mapped, else 0.
int32_t qt_library_loaded(const char* soname);

// Binds the OpenMP entry points that the library `library_soname` (already loaded, e.g. "libdnnl.so.3")
// resolves against. Returns 1 when bound, 0 when that library or its OpenMP runtime is not loaded.
int32_t qt_openmp_bind(const char* library_soname);

// omp_set_num_threads / omp_get_max_threads / omp_get_num_procs of the bound runtime, for the calling thread;
// -1 when nothing is bound.
int32_t qt_openmp_set_num_threads(int32_t n);
int32_t qt_openmp_get_max_threads(void);
int32_t qt_openmp_get_num_procs(void);

// Evicts the cache lines of [data, data + bytes) from every cache level of every core (CLFLUSH) and waits for
// it. Returns the number of 64-byte lines flushed (0 for a null pointer or an empty range). Contents are kept:
// dirty lines are written back first.
int64_t qt_flush_lines(const void* data, int64_t bytes);

// qt_cpu_features bits, in the order of io.qtune.platform.Machine.FLAGS. A bit is set only when CPUID has the
// feature and the OS saves its register state (XCR0: YMM for AVX2/AVX-VNNI, opmask and ZMM for AVX-512, the tile
// state for AMX).
#define QTUNE_CPU_AVX2 (1 << 0)
#define QTUNE_CPU_AVX512F (1 << 1)
#define QTUNE_CPU_AVX512_VNNI (1 << 2)
#define QTUNE_CPU_AVX_VNNI (1 << 3)
#define QTUNE_CPU_AVX512_BF16 (1 << 4)
#define QTUNE_CPU_AVX512_FP16 (1 << 5)
#define QTUNE_CPU_AMX_TILE (1 << 6)
#define QTUNE_CPU_AMX_INT8 (1 << 7)
#define QTUNE_CPU_AMX_BF16 (1 << 8)

// The QTUNE_CPU_* features this CPU has, by CPUID (what oneDNN, TF and the JVM see, also under an emulator).
int32_t qt_cpu_features(void);

#ifdef __cplusplus
}
#endif

#endif
