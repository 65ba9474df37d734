#!/bin/sh
# ptediff kernel gate for another tree than the build's: `ptediff kernel
# --tree TARBALL` builds both backends of it (the capability probes of
# kernel/probe.sh, no version list), which then run every shipped program.
#
#   kernel/tree_test.sh PTEDIFF KERNEL_GATE_TEST SOURCE_DIR TARBALL VERSION OUTDIR
#
# Without TARBALL (scripts/fetch-linux-source.sh puts it into the build folder
# when the mirror is reachable, `make deps`) it prints why and exits 77, which
# ctest reports as a skip. Expected of Linux 7.3:
#
# - contpte.c: every shipped contpte program (corpus/, conformance/mutants/,
#   conformance/regressions/) runs clean and deterministically, and explore
#   --bound 1 of the small corpus programs is clean (kernel_gate_test with
#   PTEDIFF_KERNEL_CONTPTE).
# - hugetlbpage.c: every shipped hugetlb program runs clean. mprotect of a
#   contiguous size makes the new entries while the TLB may still hold the
#   old ones (huge_ptep_modify_prot_start() clears without a TLBI, and since
#   "arm64: hugetlb: Refine tlb maintenance scope" set_huge_pte_at() breaks
#   only a valid range): a permission change of the same output and size,
#   which needs no break-before-make (subjects/hugetlb/checks.cc);
#   kernel/hugetlb/repros/cont-pte_mprotect_no_break.repro is the smallest
#   such program. The 6.12 repro of the missing eed6bfa8b282 runs clean (7.3
#   has the fix).
set -u
PTEDIFF=$1
GATE=$2
SRC=$3
TARBALL=$4
VERSION=$5
OUT=$6
if [ ! -f "$TARBALL" ]; then
  echo "SKIP: no $TARBALL (scripts/fetch-linux-source.sh $VERSION fetches it; make deps runs it)"
  exit 77
fi
. "$(dirname "$0")/common.sh"
start_gate

CONTPTE=$OUT/libcontpte-$VERSION.so
HUGETLB=$OUT/libhugetlb-$VERSION.so
rm -f "$CONTPTE" "$HUGETLB"
if ! "$PTEDIFF" kernel --tree "$TARBALL" -o "$OUT/" >"$T/out" 2>&1 ||
   [ ! -f "$CONTPTE" ] || [ ! -f "$HUGETLB" ]; then
  bad "ptediff kernel --tree $TARBALL did not build $CONTPTE and $HUGETLB"
  exit 1
fi
cat "$T/out"

# contpte: the shipped programs of the contpte subject (no subject line, or
# subject contpte).
set --
for f in "$SRC"/corpus/*.repro "$SRC"/conformance/mutants/*.repro "$SRC"/conformance/regressions/*.repro; do
  grep -q '^subject \(hugetlb\|linear-map\)' "$f" || set -- "$@" "$f"
done
runs=$((runs + $#))
"$PTEDIFF" run --backend "$CONTPTE" "$@" >"$T/out" 2>&1
rc=$?
n=$(grep -c ': ok, .* divergences 0,' "$T/out")
if [ "$rc" -ne 0 ] || [ "$n" -ne $# ]; then
  bad "contpte: expected all $# shipped programs clean, $n were (status $rc)"
fi
runs=$((runs + 1))
PTEDIFF_KERNEL_CONTPTE=$CONTPTE "$GATE" \
  --gtest_filter='KernelGate.ShippedProgramsRunCleanAndDeterministic:KernelGate.ExploreIsCleanOnTheSmallPrograms' \
  >"$T/out" 2>&1 || bad "kernel_gate_test on $CONTPTE"

# hugetlb.
expect_hugetlb_clean "$PTEDIFF" "$HUGETLB" "$SRC"
REPRO=$SRC/kernel/hugetlb/repros/cont-pte_mprotect_no_break.repro
runs=$((runs + 2))
"$PTEDIFF" run --backend "$HUGETLB" "$REPRO" >"$T/out" 2>&1 || bad "$REPRO: expected clean"
"$PTEDIFF" run "$REPRO" >"$T/out" 2>&1 || bad "$REPRO: the built-in backend must run it clean"
runs=$((runs + 1))
"$PTEDIFF" run --backend "$HUGETLB" "$SRC/kernel/hugetlb/repros/16k_cont-pte_lpa2_mremap.repro" \
  >"$T/out" 2>&1 || bad "16k_cont-pte_lpa2_mremap.repro: expected clean (eed6bfa8b282 is in)"

echo "kernel tree gate (Linux $VERSION): $runs runs, $fails failures"
[ "$fails" -eq 0 ]
