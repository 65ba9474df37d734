#!/bin/sh
# ptediff fuzz: builds the fuzz targets with AFL++ into DIR (default build/fuzz/afl).
#
# afl-clang-fast++ with -fsanitize=fuzzer links AFL++'s libFuzzer-compatible
# driver (persistent mode, shared-memory test cases); a second build with
# AFL_LLVM_CMPLOG=1 gives DIR/<target>.cmplog for `afl-fuzz -c`.
# `ptediff fuzz --engine afl` runs DIR/contpte_diff_fuzzer.
# Environment: PTEDIFF_AFL_CXX (default afl-clang-fast++).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=$(mkdir -p "${1:-$HERE/../build/fuzz/afl}" && cd "${1:-$HERE/../build/fuzz/afl}" && pwd)
command -v "${PTEDIFF_AFL_CXX:-afl-clang-fast++}" >/dev/null || {
  echo "ptediff: afl-clang-fast++ not found (apt-get install afl++)" >&2
  exit 2
}
export CXX="${PTEDIFF_AFL_CXX:-afl-clang-fast++}" CXXFLAGS="-O2 -g" LIB_FUZZING_ENGINE=-fsanitize=fuzzer
export AFL_QUIET=1
OUT="$DIR" "$HERE/build_targets.sh"
CMPLOG=$(mktemp -d)
trap 'rm -rf "$CMPLOG"' EXIT
AFL_LLVM_CMPLOG=1 PTEDIFF_BINARIES_ONLY=1 OUT="$CMPLOG" "$HERE/build_targets.sh"
for t in contpte_diff_fuzzer repro_parser_fuzzer; do mv "$CMPLOG/$t" "$DIR/$t.cmplog"; done
echo "ptediff: AFL++ targets (and .cmplog variants) in $DIR"
