#!/bin/sh
# ptediff kernel hugetlb gate: the tree's own arch/arm64/mm/hugetlbpage.c
# (libhugetlb-<version>.so) as O against every shipped hugetlb program.
#
#   kernel/hugetlb/gate_test.sh PTEDIFF LIBHUGETLB.so SOURCE_DIR
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

echo "kernel hugetlb gate: $runs runs, $fails failures"
[ "$fails" -eq 0 ]
