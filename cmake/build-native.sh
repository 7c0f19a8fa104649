#!/usr/bin/env bash
# Maven's process-classes step for the native kernels (java/pom.xml runs it through exec-maven-plugin):
#  1. JavaCPP's Builder writes the JNI glue for the binding class, generate-only (-nocompile);
#  2. CMake configures native/ with that glue;
#  3. CMake builds libjniQtuneKernels.so straight into the class output folder.
# Quiet when it works; on failure prints the log of the step that failed.
# usage: build-native.sh <java> <classpath> <binding class> <build dir> <library output dir> <JDK home>
set -euo pipefail
java=$1 classpath=$2 binding=$3 build=$4 libdir=$5 jdk=$6
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$build"
log="$build/native-build.log"
: >"$log"

step() {
  local name=$1; shift
  if ! "$@" >>"$log" 2>&1; then
    echo "qtune native build: $name failed; log $log:" >&2
    tail -n 60 "$log" >&2
    exit 1
  fi
}

step "JavaCPP JNI generation" "$java" -classpath "$classpath" org.bytedeco.javacpp.tools.Builder \
  -nocompile -d "$build/jni-generated" "$binding"
step "CMake configure" cmake -S "$here/../native" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DQTUNE_JAVA_HOME="$jdk" -DQTUNE_JNI_SOURCE_DIR="$build/jni-generated" -DQTUNE_LIBRARY_OUTPUT_DIR="$libdir"
step "CMake build" cmake --build "$build" --target jniQtuneKernels --parallel "$(nproc 2>/dev/null || echo 2)"
