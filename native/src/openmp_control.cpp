// See qtune_runtime.h. The entry points are looked up through the handle of the library that uses OpenMP
// (dlsym on a handle searches that library's own dependencies first), so they reach the very runtime oneDNN
// runs on even if another copy of libgomp were mapped too.
#include <dlfcn.h>
#include <stdlib.h>

#include <atomic>

#include "qtune_runtime.h"

namespace {

using set_num_threads_fn = void (*)(int);
using get_int_fn = int (*)(void);

std::atomic<set_num_threads_fn> g_set_num_threads{nullptr};
std::atomic<get_int_fn> g_get_max_threads{nullptr};
std::atomic<get_int_fn> g_get_num_procs{nullptr};

}  // namespace

extern "C" int32_t qt_setenv(const char* name, const char* value, int32_t overwrite) {
    return setenv(name, value, overwrite) == 0 ? 0 : -1;
}

extern "C" int32_t qt_library_loaded(const char* soname) {
    void* h = dlopen(soname, RTLD_LAZY | RTLD_NOLOAD);  // matches a mapped library by its soname too
    if (h == nullptr) return 0;
    dlclose(h);  // drops only the reference NOLOAD took
    return 1;
}

extern "C" int32_t qt_openmp_loaded(void) { return qt_library_loaded("libgomp.so.1"); }

extern "C" int32_t qt_openmp_bind(const char* library_soname) {
    void* h = dlopen(library_soname, RTLD_LAZY | RTLD_NOLOAD);
    if (h == nullptr) return 0;
    // the handle stays open on purpose: the bound functions must outlive this call
    auto set = reinterpret_cast<set_num_threads_fn>(dlsym(h, "omp_set_num_threads"));
    auto max = reinterpret_cast<get_int_fn>(dlsym(h, "omp_get_max_threads"));
    auto procs = reinterpret_cast<get_int_fn>(dlsym(h, "omp_get_num_procs"));
    if (set == nullptr || max == nullptr || procs == nullptr) return 0;
    g_set_num_threads.store(set);
    g_get_max_threads.store(max);
    g_get_num_procs.store(procs);
    return 1;
}

extern "C" int32_t qt_openmp_set_num_threads(int32_t n) {
    set_num_threads_fn f = g_set_num_threads.load();
    if (f == nullptr) return -1;
    f(n);
    return n;
}

extern "C" int32_t qt_openmp_get_max_threads(void) {
    get_int_fn f = g_get_max_threads.load();
    return f == nullptr ? -1 : f();
}

extern "C" int32_t qt_openmp_get_num_procs(void) {
    get_int_fn f = g_get_num_procs.load();
    return f == nullptr ? -1 : f();
}
