#!/bin/sh
# ptediff bench: checks that two ptediff builds judge hugetlb inputs alike.
#
#   bench/hugetlb_equiv.sh OLD_PTEDIFF NEW_PTEDIFF [OPS] [INPUT_DIR...]
#
# The inputs: long programs of bench/hugetlb_long_program.sh (each shape
# over every hstate, OPS ops each, default 3000; the mixed shape with three
# seeds), the hugetlb programs of corpus/ and conformance/, and the binary
# inputs of each INPUT_DIR (default bench/corpora/hugetlb; read with
# --subject hugetlb). Both builds run them all with `ptediff run --json`
# under no mutant and under each hugetlb mutant, with and without --all:
# every JSON line (divergence classes, addresses and texts, op counts, trace
# hashes) and every exit status must be identical. Exit status 0 when they
# are, 1 when some differ (printed), 2 on bad usage.
set -eu

[ $# -ge 2 ] || { echo "usage: $0 OLD_PTEDIFF NEW_PTEDIFF [OPS] [INPUT_DIR...]" >&2; exit 2; }
old=$1
new=$2
ops=${3:-3000}
[ $# -ge 3 ] && shift 3 || shift $#
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -gt 0 ] || set -- "$root/bench/corpora/hugetlb"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: >"$work/binary"
for d in "$@"; do find "$d" -maxdepth 1 -type f | sort >>"$work/binary"; done

mkdir "$work/long"
for hstate in "4k cont-pte" "4k pmd" "4k cont-pmd" "4k pud" "16k cont-pte" "16k pmd" \
  "16k cont-pmd" "64k cont-pte" "64k pmd" "64k cont-pmd"; do
  tag=$(echo "$hstate" | tr ' ' _)
  for run in "get 1" "faults 1" "mixed 1" "mixed 2" "mixed 3"; do
    set -- $run
    sh "$root/bench/hugetlb_long_program.sh" "$1" "$ops" $hstate "$2" \
      >"$work/long/$1$2_$tag.repro"
  done
done
find "$work/long" -type f | sort >"$work/text"
grep -l '^subject hugetlb' "$root"/corpus/hugetlb/*.repro "$root"/conformance/*/*.repro \
  >>"$work/text" 2>/dev/null || true

# One build over every input under mutant $2 with flags $3: JSON lines and
# the exit statuses of the two lists (xargs says 123 when a run exits 1).
judge() {
  for list in text binary; do
    rc=0
    xargs "$1" run --json --subject hugetlb --mutant "$2" $3 <"$work/$list" 2>/dev/null || rc=$?
    echo "exit $list $rc"
  done
}

mutants="none $("$new" mutants --subject hugetlb | awk '/^  [^ ]/ { printf "%s ", $1 }')"
status=0
runs=0
for m in $mutants; do
  for flags in "" --all; do
    judge "$old" "$m" "$flags" >"$work/old.out"
    judge "$new" "$m" "$flags" >"$work/new.out"
    runs=$((runs + 1))
    cmp -s "$work/old.out" "$work/new.out" && continue
    echo "DIFFERENT: mutant $m ${flags:-first divergence}"
    diff "$work/old.out" "$work/new.out" | head -20 || true
    status=1
  done
done
inputs=$(cat "$work/text" "$work/binary" | wc -l)
verdict=identical
[ $status = 0 ] || verdict=DIFFERENT
echo "$inputs inputs x $runs runs (mutants: ${mutants% }): $verdict"
exit $status
