// Run-time choice of the kernel table. Built for the x86-64 baseline, like the JNI glue, so loading the
// library never executes an instruction the CPU lacks. The first call picks the best level the CPU and
// the OS support (libgcc's __builtin_cpu_supports also checks that the OS saves the AVX/AVX-512 state);
// QTUNE_KERNEL_ISA=default|avx2|avx512 caps that choice, and qt_select_isa switches explicitly.
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "kernel_table.h"
#include "qtune_kernels.h"

namespace {

const qtune::KernelTable* const kTables[] = {&qtune::kTableDefault, &qtune::kTableAvx2, &qtune::kTableAvx512};

int32_t supported_mask() {
    __builtin_cpu_init();
    int32_t mask = 1 << QTUNE_ISA_DEFAULT;
    if (__builtin_cpu_supports("avx2")) mask |= 1 << QTUNE_ISA_AVX2;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
        mask |= 1 << QTUNE_ISA_AVX512;
    }
    return mask;
}

int32_t best_level(int32_t mask, int32_t cap) {
    for (int32_t level = cap; level > QTUNE_ISA_DEFAULT; level--) {
        if (mask & (1 << level)) return level;
    }
    return QTUNE_ISA_DEFAULT;
}

int32_t initial_level() {
    int32_t cap = QTUNE_ISA_AVX512;
    const char* env = std::getenv("QTUNE_KERNEL_ISA");
    if (env != nullptr) {
        if (std::strcmp(env, "default") == 0) cap = QTUNE_ISA_DEFAULT;
        else if (std::strcmp(env, "avx2") == 0) cap = QTUNE_ISA_AVX2;
    }
    return best_level(supported_mask(), cap);
}

std::atomic<int32_t>& level() {
    static std::atomic<int32_t> current{initial_level()};
    return current;
}

inline const qtune::KernelTable& table() { return *kTables[level().load(std::memory_order_relaxed)]; }

}  // namespace

extern "C" {

int32_t qt_supported_isa_mask(void) { return supported_mask(); }

int32_t qt_active_isa(void) { return level().load(); }

int32_t qt_select_isa(int32_t isa) {
    if (isa < QTUNE_ISA_DEFAULT || isa > QTUNE_ISA_AVX512 || !(supported_mask() & (1 << isa))) return -1;
    level().store(isa);
    return isa;
}

void qt_minmax(const float* x, int64_t off, int64_t n, float* mm, int64_t* counts) {
    table().minmax(x + off, n, mm, counts);
}

void qt_minmax_channels(const float* x, int64_t off, int64_t rows, int32_t channels, float* mins, float* maxs,
                        int64_t* counts) {
    table().minmax_channels(x + off, rows, channels, mins, maxs, counts);
}

void qt_abs_histogram(const float* x, int64_t off, int64_t n, float scale, int64_t* hist, int32_t bins) {
    table().abs_histogram(x + off, n, scale, hist, bins);
}

int32_t qt_kl_search(const int64_t* hist, int32_t n, int32_t levels, int32_t start, int32_t end, double* out) {
    return table().kl_search(hist, n, levels, start, end, out);
}

int32_t qt_mse_search(const int64_t* hist, int32_t n, int32_t levels, double* out) {
    return table().mse_search(hist, n, levels, out);
}

int32_t qt_percentile_search(const int64_t* hist, int32_t n, int64_t rank) {
    return table().percentile_search(hist, n, rank);
}

void qt_quantize(const float* x, int64_t off, int64_t rows, int32_t channels, const float* scales, int8_t* out,
                 int64_t out_off, int32_t qmin, int32_t qmax) {
    table().quantize(x + off, rows, channels, scales, out + out_off, qmin, qmax);
}

}  // extern "C"
