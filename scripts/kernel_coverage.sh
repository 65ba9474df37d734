#!/bin/sh
# ptediff: line coverage of the Linux contpte.c under the kernel gate's
# programs, fast (no instrumented build of the project: only the kernel
# backend is instrumented).
#
#   scripts/kernel_coverage.sh [TREE] [FUZZ_SECONDS]
#
# TREE (default /usr/src/linux-source-6.12.tar.xz) is extracted with
# kernel/extract.sh; contpte.c and the shim are compiled like `ptediff kernel`
# does, plus -fprofile-instr-generate -fcoverage-mapping. The backend then runs
# what the kernel gate runs: every contpte program of corpus/,
# conformance/mutants/ and conformance/regressions/ (`ptediff run --backend`),
# and `ptediff fuzz --backend` for FUZZ_SECONDS (default 20, as
# kernel_fuzz_gate; 0 skips it; it needs the fuzzer and its seeds: make build).
# Prints the contpte.c line/branch coverage and the lines never run.
# Needs build/ptediff. Exit status: non-zero when a step fails.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TREE=${1:-/usr/src/linux-source-6.12.tar.xz}
FUZZ=${2:-20}
OUT="$ROOT/build/kernel-coverage"
rm -rf "$OUT"
mkdir -p "$OUT/prof"
kernel/extract.sh "$TREE" "$OUT/src"
version=$(cat "$OUT/src/VERSION")
full=$(cat "$OUT/src/FULLVERSION")
SO="$OUT/libcontpte-$version-cov.so"
clang-14 -std=gnu11 -O1 -g -fPIC -shared -fvisibility=hidden \
  -fprofile-instr-generate -fcoverage-mapping \
  -I"$OUT/src" -I"$ROOT/kernel/include" -I"$ROOT/kernel/common/include" -I"$ROOT/include" \
  -DKSHIM_NAME="\"linux-$full-contpte\"" -DKSHIM_MUTANT='"none"' \
  "$OUT/src/contpte.c" kernel/shim/entry.c kernel/shim/backend.c kernel/common/machine.c -o "$SO"

programs=""
for f in corpus/*.repro conformance/mutants/*.repro conformance/regressions/*.repro; do
  grep -q '^subject \(hugetlb\|linear-map\)' "$f" || programs="$programs $f"
done
status=0
# shellcheck disable=SC2086  # a word list on purpose
LLVM_PROFILE_FILE="$OUT/prof/run-%p.profraw" build/ptediff run --backend "$SO" $programs \
  >"$OUT/run.log" 2>&1 || status=$?
echo "ptediff run of $(echo $programs | wc -w) programs: exit $status (log $OUT/run.log)"
if [ "$FUZZ" -gt 0 ]; then
  LLVM_PROFILE_FILE="$OUT/prof/fuzz-%p.profraw" build/ptediff fuzz --backend "$SO" \
    --seconds "$FUZZ" --out "$OUT/fuzz" >"$OUT/fuzz.log" 2>&1 || status=$?
  echo "ptediff fuzz --seconds $FUZZ: exit $status ($(grep -o '[0-9]* exec[a-z]*' "$OUT/fuzz.log" | head -n 1))"
fi
llvm-profdata-14 merge -sparse -o "$OUT/merged.profdata" "$OUT"/prof/*.profraw
echo
echo "| file | lines | missed lines | line cover | branches | missed branches | branch cover |"
echo "|---|---:|---:|---:|---:|---:|---:|"
llvm-cov-14 report -instr-profile="$OUT/merged.profdata" "$SO" "$OUT/src/contpte.c" |
  awk -v v="$full" '$1 == "TOTAL" {
    printf "| contpte.c (Linux %s) | %s | %s | %s | %s | %s | %s |\n", v, $8, $9, $10, $11, $12, $13 }'
llvm-cov-14 show -instr-profile="$OUT/merged.profdata" "$SO" "$OUT/src/contpte.c" |
  awk -F'|' '$2 ~ /^ *0$/ { src = $0; sub(/^[^|]*\|[^|]*\|/, "", src)
                            printf "  contpte.c:%d: %s\n", $1, src }'
exit "$status"
