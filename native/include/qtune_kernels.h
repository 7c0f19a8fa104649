// C API of qtune's calibration and quantization kernels.
// Java binds these through JavaCPP (io.qtune.kernels.NativeKernels); the Java side validates every
// size and offset before calling, so these functions trust their arguments.
// Non-finite handling is the same everywhere: NaN and +-inf never enter a min/max or a histogram,
// they are counted; quantization maps NaN to 0 (then clamps) and +-inf to the saturation bounds.
#ifndef QTUNE_KERNELS_H
#define QTUNE_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// ISA levels, best last. The library picks the best one the CPU and OS support unless told otherwise.
#define QTUNE_ISA_DEFAULT 0 /* x86-64 baseline (SSE2) */
#define QTUNE_ISA_AVX2 1
#define QTUNE_ISA_AVX512 2 /* AVX-512 F+BW+DQ+VL */

// Bit i set when ISA level i can run here.
int32_t qt_supported_isa_mask(void);
// The level in use now.
int32_t qt_active_isa(void);
// Switches to a level; returns the level now active, or -1 (and changes nothing) when it cannot run here.
int32_t qt_select_isa(int32_t isa);

// Min and max over the finite values of x[off, off+n), folded into mm[0] (min) and mm[1] (max);
// adds the counts of NaN, +inf and -inf to counts[0..2].
void qt_minmax(const float* x, int64_t off, int64_t n, float* mm, int64_t* counts);

// The same per channel of the last axis: x[off, off+rows*channels) is rows x channels;
// mins/maxs have one entry per channel and are folded into.
void qt_minmax_channels(const float* x, int64_t off, int64_t rows, int32_t channels,
                        float* mins, float* maxs, int64_t* counts);

// Adds |x| of every finite value to a histogram: bin = min((int)(|x| * scale), bins - 1).
// scale is a power of two chosen by the caller so that the largest |x| lands below bins.
void qt_abs_histogram(const float* x, int64_t off, int64_t n, float scale, int64_t* hist, int32_t bins);

// Entropy calibration over hist[0, n): candidates i in [start, end] keep bins [0, i) and fold the rest
// into bin i-1; the kept bins are merged into `levels` groups. Returns the best i (-1 when no candidate
// qualifies) and writes its divergence to out[0].
int32_t qt_kl_search(const int64_t* hist, int32_t n, int32_t levels, int32_t start, int32_t end, double* out);

// Expected squared quantization error for thresholds at every bin edge c+1, c in [0, n), with the
// values spread uniformly inside each bin of width 1 and a grid of `levels` steps up to the threshold.
// Returns the best c and writes its error per value (in bin-width^2 units) to out[0].
int32_t qt_mse_search(const int64_t* hist, int32_t n, int32_t levels, double* out);

// First bin whose cumulative count reaches rank (1-based); n when the histogram holds fewer values.
int32_t qt_percentile_search(const int64_t* hist, int32_t n, int64_t rank);

// q = clamp(round_half_even(x / scale[c]), qmin, qmax), c = the index along the last axis
// (rows x channels); NaN becomes 0 before the clamp. Stored as the low byte, so the same call serves
// int8 (qmin >= -128) and uint8 (qmax <= 255).
void qt_quantize(const float* x, int64_t off, int64_t rows, int32_t channels, const float* scales,
                 int8_t* out, int64_t out_off, int32_t qmin, int32_t qmax);

#ifdef __cplusplus
}
#endif
#endif
