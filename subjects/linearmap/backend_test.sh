#!/bin/sh
# ptediff linear map: the built-in O run through an external v3 library
# (libptediff_linearmap_arm64.so) gives every verdict and trace hash the
# built-in table gives, for every shipped linear-map program and every
# mutant; a backend of another ABI is refused with one line, exit status 2.
#
#   backend_test.sh PTEDIFF LIBRARY V2_LIBRARY SRC
set -u
PTEDIFF=$1 LIB=$2 V2=$3 SRC=$4
T=$(mktemp -d) || exit 2
trap 'rm -rf "$T"' EXIT
fails=0
FILES=$(grep -l '^subject linear-map' "$SRC"/corpus/linearmap/*.repro "$SRC"/conformance/mutants/*.repro)
for m in none $("$PTEDIFF" mutants --subject linear-map | awk '/^  [a-z]/ {print $1}'); do
  "$PTEDIFF" run --json --all --mutant "$m" $FILES >"$T/builtin.json" 2>&1
  "$PTEDIFF" run --json --all --mutant "$m" --backend "$LIB" $FILES >"$T/library.json" 2>&1
  if ! cmp -s "$T/builtin.json" "$T/library.json"; then
    echo "FAIL mutant $m: the library's results differ from the built-in table's"
    diff "$T/builtin.json" "$T/library.json" | head -5
    fails=$((fails + 1))
  fi
  [ -s "$T/builtin.json" ] || { echo "FAIL mutant $m: no results"; fails=$((fails + 1)); }
done
"$PTEDIFF" run --backend "$V2" "$SRC/corpus/linearmap/split_16k.repro" >"$T/out" 2>&1
rc=$?
if [ $rc != 2 ] || ! grep -q 'takes a v3 backend' "$T/out"; then
  echo "FAIL a v2 backend for a linear-map program: rc $rc, $(cat "$T/out")"
  fails=$((fails + 1))
fi
[ $fails = 0 ] && echo "ok: built-in table and v3 library agree" && exit 0
exit 1
