#!/bin/sh
# ptediff benchmark: time to detection of every mutant by a fuzz target
# ($FUZZ_TARGET, default contpte_diff_fuzzer; hugetlb_diff_fuzzer for the
# hugetlb subject's mutants, named in $MUTANTS).
#   structured: the structure-aware mutator on the shipped seed corpus
#   plain:      plain libFuzzer byte mutation ($PTEDIFF_PLAIN_MUTATION=1) on an empty corpus
# Prints, per mutant, the median (over RUNS runs, 1 job) of the seconds to the
# first divergence, or ">CAP" when none was found within CAP seconds.
# Usage: bench/mutant_detection.sh [BUILD_DIR] [RUNS] [CAP] [PLAIN_RUNS]
# $MUTANTS (space separated) limits the run to those mutants; PLAIN_RUNS 0
# skips the plain-bytes column.
set -u
B=${1:-build} RUNS=${2:-3} CAP=${3:-30} PLAIN_RUNS=${4:-1}
FZ=$B/fuzz/${FUZZ_TARGET:-contpte_diff_fuzzer}
SEEDS=$B/fuzz/seeds/${FUZZ_TARGET:-contpte_diff_fuzzer}
[ -x "$FZ" ] || { echo "no $FZ (build first)" >&2; exit 2; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
# seconds to the first crash of one run (or CAP+1 when none)
one() {  # one MUTANT MODE SEED
  rm -rf "$T/c" "$T/a"; mkdir -p "$T/c" "$T/a"
  [ "$2" = structured ] && cp "$SEEDS"/* "$T/c/" 2>/dev/null
  start=$(date +%s.%N)
  if [ "$2" = plain ]; then export PTEDIFF_PLAIN_MUTATION=1; else unset PTEDIFF_PLAIN_MUTATION; fi
  PTEDIFF_MUTANT=$1 timeout $((CAP + 10)) "$FZ" -seed="$3" -max_total_time="$CAP" \
    -artifact_prefix="$T/a/" -print_final_stats=0 "$T/c" >"$T/log" 2>&1
  end=$(date +%s.%N)
  if ls "$T/a"/crash-* >/dev/null 2>&1; then awk -v a="$start" -v b="$end" 'BEGIN {print b - a}'; else echo $((CAP + 1)); fi
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '| mutant | structured + corpus (median of %s) | plain bytes + empty corpus (median of %s) |\n|---|---:|---:|\n' "$RUNS" "$PLAIN_RUNS"
ALL=$("$B"/ptediff mutants | awk '/^user page tables/ {u=1; next} /^kernel/ {u=0} u && /^  [a-z]/ {print $1}')
for m in ${MUTANTS:-$ALL}; do
  s=$(for i in $(seq 1 "$RUNS"); do one "$m" structured "$i"; done | median)
  p=$(for i in $(seq 1 "$PLAIN_RUNS"); do one "$m" plain "$i"; done | median)
  [ -n "$p" ] || p=$((CAP + 1))
  fmt() { awk -v x="$1" -v c="$CAP" 'BEGIN { if (x > c) printf ">%ds", c; else printf "%.1fs", x }'; }
  echo "| $m | $(fmt "$s") | $(fmt "$p") |"
done
