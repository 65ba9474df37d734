#!/bin/sh
# ptediff kernel gate: `ptediff kernel --tree` end to end on small trees made
# from the build's extracted files: a good tree builds a backend that runs
# clean (and its mutant build is caught); every bad tree fails with exactly
# one error line and exit status 2.
#
#   kernel/cli_test.sh PTEDIFF EXTRACTED_DIR
set -u
PTEDIFF=$1
KSRC=$2
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0

# make_tree DIR VERSION PATCHLEVEL: a minimal tree around the extracted files.
make_tree() {
  mkdir -p "$1/arch/arm64/mm" "$1/arch/arm64/include/asm"
  printf 'VERSION = %s\nPATCHLEVEL = %s\nSUBLEVEL = 117\n' "$2" "$3" >"$1/Makefile"
  cp "$KSRC/contpte.c" "$1/arch/arm64/mm/contpte.c"
  { echo '#ifdef CONFIG_ARM64_CONTPTE'; cat "$KSRC/contpte_wrappers.h"
    echo '#else /* CONFIG_ARM64_CONTPTE */'; echo '#endif'; } >"$1/arch/arm64/include/asm/pgtable.h"
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

make_tree "$T/good" 6 12
check "good tree builds" 0 "$PTEDIFF" kernel --tree "$T/good" -o "$T/lib/"
grep -q "Linux 6.12.117" "$T/out" || { echo "FAIL good tree: version not printed"; fails=$((fails + 1)); }
check "built backend runs clean" 0 "$PTEDIFF" run --backend "$T/lib/libcontpte-6.12.so" \
  "$SRC/corpus/set_ptes_fold_4k.repro" "$SRC/corpus/fork_folded_4k.repro"
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
  check "version $v accepted" 0 "$PTEDIFF" kernel --tree "$T/v$v" -o "$T/v$v.so"
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
check "compile error" 2 "$PTEDIFF" kernel --tree "$T/broken" -o "$T/broken.so"
check "unknown kernel mutant" 2 "$PTEDIFF" kernel --tree "$T/good" --mutant no-such-edit

[ "$fails" -eq 0 ] && echo "kernel cli: all checks passed"
[ "$fails" -eq 0 ]
