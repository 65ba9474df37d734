#!/bin/sh
# ptediff bench: checks that two ptediff builds judge linear-map inputs alike.
#
#   bench/linearmap_equiv.sh OLD_PTEDIFF NEW_PTEDIFF [N_RANDOM] [INPUT...]
#
# Runs `ptediff run --json --subject linear-map` of both builds over the
# inputs (files, or directories standing for the files in them), over
# N_RANDOM (default 1500) pseudo-random programs (the fuzz decoder fed with
# bytes from a fixed seed, as subjects/linearmap/random_test.cc draws them,
# spread over the three granules, with and without BBML2) and over the
# linear-map programs of corpus/ and conformance/; once with no mutant and
# once per mutant, each with and without --all. Every input's JSON line
# (divergence classes, addresses and texts, op count, trace hash) and each
# run's exit status must be identical. Exit status 0 when they are, 1 when
# some differ (the differences are printed), 2 on bad usage.
set -eu

[ $# -ge 2 ] || { echo "usage: $0 OLD_PTEDIFF NEW_PTEDIFF [N_RANDOM] [INPUT...]" >&2; exit 2; }
old=$1
new=$2
shift 2
n_random=1500
if [ $# -gt 0 ]; then
  n_random=$1
  shift
fi
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The random programs: byte 0 picks the granule (its value mod 3) and BBML2
# (its bits 2-3) and stays out of the literal form (0xf0-0xff; codec.cc); the
# rest is the op stream.
mkdir -p "$work/random"
python3 - "$work/random" "$n_random" <<'EOF'
import random, sys
out, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(20240611)
for i in range(n):
    data = bytearray(rng.randrange(256) for _ in range(8 + rng.randrange(160)))
    data[0] = (data[0] % 80) * 3 + i % 3
    open(f"{out}/r{i:05d}", "wb").write(data)
EOF

# Every input, one path a line.
list=$work/inputs
: >"$list"
for a in "$work/random" "$@"; do
  if [ -d "$a" ]; then
    find "$a" -maxdepth 1 -type f | sort >>"$list"
  else
    echo "$a" >>"$list"
  fi
done
grep -l '^subject linear-map' "$root"/corpus/linearmap/*.repro "$root"/conformance/*/*.repro \
  2>/dev/null >>"$list" || true

mutants="none $("$new" mutants --subject linear-map | awk '/^  [^ ]/ { printf "%s ", $1 }')"
status=0
runs=0
for m in $mutants; do
  for all in "" --all; do
    for side in old new; do
      bin=$old
      [ "$side" = new ] && bin=$new
      rc=0
      xargs "$bin" run --json --subject linear-map --mutant "$m" $all <"$list" \
        >"$work/$side.json" 2>"$work/$side.err" || rc=$?
      # xargs reports 123 when any invocation exits 1-125 (divergence: 1).
      echo "$rc" >"$work/$side.rc"
    done
    runs=$((runs + 1))
    if ! cmp -s "$work/old.json" "$work/new.json" || ! cmp -s "$work/old.rc" "$work/new.rc"; then
      echo "DIFFERENT: mutant $m ${all:-first divergence}"
      diff "$work/old.json" "$work/new.json" | head -20 || true
      status=1
    fi
  done
done
verdict=identical
[ $status = 0 ] || verdict=DIFFERENT
echo "$(wc -l <"$list") inputs x $runs runs (mutants: ${mutants% }): $verdict"
exit $status
