#!/bin/sh
# ptediff kernel hugetlb gate: the tree's own arch/arm64/mm/hugetlbpage.c
# (libhugetlb-<version>.so) as O against every shipped hugetlb program.
#
#   kernel/hugetlb/gate_test.sh PTEDIFF LIBHUGETLB.so SOURCE_DIR
#
# Next to LIBHUGETLB.so (libhugetlb-<version>.so) the build puts one
# libhugetlb-<version>-<mutant>.so per mutant of kernel/hugetlb/mutants.tsv
# and one libhugetlb-<version>-fix-<commit>.so per fix of
# kernel/hugetlb/fixes.tsv (kernel/hugetlb/CMakeLists.txt).
#
# Expected of Debian's 6.12 tree, which has 49c87f767774 ("arm64: hugetlb:
# Fix huge_ptep_get_and_clear() for non-present ptes") but not eed6bfa8b282
# ("arm64: hugetlb: Fix flush_hugetlb_tlb_range() invalidation level"):
#
# - corpus/hugetlb/*.repro and conformance/regressions/hugetlb-*.repro run
#   clean. That includes corpus/hugetlb/16k_cont-pmd_lpa2_mremap.repro: its
#   flush_hugetlb_tlb_range() does pass level hint 0 (level 0 under LPA2),
#   but a CONT_PMD range with page stride is 65536 pages, past MAX_DVM_OPS,
#   so 6.12's __flush_tlb_range_nosync() turns it into flush_tlb_mm() (the
#   shim's CPU has no FEAT_TLBIRANGE; with it, a range TLBI encodes hint 0
#   as "any level", __TLBI_VADDR_RANGE). The missed invalidation the built-in
#   mutant flush-level-zero shows there needs per-page TLBIs the kernel
#   does not issue for that size.
# - `ptediff explore --bound 1` of every corpus program runs clean: every
#   schedule of one mid-op event (docs/DESIGN.md §10.4.1).
# - kernel/hugetlb/repros/16k_cont-pte_lpa2_mremap.repro reports
#   flush-missing, and only that: a CONT_PTE range (128 pages) stays under
#   MAX_DVM_OPS, so the page-by-page TLBIs carry the level-0 hint and miss
#   the stale translation of the old range. This is the bug eed6bfa8b282
#   fixes; the built-in backend (6.12 with the fix) runs it clean.
# - Every mutant of kernel/hugetlb/mutants.tsv is caught with its class: a
#   shipped hugetlb program (corpus, hugetlb regressions, the hugetlb
#   programs of conformance/mutants/, kernel/hugetlb/repros/) that runs clean
#   on the tree diverges first with that class; an "(interleavings only)"
#   one is missed by all of them without their mid-op events and found by
#   explore --bound 1.
# - Every hugetlb bug of kernel/known_bugs.tsv with a fix edit is carried
#   (its repro diverges with its class), and the tree with the fix runs the
#   repro and every shipped hugetlb program clean.
# - Each of those checks fails the unmodified backend.
set -u
PTEDIFF=$1
LIB=$2
SRC=$3
REPRO=$SRC/kernel/hugetlb/repros/16k_cont-pte_lpa2_mremap.repro
. "$(dirname "$0")/../common.sh"
start_gate

expect_hugetlb_clean "$PTEDIFF" "$LIB" "$SRC"

for f in "$SRC"/corpus/hugetlb/*.repro; do
  runs=$((runs + 1))
  "$PTEDIFF" explore --bound 1 --backend "$LIB" "$f" >"$T/out" 2>&1
  rc=$?
  if [ "$rc" -ne 0 ] || ! grep -q ': clean under all ' "$T/out"; then
    bad "$f: expected clean under every one-event schedule (status $rc)"
  fi
done

runs=$((runs + 1))
"$PTEDIFF" run --backend "$LIB" "$REPRO" >"$T/out" 2>&1
rc=$?
if [ "$rc" -ne 1 ] || ! tail -n 1 "$T/out" | grep -q ': DIVERGED, .* divergences 1,' ||
   [ "$(grep -c ': flush-missing at ' "$T/out")" -ne 1 ]; then
  bad "$REPRO: expected exactly one flush-missing divergence (status $rc)"
fi
runs=$((runs + 1))
"$PTEDIFF" run "$REPRO" >"$T/out" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
  bad "$REPRO: the built-in backend (with eed6bfa8b282) must run it clean (status $rc)"
fi

# The mprotect of a present contiguous huge page that Linux 7.3 makes
# without a completed break (kernel/tree_test.sh): 6.12's set_huge_pte_at()
# always breaks with clear_flush(), so it runs clean.
NOBREAK=$SRC/kernel/hugetlb/repros/cont-pte_mprotect_no_break.repro
runs=$((runs + 1))
"$PTEDIFF" run --backend "$LIB" "$NOBREAK" >"$T/out" 2>&1 || bad "$NOBREAK: expected clean on 6.12"

# The shipped hugetlb programs: the corpus, the hugetlb regressions, the
# hugetlb programs of the mutant catalogue (plain programs here: an external
# backend takes no built-in mutant) and kernel/hugetlb/repros.
set -- "$SRC"/corpus/hugetlb/*.repro "$SRC"/conformance/regressions/hugetlb-*.repro
for f in "$SRC"/conformance/mutants/*.repro; do
  if grep -q '^subject hugetlb$' "$f"; then set -- "$@" "$f"; fi
done
set -- "$@" "$SRC"/kernel/hugetlb/repros/*.repro
# The same without their mid-op events, in $T/bare (kept in order).
mkdir "$T/bare"
i=0
for f in "$@"; do
  i=$((i + 1))
  grep -v '^ *@' "$f" >"$T/bare/$i.repro"
done

# classes LIB OUT FILE...: runs every FILE on LIB and writes OUT, one line per
# FILE: its path and the class of its first divergence ("clean" if none).
# Fails (status 1) unless every FILE ran and has its line.
classes() {
  lib=$1 out=$2
  shift 2
  "$PTEDIFF" run --json --backend "$lib" "$@" >"$T/json" 2>"$T/out"
  [ $? -le 1 ] || return 1
  sed -n -e 's/^{"divergences":\[\],.*"input":"\([^"]*\)".*$/\1 clean/p' \
    -e 's/^{"divergences":\[{"class":"\([a-z-]*\)".*"input":"\([^"]*\)".*$/\2 \1/p' \
    "$T/json" >"$out"
  [ "$(wc -l <"$out")" -eq $# ]
}
# shown_as OUT BASE CLASS: the programs of OUT whose first divergence has
# CLASS ("any": whatever it is) and that run clean in BASE (what the
# unmodified tree already gets wrong is no catch).
shown_as() {
  awk -v want="$3" 'NR == FNR { base[$1] = $2; next }
                    base[$1] == "clean" && $2 != "clean" && (want == "any" || $2 == want) {
                      print $1
                    }' "$2" "$1"
}
# ran LIB OUT PROGRAM...: classes, as one run of the gate; a PROGRAM that
# did not run fails it.
ran() {
  runs=$((runs + 1))
  classes "$@" && return 0
  bad "$1: the shipped hugetlb programs did not all run"
  return 1
}
ran "$LIB" "$T/base" "$@"
ran "$LIB" "$T/base.bare" "$T"/bare/*.repro

# caught NAME MLIB CLASS PROGRAM...: the backend MLIB (mutant NAME) is
# caught: a PROGRAM clean on the tree diverges on it first with CLASS.
caught() {
  name=$1 mlib=$2 want=$3
  shift 3
  ran "$mlib" "$T/mut" "$@" || return
  shown_as "$T/mut" "$T/base" "$want" >"$T/hits"
  if [ -s "$T/hits" ]; then
    echo "$name: caught as $want by $(wc -l <"$T/hits") programs (first $(head -n 1 "$T/hits"))"
  else
    cp "$T/mut" "$T/out"
    bad "$name: no shipped program clean on the tree diverges as $want on $mlib"
  fi
}
# caught_by_explore NAME MLIB CLASS PROGRAM...: the backend MLIB (mutant
# NAME) is missed by every PROGRAM without its events, and explore --bound 1
# of one of the PROGRAMs that had events, without them, shows CLASS.
caught_by_explore() {
  name=$1 mlib=$2 want=$3
  shift 3
  ran "$mlib" "$T/mut" "$T"/bare/*.repro || return
  if shown_as "$T/mut" "$T/base.bare" any >"$T/out" && [ -s "$T/out" ]; then
    bad "$name (interleavings only): seen without events"
    return
  fi
  i=0
  for f in "$@"; do
    i=$((i + 1))
    cmp -s "$f" "$T/bare/$i.repro" && continue
    "$PTEDIFF" explore --bound 1 --backend "$mlib" "$T/bare/$i.repro" >"$T/out" 2>&1
    if grep -q "\`: $want at " "$T/out"; then
      echo "$name: missed without events, explore --bound 1 of $f finds it as $want"
      return
    fi
  done
  bad "$name (interleavings only): explore --bound 1 finds no $want"
}
# fixed NAME FLIB COMMIT REPRO PROGRAM...: the backend FLIB (the tree with
# the fix COMMIT) runs REPRO and every PROGRAM clean.
fixed() {
  name=$1 flib=$2 commit=$3
  shift 3
  ran "$flib" "$T/fixed" "$@" || return
  if grep -v ' clean$' "$T/fixed" >"$T/out"; then
    bad "$name: the tree with $commit ($flib) should run its repro and the shipped programs clean"
  fi
}

# Every mutant of kernel/hugetlb/mutants.tsv, once: its name, class (its
# first row's) and whether a row says "(interleavings only)".
TABLE=$SRC/kernel/hugetlb/mutants.tsv
awk -F '\t' '!/^#/ && NF > 0 {
               if (!($1 in cls)) { cls[$1] = $3; order[++n] = $1 }
               if ($5 ~ /\(interleavings only\)$/) events[$1] = 1
             }
             END { for (i = 1; i <= n; i++) print order[i], cls[order[i]], order[i] in events }' \
  "$TABLE" >"$T/mutants"
while read -r name class events; do
  if [ "$events" -eq 1 ]; then
    caught_by_explore "$name" "${LIB%.so}-$name.so" "$class" "$@"
  else
    caught "$name" "${LIB%.so}-$name.so" "$class" "$@"
  fi
done <"$T/mutants"
runs=$((runs + 1))
[ "$(wc -l <"$T/mutants")" -ge 6 ] || bad "$TABLE: fewer than 6 mutants"

# Every hugetlb bug of kernel/known_bugs.tsv with a fix edit: the tree
# carries it (its repro diverges with its class), and the tree with the fix
# (libhugetlb-<version>-fix-<commit>.so) runs the repro and every shipped
# program clean.
KNOWN=$SRC/kernel/known_bugs.tsv
awk -F '\t' '!/^#/ && $1 == "hugetlb" && $6 != "-" { print $2, $3, $5, $6 }' "$KNOWN" >"$T/known"
while read -r class commit repro fix; do
  runs=$((runs + 1))
  fails_before=$fails
  classes "$LIB" "$T/carried" "$SRC/$repro"
  grep -q " $class\$" "$T/carried" || bad "$repro: the tree should carry $commit: expected $class"
  fixed "$commit" "${LIB%.so}-fix-$fix.so" "$commit" "$SRC/$repro" "$@"
  if [ "$fails" -eq "$fails_before" ]; then
    echo "$commit: $repro diverges as $class on the tree; with the fix, it and $# shipped" \
      "programs run clean"
  fi
done <"$T/known"
runs=$((runs + 1))
[ -s "$T/known" ] || bad "$KNOWN: no hugetlb bug with a fix edit"

# The checks fire: the unmodified backend taken for a mutant, for an
# interleaving-only one and for the tree with a fix fails each.
fails_before=$fails
caught "(self-check)" "$LIB" pte-state "$@" >/dev/null
caught_by_explore "(self-check)" "$LIB" access-dirty "$@" >/dev/null
fixed "(self-check)" "$LIB" eed6bfa8b282 "$REPRO" >/dev/null
runs=$((runs + 1))
if [ "$fails" -eq $((fails_before + 3)) ]; then
  fails=$fails_before
else
  echo "FAIL: the unmodified backend passed a check meant for a mutant or a fixed tree"
  fails=$((fails_before + 1))
fi

echo "kernel hugetlb gate: $runs runs, $fails failures"
[ "$fails" -eq 0 ]
