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

# make_tree DIR VERSION PATCHLEVEL: a minimal tree around the extracted files
# (the cut hugetlb helpers stand for the headers they were cut from).
make_tree() {
  mkdir -p "$1/arch/arm64/mm" "$1/arch/arm64/include/asm" "$1/include/linux"
  printf 'VERSION = %s\nPATCHLEVEL = %s\nSUBLEVEL = 117\n' "$2" "$3" >"$1/Makefile"
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
# Every version of kernel/versions.txt passes the version gate and compiles
# with its KVER_MAJOR/KVER_MINOR (the code is the build's 6.12 text: trees of
# other versions cannot be shipped; README lists how they were verified).
for v in $(awk '!/^#/ && NF { print $1 }' "$SRC/kernel/versions.txt"); do
  make_tree "$T/v$v" "${v%.*}" "${v#*.}"
  check "version $v accepted" 0 "$PTEDIFF" kernel --subject contpte --tree "$T/v$v" -o "$T/v$v.so"
done
make_tree "$T/new" 7 99
check "unsupported version" 2 "$PTEDIFF" kernel --tree "$T/new"
grep -q "supported: 6.9-" "$T/err" || { echo "FAIL unsupported version: no range"; fails=$((fails + 1)); }
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
expect "bad --subject: names the choices" grep -q "contpte, hugetlb or all" "$T/err"
expect "bad --subject: nothing built" test ! -e "$T/bad"
check "-o FILE for two backends" 2 "$PTEDIFF" kernel --tree "$T/good" -o "$T/two.so"
check "--mutant with --subject hugetlb" 2 \
  "$PTEDIFF" kernel --tree "$T/good" --subject hugetlb --mutant convert-no-flush

[ "$fails" -eq 0 ] && echo "kernel cli: all checks passed"
[ "$fails" -eq 0 ]
