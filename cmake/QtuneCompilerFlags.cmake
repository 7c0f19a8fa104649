# Compiler flags shared by qtune's native code.
# -ffp-contract=off: no fused multiply-add behind our back, so every ISA copy of a kernel (and the Java
# reference) rounds the same way; no -ffast-math for the same reason. -fno-math-errno and -fno-trapping-math
# (nothing reads errno or the FP exception flags; values are unchanged) let floor() inline and vectorize.
set(QTUNE_COMMON_FLAGS -O3 -fPIC -ffp-contract=off -fno-math-errno -fno-trapping-math -fvisibility=hidden -Wall -Wextra)

# One flag set per kernel copy; dispatch.cpp picks the copy at run time.
set(QTUNE_ISA_LEVELS default avx2 avx512)
set(QTUNE_ISA_FLAGS_default -march=x86-64 -mtune=generic)
set(QTUNE_ISA_FLAGS_avx2 -march=x86-64 -mtune=generic -mavx2)
set(QTUNE_ISA_FLAGS_avx512 -march=x86-64 -mtune=generic -mavx512f -mavx512bw -mavx512dq -mavx512vl
    -mprefer-vector-width=512)
set(QTUNE_ISA_TABLE_default kTableDefault)
set(QTUNE_ISA_TABLE_avx2 kTableAvx2)
set(QTUNE_ISA_TABLE_avx512 kTableAvx512)

if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "qtune native: needs GCC or Clang (x86 intrinsics and __builtin_cpu_supports), found ${CMAKE_CXX_COMPILER_ID}")
endif()
if(NOT CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  message(FATAL_ERROR "qtune native: only x86-64 is supported, found ${CMAKE_SYSTEM_PROCESSOR}")
endif()
