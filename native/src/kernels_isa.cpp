// The kernels, compiled once per ISA level (see native/CMakeLists.txt): QTUNE_ISA_NS, QTUNE_ISA_TABLE and
// QTUNE_ISA_NAME name this copy. Rules that keep the copies apart and their results identical:
//  - no C++ library templates or inline library code here: a weak (COMDAT) copy built with AVX-512 flags
//    could be picked by the linker for the baseline copy too and fault on an older CPU;
//  - every function has internal linkage except the exported table;
//  - floating-point sums run in a fixed order (explicit 8 lanes), and the build disables FMA contraction,
//    so each level gives the same bits as the others and as the Java reference.
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <immintrin.h>  // intrinsics up to what this copy's flags allow (SSE2 at least: part of x86-64)

#include "kernel_table.h"

namespace qtune {
namespace QTUNE_ISA_NS {
namespace {

inline bool is_finite(float v) { return v - v == 0.0f; }

// -0 and +0 compare equal, so which one a min/max keeps depends on the order seen; always report +0.
inline float plus_zero(float v) { return v == 0.0f ? 0.0f : v; }

inline void count_nonfinite(float v, int64_t* counts) {
    if (v != v) {
        counts[0]++;
    } else if (v > 0.0f) {
        counts[1]++;
    } else {
        counts[2]++;
    }
}

inline void fold(float mn, float mx, float* mm) {
    if (mn < mm[0]) mm[0] = mn;
    if (mx > mm[1]) mm[1] = mx;
    mm[0] = plus_zero(mm[0]);
    mm[1] = plus_zero(mm[1]);
}

// ---------------------------------------------------------------- min/max over a flat array
#if defined(__AVX512F__)
void minmax(const float* x, int64_t n, float* mm, int64_t* counts) {
    const __m512 zero = _mm512_setzero_ps();
    const __m512 pinf = _mm512_set1_ps(INFINITY);
    const __m512 ninf = _mm512_set1_ps(-INFINITY);
    __m512 mn0 = pinf, mn1 = pinf, mx0 = ninf, mx1 = ninf;
    int64_t i = 0;
    // one step: finite lanes of v (selected by `valid`) go into the running min/max
    auto step = [&](__m512 v, __mmask16 valid, __m512& mn, __m512& mx) {
        __mmask16 fin = _mm512_mask_cmp_ps_mask(valid, _mm512_sub_ps(v, v), zero, _CMP_EQ_OQ);
        mn = _mm512_mask_min_ps(mn, fin, mn, v);
        mx = _mm512_mask_max_ps(mx, fin, mx, v);
        if (fin != valid) {
            counts[0] += __builtin_popcount(_mm512_mask_cmp_ps_mask(valid, v, v, _CMP_UNORD_Q));
            counts[1] += __builtin_popcount(_mm512_mask_cmp_ps_mask(valid, v, pinf, _CMP_EQ_OQ));
            counts[2] += __builtin_popcount(_mm512_mask_cmp_ps_mask(valid, v, ninf, _CMP_EQ_OQ));
        }
    };
    for (; i + 32 <= n; i += 32) {
        step(_mm512_loadu_ps(x + i), 0xFFFF, mn0, mx0);
        step(_mm512_loadu_ps(x + i + 16), 0xFFFF, mn1, mx1);
    }
    for (; i < n; i += 16) {
        int64_t left = n - i;
        __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
        step(_mm512_maskz_loadu_ps(m, x + i), m, mn0, mx0);
    }
    fold(_mm512_reduce_min_ps(_mm512_min_ps(mn0, mn1)), _mm512_reduce_max_ps(_mm512_max_ps(mx0, mx1)), mm);
}
#elif defined(__AVX2__)
inline float hmin(__m256 v) {
    __m128 a = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_min_ps(a, _mm_movehl_ps(a, a));
    a = _mm_min_ss(a, _mm_shuffle_ps(a, a, 1));
    return _mm_cvtss_f32(a);
}
inline float hmax(__m256 v) {
    __m128 a = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_max_ps(a, _mm_movehl_ps(a, a));
    a = _mm_max_ss(a, _mm_shuffle_ps(a, a, 1));
    return _mm_cvtss_f32(a);
}
void minmax(const float* x, int64_t n, float* mm, int64_t* counts) {
    const __m256 zero = _mm256_setzero_ps();
    __m256 mn0 = _mm256_set1_ps(INFINITY), mn1 = mn0, mx0 = _mm256_set1_ps(-INFINITY), mx1 = mx0;
    auto step = [&](__m256 v, __m256& mn, __m256& mx, const float* src) {
        __m256 fin = _mm256_cmp_ps(_mm256_sub_ps(v, v), zero, _CMP_EQ_OQ);
        mn = _mm256_blendv_ps(mn, _mm256_min_ps(mn, v), fin);
        mx = _mm256_blendv_ps(mx, _mm256_max_ps(mx, v), fin);
        if (_mm256_movemask_ps(fin) != 0xFF) {
            for (int l = 0; l < 8; l++) {
                if (!is_finite(src[l])) count_nonfinite(src[l], counts);
            }
        }
    };
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        step(_mm256_loadu_ps(x + i), mn0, mx0, x + i);
        step(_mm256_loadu_ps(x + i + 8), mn1, mx1, x + i + 8);
    }
    float mn = hmin(_mm256_min_ps(mn0, mn1)), mx = hmax(_mm256_max_ps(mx0, mx1));
    for (; i < n; i++) {
        float v = x[i];
        if (is_finite(v)) {
            if (v < mn) mn = v;
            if (v > mx) mx = v;
        } else {
            count_nonfinite(v, counts);
        }
    }
    fold(mn, mx, mm);
}
#else
// SSE2 is part of x86-64, so the baseline copy can still take four lanes at a time.
void minmax(const float* x, int64_t n, float* mm, int64_t* counts) {
    const __m128 zero = _mm_setzero_ps();
    __m128 mn0 = _mm_set1_ps(INFINITY), mn1 = mn0, mx0 = _mm_set1_ps(-INFINITY), mx1 = mx0;
    auto step = [&](__m128 v, __m128& mn, __m128& mx, const float* src) {
        __m128 fin = _mm_cmpeq_ps(_mm_sub_ps(v, v), zero);
        mn = _mm_or_ps(_mm_and_ps(fin, _mm_min_ps(mn, v)), _mm_andnot_ps(fin, mn));
        mx = _mm_or_ps(_mm_and_ps(fin, _mm_max_ps(mx, v)), _mm_andnot_ps(fin, mx));
        if (_mm_movemask_ps(fin) != 0xF) {
            for (int l = 0; l < 4; l++) {
                if (!is_finite(src[l])) count_nonfinite(src[l], counts);
            }
        }
    };
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        step(_mm_loadu_ps(x + i), mn0, mx0, x + i);
        step(_mm_loadu_ps(x + i + 4), mn1, mx1, x + i + 4);
    }
    float lanes[4];
    _mm_storeu_ps(lanes, _mm_min_ps(mn0, mn1));
    float mn = lanes[0];
    for (int l = 1; l < 4; l++) mn = lanes[l] < mn ? lanes[l] : mn;
    _mm_storeu_ps(lanes, _mm_max_ps(mx0, mx1));
    float mx = lanes[0];
    for (int l = 1; l < 4; l++) mx = lanes[l] > mx ? lanes[l] : mx;
    for (; i < n; i++) {
        float v = x[i];
        if (is_finite(v)) {
            if (v < mn) mn = v;
            if (v > mx) mx = v;
        } else {
            count_nonfinite(v, counts);
        }
    }
    fold(mn, mx, mm);
}
#endif

// ---------------------------------------------------------------- min/max per channel of the last axis
// Written plainly: the loop over channels is element-wise (not a reduction), so the compiler vectorizes
// it for each level by itself.
void minmax_channels(const float* x, int64_t rows, int32_t channels, float* mins, float* maxs,
                     int64_t* counts) {
    for (int64_t r = 0; r < rows; r++) {
        const float* row = x + r * (int64_t)channels;
        int32_t bad = 0;
        for (int32_t c = 0; c < channels; c++) {
            float v = row[c];
            bool fin = v - v == 0.0f;
            float lo = mins[c], hi = maxs[c];
            mins[c] = (fin && v < lo) ? v : lo;
            maxs[c] = (fin && v > hi) ? v : hi;
            bad += fin ? 0 : 1;
        }
        if (bad != 0) {
            for (int32_t c = 0; c < channels; c++) {
                if (!is_finite(row[c])) count_nonfinite(row[c], counts);
            }
        }
    }
    for (int32_t c = 0; c < channels; c++) {
        mins[c] = plus_zero(mins[c]);
        maxs[c] = plus_zero(maxs[c]);
    }
}

// ---------------------------------------------------------------- |x| histogram with a power-of-two bin width
inline uint32_t abs_bin(float x, float scale, float lastf, uint32_t last, uint32_t nonfinite) {
    float v = fabsf(x);
    float f = v * scale;
    uint32_t b = f < lastf ? (uint32_t)f : last;
    return v <= 3.4028234663852886e38f ? b : nonfinite;
}

// Four sub-histograms: runs of equal values (the zeros after a ReLU) would otherwise serialise on one counter.
void abs_histogram(const float* x, int64_t n, float scale, int64_t* hist, int32_t bins) {
    const uint32_t last = (uint32_t)bins - 1u;
    const float lastf = (float)last;
    const size_t stride = (size_t)bins + 1;  // slot `bins` of each sub-histogram takes the non-finite values
    uint32_t* sub = (uint32_t*)calloc(4 * stride, sizeof(uint32_t));
    if (sub == nullptr) {  // no scratch: count straight into the result
        for (int64_t i = 0; i < n; i++) {
            uint32_t b = abs_bin(x[i], scale, lastf, last, (uint32_t)bins);
            if (b != (uint32_t)bins) hist[b]++;
        }
        return;
    }
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        for (int k = 0; k < 4; k++) sub[(size_t)k * stride + abs_bin(x[i + k], scale, lastf, last, (uint32_t)bins)]++;
    }
    for (; i < n; i++) sub[abs_bin(x[i], scale, lastf, last, (uint32_t)bins)]++;
    for (int32_t b = 0; b < bins; b++) {
        hist[b] += (int64_t)sub[b] + (int64_t)sub[stride + b] + (int64_t)sub[2 * stride + b] +
                   (int64_t)sub[3 * stride + b];
    }
    free(sub);
}

// ---------------------------------------------------------------- a log with a fixed sequence of operations
// The C library's log differs between libraries and CPUs in the last ulp; this one uses only IEEE basic
// operations in a fixed order, so every ISA copy and the Java reference (JavaKernels.log) give the same bits,
// and a KL threshold never depends on the machine. Accuracy: about 1 ulp for positive normal inputs.
// x = 2^k m with m in (sqrt(2)/2, sqrt(2)]; ln m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.1716, summed to s^21.
inline double fixed_log(double x) {
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int64_t k = (int64_t)((bits >> 52) & 0x7ff) - 1023;
    bits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
    double m;
    memcpy(&m, &bits, sizeof m);
    if (m > 1.4142135623730951) {
        m = m * 0.5;
        k = k + 1;
    }
    const double f = m - 1.0;  // exact (Sterbenz)
    const double s = f / (2.0 + f);
    const double z = s * s;
    double p = 1.0 / 21.0;
    p = p * z + 1.0 / 19.0;
    p = p * z + 1.0 / 17.0;
    p = p * z + 1.0 / 15.0;
    p = p * z + 1.0 / 13.0;
    p = p * z + 1.0 / 11.0;
    p = p * z + 1.0 / 9.0;
    p = p * z + 1.0 / 7.0;
    p = p * z + 1.0 / 5.0;
    p = p * z + 1.0 / 3.0;
    const double logm = 2.0 * s + 2.0 * s * (z * p);
    const double kd = (double)k;
    return kd * 0.693145751953125 + (logm + kd * 1.4286068203094172321e-06);
}

// ---------------------------------------------------------------- KL (entropy) threshold search
// For candidate i the reference P is hist[0, i) with everything above folded into bin i-1; Q merges
// hist[0, i) (without the folded tail) into `levels` groups and spreads each group evenly over the bins
// where P is nonzero. Candidates whose bin i-1 is empty are skipped, which makes Q > 0 wherever P > 0,
// so no smoothing is needed. With prefix sums each candidate costs O(levels):
// KL = (sum P ln P - sum P ln q) / Psum + ln(Qsum / Psum). Logs are fixed_log: the same bits everywhere.
int32_t kl_search(const int64_t* h, int32_t n, int32_t levels, int32_t start, int32_t end, double* out) {
    int64_t* s = (int64_t*)malloc(sizeof(int64_t) * ((size_t)n + 1));
    int32_t* z = (int32_t*)malloc(sizeof(int32_t) * ((size_t)n + 1));
    double* t = (double*)malloc(sizeof(double) * ((size_t)n + 1));
    int32_t best = -1;
    double bestDiv = 0.0;
    if (s != nullptr && z != nullptr && t != nullptr) {
        s[0] = 0;
        z[0] = 0;
        t[0] = 0.0;
        for (int32_t j = 0; j < n; j++) {
            int64_t c = h[j];
            s[j + 1] = s[j] + c;
            z[j + 1] = z[j] + (c != 0 ? 1 : 0);
            t[j + 1] = t[j] + (c > 0 ? (double)c * fixed_log((double)c) : 0.0);
        }
        const int64_t total = s[n];
        const int32_t lo = start > levels ? start : levels;
        const int32_t hi = end < n ? end : n;
        for (int32_t i = lo; i <= hi && total > 0; i++) {
            if (h[i - 1] == 0) continue;
            const int64_t outliers = total - s[i];
            const double plast = (double)(h[i - 1] + outliers);
            const double sumPlogP = t[i - 1] + plast * fixed_log(plast);
            const int32_t m = i / levels;
            double sumPlogQ = 0.0;
            double lastLogQ = 0.0;
            for (int32_t g = 0; g < levels; g++) {
                const int32_t a = g * m;
                const int32_t b = g == levels - 1 ? i : a + m;
                const int32_t nz = z[b] - z[a];
                if (nz == 0) continue;
                const int64_t sum = s[b] - s[a];
                const double lq = fixed_log((double)sum / (double)nz);
                sumPlogQ += lq * (double)sum;
                lastLogQ = lq;  // the last group always holds bin i-1, which is nonzero
            }
            sumPlogQ += lastLogQ * (double)outliers;
            const double kl = (sumPlogP - sumPlogQ) / (double)total + fixed_log((double)s[i] / (double)total);
            if (best < 0 || kl < bestDiv) {
                best = i;
                bestDiv = kl;
            }
        }
    }
    free(s);
    free(z);
    free(t);
    out[0] = bestDiv;
    return best;
}

// ---------------------------------------------------------------- MSE threshold search
// floor for 0 <= v < 2^52 from an add and a subtract of 2^52 (exact, like floor itself): plain SSE2 has no
// rounding instruction, and this keeps the baseline copy vectorized. Same result as Java's Math.floor.
inline double floor_nonneg(double v) {
    double t = (v + 4503599627370496.0) - 4503599627370496.0;
    return t > v ? t - 1.0 : t;
}

// Antiderivative (up to a constant) of the squared rounding error (s - round(s))^2 on a unit grid; u >= 0.
inline double rounding_error_integral(double u) {
    double k = floor_nonneg(u + 0.5);
    double r = u - k;
    return k * (1.0 / 12.0) + (r * r * r + 0.125) * (1.0 / 3.0);
}

// Bin j holds h[j] values spread uniformly over [j, j+1). Threshold T = c+1, step D = T/levels:
// values below T round to the grid, exactly integrated with the antiderivative above; values above
// clip to T, with error sum h_j (d^2 + d + 1/3), d = j - T, gathered from the top by recurrences that
// only add nonnegative terms.
int32_t mse_search(const int64_t* h, int32_t n, int32_t levels, double* out) {
    double* clip = (double*)malloc(sizeof(double) * (size_t)n);
    double* g = (double*)malloc(sizeof(double) * ((size_t)n + 1));
    double* hd = (double*)malloc(sizeof(double) * (size_t)n);  // the counts as doubles, converted once
    int32_t best = -1;
    double bestErr = 0.0;
    int64_t total = 0;
    for (int32_t j = 0; j < n; j++) total += h[j];
    if (clip != nullptr && g != nullptr && hd != nullptr && total > 0) {
        for (int32_t j = 0; j < n; j++) hd[j] = (double)h[j];
        double s0 = 0.0, s1 = 0.0, s2 = 0.0;  // over bins above the candidate: sum h, h d, h d^2
        for (int32_t c = n - 1; c >= 0; c--) {
            clip[c] = s2 + s1 + s0 * (1.0 / 3.0);
            s2 = s2 + 2.0 * s1 + s0;
            s1 = s1 + s0;
            s0 = s0 + hd[c];
        }
        for (int32_t c = 0; c < n; c++) {
            const double threshold = (double)(c + 1);
            const double inv = (double)levels / threshold;
            const double step = threshold / (double)levels;
            for (int32_t e = 0; e <= c + 1; e++) g[e] = rounding_error_integral((double)e * inv);
            double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            int32_t j = 0;
            for (; j + 8 <= c + 1; j += 8) {
                for (int l = 0; l < 8; l++) acc[l] += hd[j + l] * (g[j + l + 1] - g[j + l]);
            }
            for (; j <= c; j++) acc[j & 7] += hd[j] * (g[j + 1] - g[j]);
            const double noise = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
            const double err = (step * step * step * noise + clip[c]) / (double)total;
            if (best < 0 || err < bestErr) {
                best = c;
                bestErr = err;
            }
        }
    }
    free(clip);
    free(g);
    free(hd);
    out[0] = bestErr;
    return best;
}

int32_t percentile_search(const int64_t* h, int32_t n, int64_t rank) {
    int64_t cum = 0;
    for (int32_t j = 0; j < n; j++) {
        cum += h[j];
        if (cum >= rank) return j;
    }
    return n;
}

// ---------------------------------------------------------------- quantization
// Clamp first, then round: the bounds are integers, so the order does not change the result, and a
// clamped value is small enough for the 1.5*2^23 trick, which rounds half to even in the default
// rounding mode on every level (no SSE4.1 needed for the baseline).
inline float quantize_one(float x, float s, float lo, float hi) {
    float d = x / s;
    d = d == d ? d : 0.0f;
    d = d < lo ? lo : d;
    d = d > hi ? hi : d;
    return (d + 12582912.0f) - 12582912.0f;
}

void quantize(const float* x, int64_t rows, int32_t channels, const float* scales, int8_t* out, int32_t qmin,
              int32_t qmax) {
    const float lo = (float)qmin, hi = (float)qmax;
    if (channels == 1) {
        const float s = scales[0];
        for (int64_t i = 0; i < rows; i++) out[i] = (int8_t)(uint8_t)(int32_t)quantize_one(x[i], s, lo, hi);
        return;
    }
    for (int64_t r = 0; r < rows; r++) {
        const float* src = x + r * (int64_t)channels;
        int8_t* dst = out + r * (int64_t)channels;
        for (int32_t c = 0; c < channels; c++) {
            dst[c] = (int8_t)(uint8_t)(int32_t)quantize_one(src[c], scales[c], lo, hi);
        }
    }
}

}  // namespace
}  // namespace QTUNE_ISA_NS

extern const KernelTable QTUNE_ISA_TABLE = {
    QTUNE_ISA_NAME,
    QTUNE_ISA_NS::minmax,
    QTUNE_ISA_NS::minmax_channels,
    QTUNE_ISA_NS::abs_histogram,
    QTUNE_ISA_NS::kl_search,
    QTUNE_ISA_NS::mse_search,
    QTUNE_ISA_NS::percentile_search,
    QTUNE_ISA_NS::quantize,
};

}  // namespace qtune
