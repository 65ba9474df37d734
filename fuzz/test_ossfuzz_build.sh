#!/bin/sh
# ptediff fuzz: runs .clusterfuzzlite/build.sh locally the way the builder
# image does, with libFuzzer (+ AddressSanitizer) and with AFL++'s driver,
# then runs every produced target over its seed corpus.
# With PTEDIFF_KERNEL_TREE naming a Linux tree or tarball, the kernel-code
# targets too, under both engines: the tree's code is in them (its symbols),
# is what they run as O (the name they print when asked, a seed that
# diverges only on 6.12's hugetlbpage.c), and they run clean over their
# seeds and on a short run; kernel/compile.sh refuses bad arguments.
# Usage: test_ossfuzz_build.sh SOURCE_DIR [CMAKE [PTEDIFF]] (ctest label:
# ossfuzz); PTEDIFF, the ptediff tool, encodes the hugetlb seeds of the
# kernel checks (without it they run from nothing).
set -eu
ROOT=$1
CMAKE=${2:-cmake}
PTEDIFF=${3:-}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
TARGETS="contpte_diff_fuzzer repro_parser_fuzzer"
KC=contpte_kernel_diff_fuzzer
KH=hugetlb_kernel_diff_fuzzer
if [ -n "${PTEDIFF_KERNEL_TREE:-}" ]; then TARGETS="$TARGETS $KC"; fi
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# check_out OUT: every target with its dictionary, options and a seed zip
# holding one seed per corpus file; prints the unpacked seed directories.
check_out() {
  want=$(ls "$ROOT"/corpus/*.repro | wc -l)
  for t in $TARGETS; do
    for f in "$t" "$t.dict" "$t.options" "${t}_seed_corpus.zip"; do
      [ -s "$1/$f" ] || { echo "missing $1/$f" >&2; exit 1; }
    done
    mkdir -p "$1/seeds/$t"
    (cd "$1/seeds/$t" && "$CMAKE" -E tar xf "$1/${t}_seed_corpus.zip")
    got=$(ls "$1/seeds/$t" | wc -l)
    [ "$got" -eq "$want" ] || { echo "$t: $got seeds, expected $want" >&2; exit 1; }
  done
}

# --- The kernel-code targets ---
# expect_refused WHAT ARGS...: kernel/compile.sh ARGS fails with status 2 and
# one line naming WHAT.
expect_refused() {
  what=$1
  shift
  rc=0
  "$ROOT/kernel/compile.sh" "$@" >"$TMP/refused" 2>&1 || rc=$?
  [ "$rc" -eq 2 ] && [ "$(wc -l <"$TMP/refused")" -eq 1 ] && grep -q -- "$what" "$TMP/refused" ||
    fail "kernel/compile.sh $*: expected one line about '$what', status 2" \
      "(got $rc: $(cat "$TMP/refused"))"
}

# compile_sh_checks: kernel/compile.sh's errors, and the --backend library
# it makes of the tree's contpte.c running the corpus clean.
compile_sh_checks() {
  echo "== kernel/compile.sh"
  expect_refused usage contpte
  expect_refused "unknown subject 'frob'" frob "$TMP" "$TMP/x.so"
  expect_refused "no mmu_split.c" linear-map "$TMP" "$TMP/x.so"
  expect_refused "no contpte.c" contpte "$TMP" "$TMP/x.so"
  expect_refused "unknown option '--shared'" hugetlb "$TMP" "$TMP/x.so" --shared
  expect_refused "--name needs a value" hugetlb "$TMP" "$TMP/x.so" --name
  mkdir -p "$TMP/broken"
  echo '#error not kernel code' >"$TMP/broken/contpte.c"
  echo 6.12.0 >"$TMP/broken/FULLVERSION"
  : >"$TMP/broken/contpte_wrappers.h"
  : >"$TMP/broken/kshim_caps.h"
  rc=0
  "$ROOT/kernel/compile.sh" contpte "$TMP/broken" "$TMP/x.so" >"$TMP/refused" 2>&1 || rc=$?
  [ "$rc" -eq 2 ] && tail -n 1 "$TMP/refused" |
    grep -q "^ptediff kernel: compiling .*/contpte.c for linux-6.12.0-contpte failed$" ||
    fail "kernel/compile.sh on broken code: expected the compile failure, status 2 (got $rc)"
  [ -x "$PTEDIFF" ] || { echo "kernel/compile.sh library: skipped (no PTEDIFF)"; return 0; }
  "$ROOT/kernel/extract.sh" "$PTEDIFF_KERNEL_TREE" "$TMP/contpte-src"
  lib=$TMP/lib/libcontpte.so
  "$ROOT/kernel/compile.sh" contpte "$TMP/contpte-src" "$lib" --mutant m1
  strings "$lib" | grep -q "^linux-$(cat "$TMP/contpte-src/FULLVERSION")-contpte-m1$" ||
    fail "kernel/compile.sh: the library is not named linux-<FULLVERSION>-contpte-m1"
  "$PTEDIFF" run --backend "$lib" "$ROOT"/corpus/*.repro >"$TMP/run.log" 2>&1 ||
    { tail -n 20 "$TMP/run.log"; fail "kernel/compile.sh: its library runs the corpus unclean"; }
  echo "kernel/compile.sh: errors refused; its library runs the corpus clean"
}

# kernel_symbols OUT: the kernel targets hold the tree's own functions (a
# hugetlbpage.c per granule); the built-in contpte target does not.
kernel_symbols() {
  nm "$1/$KC" | grep -Eq ' [Tt] contpte_set_ptes$' || fail "$KC: no contpte_set_ptes"
  for g in 12 14 16; do
    nm "$1/$KH" | grep -Eq " [Tt] huge_ptep_set_access_flags_$g\$" ||
      fail "$KH: no huge_ptep_set_access_flags of granule shift $g"
  done
  if nm "$1/contpte_diff_fuzzer" | grep -Eq ' [Tt] contpte_set_ptes$'; then
    fail "contpte_diff_fuzzer holds contpte_set_ptes: the symbol check proves nothing"
  fi
}

# hugetlb_seeds DIR: the hugetlb corpus encoded into DIR/seeds/$KH, and
# DIR/eed6bfa8b282.bin, the program of 6.12's flush_hugetlb_tlb_range() bug
# (kernel/known_bugs.tsv); without PTEDIFF, an empty seed folder.
hugetlb_seeds() {
  mkdir -p "$1/seeds/$KH"
  [ -x "$PTEDIFF" ] || return 0
  for r in "$ROOT"/corpus/hugetlb/*.repro; do
    "$PTEDIFF" encode "$r" -o "$1/seeds/$KH/$(basename "$r" .repro).bin" >/dev/null ||
      fail "cannot encode $r"
  done
  "$PTEDIFF" encode "$ROOT/kernel/hugetlb/repros/16k_cont-pte_lpa2_mremap.repro" \
    -o "$1/eed6bfa8b282.bin" >/dev/null || fail "cannot encode the eed6bfa8b282 program"
}

# kernel_libfuzzer OUT: the libFuzzer checks of the kernel targets.
kernel_libfuzzer() {
  kernel_symbols "$1"
  hugetlb_seeds "$1"
  for t in $KC $KH; do
    subject=${t%_kernel_diff_fuzzer}
    PTEDIFF_SHOW_BACKEND=1 "$1/$t" -runs=0 "$1/seeds/$t" >"$1/$t.log" 2>&1 ||
      { cat "$1/$t.log"; fail "$t: its seeds do not run clean"; }
    grep -q "^$t: O is linux-[0-9.]*-$subject\$" "$1/$t.log" ||
      fail "$t: does not say O is the tree's $subject code"
    max_len=512  # as the subjects' smoke tests (fuzz/CMakeLists.txt)
    if [ "$t" = $KC ]; then max_len=2048; fi
    "$1/$t" -runs=300 -seed=1 -max_len=$max_len "$1/seeds/$t" >"$1/$t.log" 2>&1 ||
      { cat "$1/$t.log"; fail "$t: the short run is not clean"; }
    ! grep -q ': O is ' "$1/$t.log" || fail "$t: names O without PTEDIFF_SHOW_BACKEND=1"
    rc=0
    PTEDIFF_BACKEND=reference "$1/$t" -runs=0 >"$1/$t.log" 2>&1 || rc=$?
    [ "$rc" -eq 2 ] && grep -q "^$t: O is the backend linked in (linux-.*); unset PTEDIFF_BACKEND" \
      "$1/$t.log" || fail "$t: takes \$PTEDIFF_BACKEND (status $rc)"
    echo "$t: seeds and 300 runs clean, O is $subject code of the tree"
  done
  PTEDIFF_SHOW_BACKEND=1 "$1/hugetlb_diff_fuzzer" -runs=0 >"$1/builtin.log" 2>&1 &&
    grep -q '^hugetlb_diff_fuzzer: O is the built-in optimized implementation$' \
      "$1/builtin.log" || fail "hugetlb_diff_fuzzer: does not say O is the built-in one"
  [ -f "$1/eed6bfa8b282.bin" ] || { echo "$KH: eed6bfa8b282 check skipped (no PTEDIFF)"; return 0; }
  # 6.12 lacks eed6bfa8b282: its flush misses the old range; the built-in O has the fix.
  if "$1/$KH" "$1/eed6bfa8b282.bin" >"$1/eed.log" 2>&1 ||
     ! grep -q '^DEDUP_TOKEN: divergence-flush-missing$' "$1/eed.log"; then
    cat "$1/eed.log"
    fail "$KH: the eed6bfa8b282 program does not diverge with flush-missing"
  fi
  "$1/hugetlb_diff_fuzzer" "$1/eed6bfa8b282.bin" >"$1/eed.log" 2>&1 ||
    { cat "$1/eed.log"; fail "hugetlb_diff_fuzzer: the eed6bfa8b282 program diverges"; }
  echo "$KH: the eed6bfa8b282 program diverges (flush-missing) on the tree's code only"
}

# kernel_afl OUT SEEDS: the AFL++ checks of the kernel targets: the seeds
# through the driver, then a short afl-fuzz run (300 executions) with no crash.
kernel_afl() {
  kernel_symbols "$1"
  mkdir -p "$1/seeds/$KH"
  cp "$2"/* "$1/seeds/$KH/" 2>/dev/null || echo x >"$1/seeds/$KH/empty"
  for t in $KC $KH; do
    "$1/$t" "$1/seeds/$t"/* >"$1/$t.log" 2>&1 || { cat "$1/$t.log"; fail "$t: seeds not clean"; }
    AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
      afl-fuzz -i "$1/seeds/$t" -o "$1/fz-$t" -E 300 -- "$1/$t" >"$1/fz-$t.log" 2>&1 ||
      { tail -n 20 "$1/fz-$t.log"; fail "$t: afl-fuzz failed"; }
    stats=$1/fz-$t/default/fuzzer_stats
    execs=$(awk '$1 == "execs_done" { print $3 }' "$stats")
    crashes=$(awk '$1 == "saved_crashes" || $1 == "unique_crashes" { print $3 }' "$stats")
    [ "${execs:-0}" -ge 300 ] && [ "${crashes:-1}" -eq 0 ] ||
      fail "$t: afl-fuzz ran ${execs:-0} executions, ${crashes:-?} crashes"
    echo "$t: seeds clean under the AFL++ driver, afl-fuzz $execs executions, no crash"
  done
}

if [ -n "${PTEDIFF_KERNEL_TREE:-}" ]; then
  compile_sh_checks
  echo "== a tree that is not there stops the build first"
  rc=0
  env PTEDIFF_KERNEL_TREE="$TMP/no-tree.tar.xz" OUT="$TMP/no-tree" SRC="$TMP/nosrc" \
    bash "$ROOT/.clusterfuzzlite/build.sh" >"$TMP/refused" 2>&1 || rc=$?
  [ "$rc" -eq 2 ] &&
    [ "$(cat "$TMP/refused")" = "ptediff kernel: $TMP/no-tree.tar.xz: no such tarball" ] ||
    fail "a missing PTEDIFF_KERNEL_TREE: expected one line, status 2" \
      "(got $rc: $(cat "$TMP/refused"))"
fi

echo "== libFuzzer + ASan (CC=clang-14 CXX=clang++-14 LIB_FUZZING_ENGINE=-fsanitize=fuzzer)"
SAN="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address"
SAN="$SAN -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
env CC=clang-14 CXX=clang++-14 CFLAGS="$SAN" CXXFLAGS="$SAN -stdlib=libc++" \
  LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT="$TMP/libfuzzer" SRC="$TMP/nosrc" \
  bash "$ROOT/.clusterfuzzlite/build.sh"
check_out "$TMP/libfuzzer"
for t in $TARGETS; do
  "$TMP/libfuzzer/$t" -runs=0 "$TMP/libfuzzer/seeds/$t"
done
# The other subjects' targets (no seed zips here): a short run from nothing.
for t in linearmap_diff_fuzzer hugetlb_diff_fuzzer; do
  "$TMP/libfuzzer/$t" -runs=300 -seed=1 -max_len=512
done
if [ -n "${PTEDIFF_KERNEL_TREE:-}" ]; then kernel_libfuzzer "$TMP/libfuzzer"; fi

if ! command -v afl-clang-fast++ >/dev/null; then
  echo "== AFL++: skipped (afl-clang-fast++ not installed)"
  exit 0
fi
echo "== AFL++ (CXX=afl-clang-fast++ LIB_FUZZING_ENGINE=/usr/lib/afl/libAFLDriver.a)"
env CC=afl-clang-fast CXX=afl-clang-fast++ CFLAGS="-O1 -g" CXXFLAGS="-O1 -g" AFL_QUIET=1 \
  LIB_FUZZING_ENGINE=/usr/lib/afl/libAFLDriver.a OUT="$TMP/afl" SRC="$TMP/nosrc" \
  bash "$ROOT/.clusterfuzzlite/build.sh"
check_out "$TMP/afl"
for t in $TARGETS; do
  "$TMP/afl/$t" "$TMP/afl/seeds/$t"/* >"$TMP/afl/$t.log" 2>&1 ||
    { cat "$TMP/afl/$t.log"; exit 1; }
  echo "$t: $(grep -c 'Execution successful' "$TMP/afl/$t.log") seeds ran under the AFL++ driver"
done
LM=linearmap_diff_fuzzer
if [ -x "$TMP/afl/$LM" ]; then  # any bytes are a linear-map program
  "$TMP/afl/$LM" "$TMP/afl/seeds/contpte_diff_fuzzer"/* >"$TMP/afl/$LM.log" 2>&1 ||
    { cat "$TMP/afl/$LM.log"; exit 1; }
fi
if [ -n "${PTEDIFF_KERNEL_TREE:-}" ]; then kernel_afl "$TMP/afl" "$TMP/libfuzzer/seeds/$KH"; fi
echo "ossfuzz build: ok"
