// See qtune_runtime.h. CLFLUSH is part of SSE2, so this needs nothing beyond the x86-64 baseline; it evicts a
// line from every cache of the coherence domain (all cores), which is what the weights-cold floor needs: the
// layer's weights leave the caches of the whole OpenMP team, its activations stay where they were.
#include <emmintrin.h>

#include "qtune_runtime.h"

extern "C" int64_t qt_flush_lines(const void* data, int64_t bytes) {
    if (data == nullptr || bytes <= 0) return 0;
    constexpr uintptr_t kLine = 64;
    uintptr_t first = reinterpret_cast<uintptr_t>(data) & ~(kLine - 1);
    uintptr_t end = reinterpret_cast<uintptr_t>(data) + static_cast<uintptr_t>(bytes);
    int64_t lines = 0;
    for (uintptr_t p = first; p < end; p += kLine, ++lines) _mm_clflush(reinterpret_cast<const void*>(p));
    _mm_mfence();  // the flushes are done before the caller times anything
    return lines;
}
