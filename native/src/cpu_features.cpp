// See qtune_runtime.h. CPUID, not /proc/cpuinfo: under an emulator (qemu-user -cpu Haswell) /proc/cpuinfo is the
// host's, while CPUID is what oneDNN, TF and the JVM dispatch on. A feature counts only when the OS also saves its
// register state (XCR0), as those libraries require; libgcc's __builtin_cpu_supports checks that for AVX and
// AVX-512, and the explicit XCR0 test below makes the rule visible and covers AMX's tile state too.
#include <cpuid.h>

#include "qtune_runtime.h"

namespace {

constexpr uint64_t kXcr0SseYmm = 0x6;         // SSE | AVX (YMM upper halves)
constexpr uint64_t kXcr0Avx512 = 0xe0;        // opmask | ZMM0-15 upper halves | ZMM16-31
constexpr uint64_t kXcr0Amx = 0x60000;        // TILECFG | TILEDATA

uint64_t xcr0() {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));  // plain asm: the library is built for baseline x86-64
    return (static_cast<uint64_t>(hi) << 32) | lo;
}

}  // namespace

extern "C" int32_t qt_cpu_features(void) {
    __builtin_cpu_init();
    const uint64_t xcr = xcr0();
    const bool avx = (xcr & kXcr0SseYmm) == kXcr0SseYmm;
    const bool avx512 = avx && (xcr & kXcr0Avx512) == kXcr0Avx512;
    const bool amx = (xcr & kXcr0Amx) == kXcr0Amx;
    int32_t mask = 0;
    if (avx && __builtin_cpu_supports("avx2")) mask |= QTUNE_CPU_AVX2;
    if (avx512 && __builtin_cpu_supports("avx512f")) mask |= QTUNE_CPU_AVX512F;
    if (avx512 && __builtin_cpu_supports("avx512vnni")) mask |= QTUNE_CPU_AVX512_VNNI;
    if (avx && __builtin_cpu_supports("avxvnni")) mask |= QTUNE_CPU_AVX_VNNI;
    if (avx512 && __builtin_cpu_supports("avx512bf16")) mask |= QTUNE_CPU_AVX512_BF16;
    if (avx512 && __builtin_cpu_supports("avx512fp16")) mask |= QTUNE_CPU_AVX512_FP16;
    if (amx && __builtin_cpu_supports("amx-tile")) mask |= QTUNE_CPU_AMX_TILE;
    if (amx && __builtin_cpu_supports("amx-int8")) mask |= QTUNE_CPU_AMX_INT8;
    if (amx && __builtin_cpu_supports("amx-bf16")) mask |= QTUNE_CPU_AMX_BF16;
    return mask;
}
