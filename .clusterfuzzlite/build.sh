#!/bin/bash
# ptediff: ClusterFuzzLite / OSS-Fuzz build script.
#
# Compiles the fuzz targets with $CXX $CXXFLAGS, links them with
# $LIB_FUZZING_ENGINE (libFuzzer's -fsanitize=fuzzer, AFL++'s
# libAFLDriver.a, ...) and installs the targets, their dictionaries,
# .options and seed corpora into $OUT; fuzz/build_targets.sh does the work.
# $CC and $CFLAGS compile the Linux kernel code of the kernel-code targets,
# built only when $PTEDIFF_KERNEL_TREE names a tree or tarball (see the
# Dockerfile).
# In the builder image this runs as $SRC/build.sh with the checkout in
# $SRC/ptediff; run by hand, it uses the checkout it lives in.
set -eu
if [ -n "${SRC:-}" ] && [ -f "$SRC/ptediff/fuzz/build_targets.sh" ]; then
  ROOT="$SRC/ptediff"
else
  ROOT=$(cd "$(dirname "$0")/.." && pwd)
fi
exec bash "$ROOT/fuzz/build_targets.sh"
