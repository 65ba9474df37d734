#!/bin/sh
# ptediff: clang source-based coverage of the pre-merge gate.
#
# Configures and builds the `coverage` preset (build-coverage/, instrumented
# with -fprofile-instr-generate -fcoverage-mapping), runs every ctest labelled
# quick or gate with one raw profile per process, merges them, and reports the
# coverage of the code under test: each subject (subjects/*/), the shared core
# (formats/, oracle/, engine/, report/) and mmu/
# (test sources and test helpers excluded). Writes an HTML report to
# build-coverage/html/ and prints a per-directory line/branch summary plus,
# for contpte's optimized backend, every function that is not fully line-covered; then the
# line coverage of the Linux contpte.c the kernel gate runs (kernel/: the
# extracted build-coverage/kernel/src-6.12/contpte.c inside
# libcontpte-6.12.so), with its lines never run.
#
#   scripts/coverage.sh            (make coverage)
#
# Exit status: that of ctest (a failing test fails the run, after the report),
# non-zero as well when the build or the profile merge fails.
set -eu

cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD="$ROOT/build-coverage"
PROF="$BUILD/prof"
DIRS="subjects/contpte subjects/linearmap subjects/hugetlb formats oracle engine report mmu"
# Test sources and test-only helpers are not code under test.
IGNORE='(_test\.cc|_test_util\.(h|cc)|/test_[a-z_]*\.h)$'
PROFDATA=llvm-profdata-14
COV=llvm-cov-14

cmake --preset coverage >/dev/null
cmake --build "$BUILD"

rm -rf "$PROF" "$BUILD/html"
mkdir -p "$PROF"
status=0
LLVM_PROFILE_FILE="$PROF/%p-%m.profraw" \
  ctest --test-dir "$BUILD" -L 'quick|gate' --output-on-failure -j2 || status=$?

set -- "$PROF"/*.profraw
[ -e "$1" ] || { echo "coverage: no profiles were written" >&2; exit 1; }
"$PROFDATA" merge -sparse -o "$PROF/merged.profdata" "$@"

# Every instrumented executable the build produced (tests, the ptediff tool,
# replay drivers, fuzz targets): coverage of a source merges across them.
objects=""
for f in $(find "$BUILD" -type f -perm -u+x ! -name '*.so' ! -path '*/CMakeFiles/*' | sort); do
  if llvm-readelf-14 -S "$f" 2>/dev/null | grep -q __llvm_covmap; then
    if [ -z "$objects" ]; then objects="$f"; else objects="$objects -object $f"; fi
  fi
done
[ -n "$objects" ] || { echo "coverage: no instrumented binaries in $BUILD" >&2; exit 1; }
# The kernel backend is a .so loaded by the gate (only the unmodified one:
# each mutant library has its own copy of contpte.c).
KSO="$BUILD/kernel/libcontpte-6.12.so"
KSRC="$BUILD/kernel/src-6.12"
[ -f "$KSO" ] && objects="$objects -object $KSO"

# llvm-cov over every binary. Its "N functions have mismatched data" warning
# is expected here and dropped: an inline function a binary never emits is
# recorded there with hash 0, while other binaries hold its real profile.
cov() {
  cmd=$1
  shift
  # shellcheck disable=SC2086  # $objects is a word list on purpose
  { "$COV" "$cmd" -use-color=false -instr-profile="$PROF/merged.profdata" \
      -ignore-filename-regex="$IGNORE" \
      $objects "$@" 2>&1 1>&3 | grep -v 'functions have mismatched data' >&2 || true; } 3>&1
}

paths=""
for d in $DIRS; do paths="$paths $ROOT/$d"; done
# shellcheck disable=SC2086
cov show -format=html -output-dir="$BUILD/html" -show-branches=count $paths >/dev/null

# The TOTAL line of `llvm-cov report` has: regions, missed, cover, functions,
# missed, executed, lines, missed, cover, branches, missed, cover.
echo
echo "## Coverage of the gate (ctest -L 'quick|gate'), clang source-based"
echo
echo "| directory | lines | missed lines | line cover | branches | missed branches | branch cover |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for d in $DIRS; do
  cov report "$ROOT/$d" | awk -v d="$d/" '$1 == "TOTAL" {
    printf "| %s | %s | %s | %s | %s | %s | %s |\n", d, $8, $9, $10, $11, $12, $13 }'
done
# shellcheck disable=SC2086
cov report $paths | awk '$1 == "TOTAL" {
  printf "| all | %s | %s | %s | %s | %s | %s |\n", $8, $9, $10, $11, $12, $13 }'

echo
echo "### contpte optimized backend: functions not fully line-covered, and the lines never run"
echo
sources=$(for f in optimized.cc optimized.h contpte.cc contpte.h plain.cc plain.h config.cc config.h \
  ctx.h; do echo "$ROOT/subjects/contpte/$f"; done)
# -show-functions prints a "File '<path>':" line, then one row per function:
# name, regions, missed, cover, lines, missed, cover, branches, missed, cover.
# Internal-linkage names carry a "file.cc:" prefix, split off for demangling.
# shellcheck disable=SC2086
cov report -show-functions $sources |
  awk '/^File / { f = $2; gsub(/^'"'"'|'"'"':$/, "", f); sub(/.*\//, "", f) }
       NF >= 10 && $1 != "TOTAL" && $6 ~ /^[0-9]+$/ && $6 > 0 {
         name = $1; sub(/^[^_]*:_Z/, "_Z", name)
         printf "- %s: %s lines of %s missed in %s\n", f, $6, $5, name }' | llvm-cxxfilt-14
# `show` prints "line|count|source"; a count of 0 is a line never run.
# shellcheck disable=SC2086
cov show -show-instantiations=false $sources |
  awk -F'|' '/^\/.*:$/ { f = $0; sub(/:$/, "", f); sub(/.*\//, "", f) }
             $2 ~ /^ *0$/ { src = $0; sub(/^[^|]*\|[^|]*\|/, "", src)
                            printf "  %s:%d: %s\n", f, $1, src }'
if [ -f "$KSO" ]; then
  echo
  echo "### kernel/: Linux contpte.c under the kernel gate (kernel_gate_test, kernel_fuzz_gate)"
  echo
  echo "| file | lines | missed lines | line cover | branches | missed branches | branch cover |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  cov report "$KSRC/contpte.c" | awk '$1 == "TOTAL" {
    printf "| contpte.c | %s | %s | %s | %s | %s | %s |\n", $8, $9, $10, $11, $12, $13 }'
  # shellcheck disable=SC2086
  cov show -show-instantiations=false "$KSRC/contpte.c" |
    awk -F'|' '$2 ~ /^ *0$/ { src = $0; sub(/^[^|]*\|[^|]*\|/, "", src)
                              printf "  contpte.c:%d: %s\n", $1, src }'
fi
echo
echo "HTML report: $BUILD/html/index.html"
exit "$status"
