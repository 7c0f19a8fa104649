// Runs every kernel on every ISA level this CPU supports and checks that each level gives the same
// bits as the baseline copy. Used to check the dispatcher on CPUs (or emulated CPUs) without AVX-512:
// it must pick a level the CPU has and never fault. Prints the levels it ran; exit status 0 when all agree.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

#include "qtune_kernels.h"

namespace {

struct Results {
    float mm[2];
    int64_t counts[3];
    std::vector<float> mins, maxs;
    int64_t chCounts[3];
    std::vector<int64_t> hist;
    int32_t kl;
    double klDiv;
    int32_t mse;
    double mseErr;
    int32_t pct;
    std::vector<int8_t> q8, qu8, qch;
};

uint64_t lcg(uint64_t& s) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return s >> 11;
}

Results run_all(const std::vector<float>& x, int32_t channels) {
    Results r{};
    const int64_t n = (int64_t)x.size();
    r.mm[0] = INFINITY;
    r.mm[1] = -INFINITY;
    qt_minmax(x.data(), 3, n - 3, r.mm, r.counts);
    r.mins.assign(channels, INFINITY);
    r.maxs.assign(channels, -INFINITY);
    qt_minmax_channels(x.data(), 0, n / channels, channels, r.mins.data(), r.maxs.data(), r.chCounts);
    r.hist.assign(2048, 0);
    qt_abs_histogram(x.data(), 0, n, 128.0f, r.hist.data(), 2048);
    r.kl = qt_kl_search(r.hist.data(), 2048, 255, 1432, 2047, &r.klDiv);
    r.mse = qt_mse_search(r.hist.data(), 2048, 255, &r.mseErr);
    r.pct = qt_percentile_search(r.hist.data(), 2048, n / 2);
    std::vector<float> scales(channels);
    for (int32_t c = 0; c < channels; c++) scales[c] = 0.05f + 0.01f * (float)c;
    r.q8.assign(n, 0);
    r.qu8.assign(n, 0);
    r.qch.assign(n, 0);
    qt_quantize(x.data(), 0, n, 1, scales.data(), r.q8.data(), 0, -128, 127);
    qt_quantize(x.data(), 0, n, 1, scales.data(), r.qu8.data(), 0, 0, 255);
    qt_quantize(x.data(), 0, n / channels, channels, scales.data(), r.qch.data(), 0, -127, 127);
    return r;
}

bool same_bits(const void* a, const void* b, size_t bytes) { return std::memcmp(a, b, bytes) == 0; }

bool equal(const Results& a, const Results& b) {
    return same_bits(a.mm, b.mm, sizeof a.mm) && same_bits(a.counts, b.counts, sizeof a.counts) &&
           a.mins.size() == b.mins.size() && same_bits(a.mins.data(), b.mins.data(), a.mins.size() * 4) &&
           same_bits(a.maxs.data(), b.maxs.data(), a.maxs.size() * 4) &&
           same_bits(a.chCounts, b.chCounts, sizeof a.chCounts) && a.hist == b.hist && a.kl == b.kl &&
           same_bits(&a.klDiv, &b.klDiv, 8) && a.mse == b.mse && same_bits(&a.mseErr, &b.mseErr, 8) &&
           a.pct == b.pct && a.q8 == b.q8 && a.qu8 == b.qu8 && a.qch == b.qch;
}

const char* level_name(int32_t level) {
    return level == QTUNE_ISA_AVX512 ? "avx512" : level == QTUNE_ISA_AVX2 ? "avx2" : "default";
}

}  // namespace

int main() {
    const int32_t channels = 24;
    std::vector<float> x(channels * 1000 + 0);
    uint64_t seed = 42;
    for (auto& v : x) {
        double u = (double)(lcg(seed) % 1000000) / 1000000.0;
        v = (float)((u - 0.3) * 20.0);
    }
    x[5] = std::numeric_limits<float>::quiet_NaN();
    x[77] = INFINITY;
    x[901] = -INFINITY;
    x[1000] = -0.0f;

    const int32_t initial = qt_active_isa();
    const int32_t mask = qt_supported_isa_mask();
    std::printf("auto-selected level: %s (supported mask %d)\n", level_name(initial), mask);
    Results auto_run = run_all(x, channels);

    if (qt_select_isa(QTUNE_ISA_DEFAULT) != QTUNE_ISA_DEFAULT) {
        std::printf("FAIL: baseline level refused\n");
        return 1;
    }
    Results base = run_all(x, channels);
    bool ok = equal(auto_run, base);
    std::printf("auto-selected %-7s vs default: %s\n", level_name(initial), ok ? "identical" : "DIFFERENT");
    for (int32_t level = QTUNE_ISA_AVX2; level <= QTUNE_ISA_AVX512; level++) {
        if (!(mask & (1 << level))) {
            if (qt_select_isa(level) != -1) {
                std::printf("FAIL: unsupported level %s accepted\n", level_name(level));
                ok = false;
            } else {
                std::printf("level %-7s not supported here: refused as it should be\n", level_name(level));
            }
            continue;
        }
        qt_select_isa(level);
        bool same = equal(run_all(x, channels), base);
        std::printf("level %-7s vs default: %s\n", level_name(level), same ? "identical" : "DIFFERENT");
        ok = ok && same;
    }
    std::printf("min %g max %g nan %lld +inf %lld -inf %lld kl %d mse %d pct %d\n", base.mm[0], base.mm[1],
                (long long)base.counts[0], (long long)base.counts[1], (long long)base.counts[2], base.kl, base.mse,
                base.pct);
    std::printf("%s\n", ok ? "OK" : "FAIL");
    return ok ? 0 : 1;
}
