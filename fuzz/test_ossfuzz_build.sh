#!/bin/sh
# ptediff fuzz: runs .clusterfuzzlite/build.sh locally the way the builder
# image does, with libFuzzer (+ AddressSanitizer) and with AFL++'s driver,
# then runs every produced target over its seed corpus.
# Usage: test_ossfuzz_build.sh SOURCE_DIR [CMAKE] (ctest label: ossfuzz).
set -eu
ROOT=$1
CMAKE=${2:-cmake}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
TARGETS="contpte_diff_fuzzer repro_parser_fuzzer"

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
if [ -x "$TMP/afl/$LM" ]; then  # any bytes are a linear-map program
  "$TMP/afl/$LM" "$TMP/afl/seeds/contpte_diff_fuzzer"/* >"$TMP/afl/$LM.log" 2>&1 ||
    { cat "$TMP/afl/$LM.log"; exit 1; }
fi
echo "ossfuzz build: ok"
