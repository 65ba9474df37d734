#!/bin/sh
# ptediff bench: linear-map replay speed, two builds A/B on one corpus.
#
#   bench/linearmap_replay_ab.sh OLD_REPLAY NEW_REPLAY [CORPUS_DIR] [ROUNDS]
#
# Replays CORPUS_DIR (default bench/corpora/linearmap) with each replay
# driver (build-*/fuzz/linearmap_diff_replay), alternating old and new ROUNDS
# times (default 3), and prints per run the wall time and the CPU time (user
# + system) and at the end the medians as inputs/s and the new/old ratios.
# CPU time is the steadier measure on a shared machine. Both drivers must
# replay every input clean (exit status 0), so a speed-up cannot come from
# stopping early.
set -eu

[ $# -ge 2 ] || { echo "usage: $0 OLD_REPLAY NEW_REPLAY [CORPUS_DIR] [ROUNDS]" >&2; exit 2; }
old=$1
new=$2
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=${3:-$root/bench/corpora/linearmap}
rounds=${4:-3}
n=$(find "$corpus" -maxdepth 1 -type f | wc -l)
[ "$n" -gt 0 ] || {
  echo "$0: no inputs in $corpus" >&2
  exit 2
}
out=$(mktemp)
trap 'rm -f "$out" "$out.t"' EXIT

echo "corpus $corpus: $n inputs; $rounds alternating rounds"
for r in $(seq "$rounds"); do
  for side in old new; do
    bin=$old
    [ "$side" = new ] && bin=$new
    /usr/bin/time -f "%e %U %S" -o "$out.t" "$bin" "$corpus" >/dev/null 2>&1 || {
      echo "$0: $side replay failed on $corpus" >&2
      exit 1
    }
    read -r wall user sys <"$out.t"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
    echo "$side $wall $cpu" >>"$out"
    printf 'round %d %s: wall %6.2f s, cpu %6.2f s\n' "$r" "$side" "$wall" "$cpu"
  done
done

# Median of column $2 of the `side` rows.
median() {
  awk -v s="$1" -v c="$2" '$1 == s { print $c }' "$out" | sort -g |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ow=$(median old 2)
nw=$(median new 2)
oc=$(median old 3)
nc=$(median new 3)
awk -v n="$n" -v ow="$ow" -v nw="$nw" -v oc="$oc" -v nc="$nc" 'BEGIN {
  printf "median wall: old %.2f s (%.1f inputs/s), new %.2f s (%.1f inputs/s): %.1fx\n",
         ow, n / ow, nw, n / nw, ow / nw
  printf "median cpu:  old %.2f s (%.1f inputs/s), new %.2f s (%.1f inputs/s): %.1fx\n",
         oc, n / oc, nc, n / nc, oc / nc
}'
