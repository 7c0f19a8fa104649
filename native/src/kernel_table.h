// One set of kernels per instruction-set level. kernels_isa.cpp is compiled once per level with that
// level's flags and exports one table; dispatch.cpp picks a table at run time.
#ifndef QTUNE_KERNEL_TABLE_H
#define QTUNE_KERNEL_TABLE_H

#include <stdint.h>

namespace qtune {

struct KernelTable {
    const char* name;
    void (*minmax)(const float* x, int64_t n, float* mm, int64_t* counts);
    void (*minmax_channels)(const float* x, int64_t rows, int32_t channels, float* mins, float* maxs,
                            int64_t* counts);
    void (*abs_histogram)(const float* x, int64_t n, float scale, int64_t* hist, int32_t bins);
    int32_t (*kl_search)(const int64_t* hist, int32_t n, int32_t levels, int32_t start, int32_t end,
                         double* out);
    int32_t (*mse_search)(const int64_t* hist, int32_t n, int32_t levels, double* out);
    int32_t (*percentile_search)(const int64_t* hist, int32_t n, int64_t rank);
    void (*quantize)(const float* x, int64_t rows, int32_t channels, const float* scales, int8_t* out,
                     int32_t qmin, int32_t qmax);
};

extern const KernelTable kTableDefault;
extern const KernelTable kTableAvx2;
extern const KernelTable kTableAvx512;

}  // namespace qtune
#endif
