#!/bin/sh
# ptediff kernel gate: `ptediff kernel --tree` end to end on small trees made
# from the build's extracted files and on the tarball itself: a good tree
# builds both backends (contpte.c's and hugetlbpage.c's), which run clean
# (and a contpte mutant build is caught); --subject picks one; every bad tree
# or argument fails with exactly one error line and exit status 2.
#
#   kernel/cli_test.sh PTEDIFF CONTPTE_EXTRACTED_DIR HUGETLB_EXTRACTED_DIR TARBALL
set -u
PTEDIFF=$1
KSRC=$2
KHS_SRC=$3
TARBALL=$4
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0

# The tarball's asm/tlbflush.h, which the probes read (kernel/probe.sh).
tar -xf "$TARBALL" -C "$T" --wildcards '*/arch/arm64/include/asm/tlbflush.h' ||
  { echo "FAIL: cannot unpack asm/tlbflush.h from $TARBALL"; exit 1; }
TLBFLUSH=$(echo "$T"/*/arch/arm64/include/asm/tlbflush.h)

# make_tree DIR VERSION PATCHLEVEL: a minimal tree around the extracted files
# (the cut hugetlb helpers stand for the headers they were cut from).
make_tree() {
  mkdir -p "$1/arch/arm64/mm" "$1/arch/arm64/include/asm" "$1/include/linux"
  printf 'VERSION = %s\nPATCHLEVEL = %s\nSUBLEVEL = 117\n' "$2" "$3" >"$1/Makefile"
  cp "$TLBFLUSH" "$1/arch/arm64/include/asm/tlbflush.h"
  cp "$KSRC/contpte.c" "$1/arch/arm64/mm/contpte.c"
  { echo '#ifdef CONFIG_ARM64_CONTPTE'; cat "$KSRC/contpte_wrappers.h"
    echo '#else /* CONFIG_ARM64_CONTPTE */'; echo '#endif'; } >"$1/arch/arm64/include/asm/pgtable.h"
  cp "$KHS_SRC/hugetlbpage.c" "$1/arch/arm64/mm/hugetlbpage.c"
  cp "$KHS_SRC/flush_hugetlb_tlb_range.h" "$1/arch/arm64/include/asm/hugetlb.h"
  cp "$KHS_SRC/huge_pte_lockptr.h" "$1/include/linux/hugetlb.h"
}

# check NAME STATUS CMD...: runs CMD, expects STATUS; a failure (2) must say
# why in exactly one line.
check() {
  name=$1 want=$2
  shift 2
  "$@" >"$T/out" 2>"$T/err"
  got=$?
  if [ "$got" -ne "$want" ]; then
    echo "FAIL $name: exit $got, expected $want"; cat "$T/out" "$T/err"; fails=$((fails + 1))
  elif [ "$want" -eq 2 ] && [ "$(wc -l <"$T/err")" -ne 1 ]; then
    echo "FAIL $name: expected one error line, got:"; cat "$T/err"; fails=$((fails + 1))
  else
    echo "ok   $name: $(head -n 1 "$T/err" "$T/out" 2>/dev/null | grep -v '^==>' | grep . | head -n 1)"
  fi
}

# expect NAME COND...: a failure line unless the test COND holds.
expect() {
  name=$1
  shift
  "$@" || { echo "FAIL $name"; fails=$((fails + 1)); }
}

make_tree "$T/good" 6 12
check "good tree builds" 0 "$PTEDIFF" kernel --tree "$T/good" -o "$T/lib/"
expect "good tree: version printed" grep -q "Linux 6.12.117" "$T/out"
expect "good tree: both backends built (all is the default)" \
  test -f "$T/lib/libcontpte-6.12.so" -a -f "$T/lib/libhugetlb-6.12.so"
check "built backend runs clean" 0 "$PTEDIFF" run --backend "$T/lib/libcontpte-6.12.so" \
  "$SRC/corpus/set_ptes_fold_4k.repro" "$SRC/corpus/fork_folded_4k.repro"
check "built hugetlb backend runs clean" 0 "$PTEDIFF" run --backend "$T/lib/libhugetlb-6.12.so" \
  "$SRC"/corpus/hugetlb/*.repro
check "--subject contpte" 0 "$PTEDIFF" kernel --subject contpte --tree "$T/good" -o "$T/c/"
expect "--subject contpte: contpte only" \
  test -f "$T/c/libcontpte-6.12.so" -a ! -e "$T/c/libhugetlb-6.12.so"
check "--subject all -o DIR" 0 "$PTEDIFF" kernel --subject all --tree "$T/good" -o "$T/a"/
expect "--subject all: both" test -f "$T/a/libcontpte-6.12.so" -a -f "$T/a/libhugetlb-6.12.so"
check "--subject hugetlb -o FILE" 0 "$PTEDIFF" kernel --subject hugetlb --tree "$T/good" -o "$T/h.so"

# The Debian tarball itself (tar unpacks only the files each script needs):
# its hugetlbpage.c is loadable, runs the corpus clean and shows the missing
# eed6bfa8b282 as kernel/hugetlb/gate_test.sh expects.
check "--subject hugetlb of the tarball" 0 \
  "$PTEDIFF" kernel --subject hugetlb --tree "$TARBALL" -o "$T/tar/"
expect "tarball: hugetlb only" \
  test -f "$T/tar/libhugetlb-6.12.so" -a ! -e "$T/tar/libcontpte-6.12.so"
check "tarball backend runs clean" 0 "$PTEDIFF" run --backend "$T/tar/libhugetlb-6.12.so" \
  "$SRC"/corpus/hugetlb/*.repro
check "tarball backend misses eed6bfa8b282" 1 "$PTEDIFF" run \
  --backend "$T/tar/libhugetlb-6.12.so" "$SRC/kernel/hugetlb/repros/16k_cont-pte_lpa2_mremap.repro"
expect "tarball backend: flush-missing" grep -q ": flush-missing at " "$T/out"
check "mutant build" 0 "$PTEDIFF" kernel --tree "$T/good" --mutant convert-no-flush -o "$T/m.so"
check "mutant caught" 1 "$PTEDIFF" run --backend "$T/m.so" "$SRC/conformance/mutants/convert-no-flush.repro"

check "no --tree" 2 "$PTEDIFF" kernel
check "missing tree" 2 "$PTEDIFF" kernel --tree "$T/nowhere"
check "not a tree" 2 "$PTEDIFF" kernel --tree "$SRC/corpus"
check "garbage tarball" 2 "$PTEDIFF" kernel --tree "$SRC/corpus/zap_64k.repro"
make_tree "$T/old" 6 8
rm "$T/old/arch/arm64/mm/contpte.c"
check "tree without contpte.c" 2 "$PTEDIFF" kernel --tree "$T/old"
# The version is a label, not a gate: any VERSION.PATCHLEVEL of a tree whose
# helpers have shapes the shim knows builds, and names the library.
make_tree "$T/new" 7 99
check "any version label" 0 "$PTEDIFF" kernel --subject contpte --tree "$T/new" -o "$T/new/"
expect "any version label: named by it" test -f "$T/new/libcontpte-7.99.so"

# Capability probes. A block without the batch helpers (wrprotect_ptes,
# clear_full_ptes, get_and_clear_full_ptes, clear_young_dirty_ptes: the
# 6.9 series before "arm64/mm: Implement new wrprotect_ptes() batch API",
# ptep_set_wrprotect() unfolding itself) builds on core-mm's per-entry loops
# (kernel/include/kshim/batch.h) and runs the corpus clean.
make_tree "$T/nobatch" 6 12
PGT=arch/arm64/include/asm/pgtable.h
awk '
  /^#define (wrprotect_ptes|clear_full_ptes|get_and_clear_full_ptes|clear_young_dirty_ptes) / { skip = 1; next }
  skip { if ($0 == "}") skip = 0; next }
  { sub(/^\twrprotect_ptes\(mm, addr, ptep, 1\);$/,
        "\tcontpte_try_unfold(mm, addr, ptep, __ptep_get(ptep));\n\t__ptep_set_wrprotect(mm, addr, ptep);");
    print }' "$T/good/$PGT" >"$T/nobatch/$PGT"
expect "no batch helpers: removed from the block" \
  test "$(grep -c '^#define \(wrprotect_ptes\|clear_full_ptes\|get_and_clear_full_ptes\|clear_young_dirty_ptes\) ' "$T/nobatch/$PGT")" -eq 0 -a \
  "$(grep -c '^#define \(wrprotect_ptes\|clear_full_ptes\|get_and_clear_full_ptes\|clear_young_dirty_ptes\) ' "$T/good/$PGT")" -eq 4
expect "no batch helpers: ptep_set_wrprotect unfolds itself" \
  grep -q '__ptep_set_wrprotect(mm, addr, ptep);' "$T/nobatch/$PGT"
check "no batch helpers: builds on the generic loops" 0 \
  "$PTEDIFF" kernel --subject contpte --tree "$T/nobatch" -o "$T/nobatch.so"
check "no batch helpers: runs the corpus clean" 0 \
  "$PTEDIFF" run --backend "$T/nobatch.so" "$SRC"/corpus/*.repro
# A needed helper with a parameter list the shim does not know: refused, one
# line naming the helper and the file.
make_tree "$T/extraarg" 6 12
TLB=arch/arm64/include/asm/tlbflush.h
sed -i '/^static inline void __flush_tlb_range(struct vm_area_struct \*vma,$/s/vma,$/vma, int extra,/' \
  "$T/extraarg/$TLB"
expect "extra argument: edited" grep -q '__flush_tlb_range(struct vm_area_struct \*vma, int extra,' \
  "$T/extraarg/$TLB"
check "extra argument of __flush_tlb_range" 2 "$PTEDIFF" kernel --tree "$T/extraarg" -o "$T/extraarg/"
expect "extra argument: names the helper and the file" \
  grep -q "$TLB: __flush_tlb_range(struct vm_area_struct\*,int,.*): a parameter list the shim does not know" "$T/err"
expect "extra argument: nothing built" test ! -e "$T/extraarg/libcontpte-6.12.so"
make_tree "$T/badbatch" 6 12
sed -i 's/^static __always_inline void wrprotect_ptes(struct mm_struct \*mm,$/&\n\t\t\t\tbool extra,/' \
  "$T/badbatch/$PGT"
check "unknown shape of a batch helper" 2 "$PTEDIFF" kernel --subject contpte --tree "$T/badbatch"
expect "unknown shape of a batch helper: names it" grep -q "$PGT: wrprotect_ptes(" "$T/err"
make_tree "$T/nolockless" 6 12
sed -i 's/ptep_get_lockless(pte_t \*ptep)/ptep_get_unlocked(pte_t *ptep)/' "$T/nolockless/$PGT"
check "a needed wrapper missing" 2 "$PTEDIFF" kernel --subject contpte --tree "$T/nolockless"
expect "a needed wrapper missing: names it" grep -q "block lacks ptep_get_lockless()" "$T/err"
make_tree "$T/notlb" 6 12
rm "$T/notlb/$TLB"
check "tree without asm/tlbflush.h" 2 "$PTEDIFF" kernel --tree "$T/notlb"
make_tree "$T/nomarker" 6 12
sed -i 's/^#ifdef CONFIG_ARM64_CONTPTE/#if 1/' "$T/nomarker/arch/arm64/include/asm/pgtable.h"
check "missing marker" 2 "$PTEDIFF" kernel --tree "$T/nomarker"
make_tree "$T/unclosed" 6 12
sed -i '/^#else \/\* CONFIG_ARM64_CONTPTE/,$d' "$T/unclosed/arch/arm64/include/asm/pgtable.h"
check "unclosed block" 2 "$PTEDIFF" kernel --tree "$T/unclosed"
make_tree "$T/broken" 6 12
echo 'this is not C;' >>"$T/broken/arch/arm64/mm/contpte.c"
check "compile error" 2 "$PTEDIFF" kernel --subject contpte --tree "$T/broken" -o "$T/broken.so"
expect "compile error: says so" grep -q "compiling Linux 6.12.117 contpte.c failed" "$T/err"
make_tree "$T/hbroken" 6 12
echo 'this is not C;' >>"$T/hbroken/arch/arm64/mm/hugetlbpage.c"
check "hugetlb compile error" 2 "$PTEDIFF" kernel --tree "$T/hbroken" -o "$T/hbroken/"
expect "hugetlb compile error: says so" grep -q "hugetlbpage.c failed" "$T/err"
make_tree "$T/nohuge" 6 12
rm "$T/nohuge/arch/arm64/mm/hugetlbpage.c"
check "tree without hugetlbpage.c" 2 "$PTEDIFF" kernel --subject hugetlb --tree "$T/nohuge"
check "tree without hugetlbpage.c, all" 2 "$PTEDIFF" kernel --tree "$T/nohuge" -o "$T/nohuge/"
expect "nothing built before a failed extraction" test ! -e "$T/nohuge/libcontpte-6.12.so"
check "unknown kernel mutant" 2 "$PTEDIFF" kernel --tree "$T/good" --mutant no-such-edit
check "bad --subject" 2 "$PTEDIFF" kernel --tree "$T/good" --subject linearmap -o "$T/bad/"
expect "bad --subject: names the choices" grep -q "contpte, linear-map, hugetlb or all" "$T/err"
expect "bad --subject: nothing built" test ! -e "$T/bad"
check "-o FILE for two backends" 2 "$PTEDIFF" kernel --tree "$T/good" -o "$T/two.so"
check "--mutant with --subject hugetlb" 2 \
  "$PTEDIFF" kernel --tree "$T/good" --subject hugetlb --mutant convert-no-flush

[ "$fails" -eq 0 ] && echo "kernel cli: all checks passed"
[ "$fails" -eq 0 ]
