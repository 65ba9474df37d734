#!/bin/sh
# ptediff kernel callers: extract.sh, compile.sh and the run option
# PTEDIFF_KERNEL_CALLERS end to end. Trees are made from the build's cut
# files (the cuts stand for mm/memory.c and mm/internal.h, the contpte
# wrappers for asm/pgtable.h) and the tarball's asm/tlbflush.h: a whole tree
# runs fork and zap with its own code; a tree without zap_present_ptes says
# so in its caps file and zap keeps the model; bad trees, libraries and
# arguments fail with one error line and exit status 2; a mutant library
# makes `ptediff run` report the divergence.
#
#   kernel/callers/cli_test.sh PTEDIFF KERNEL_OUT TARBALL
set -u
PTEDIFF=$1
KOUT=$2
TARBALL=$3
CDIR=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$CDIR/../.." && pwd)
CUT=$KOUT/callers-src-6.12
. "$SRC/kernel/common.sh"
start_extract "$(mktemp -d)"
T=$WORK
trap 'rm -rf "$OUT"' EXIT
fails=0

# The tarball's asm/tlbflush.h, which the arch probes read (kernel/probe.sh).
open_tree "$TARBALL" arch/arm64/include/asm/tlbflush.h
TLBFLUSH=$SRC/arch/arm64/include/asm/tlbflush.h
SRC=$(cd "$CDIR/../.." && pwd)

# tree DIR: a Linux 6.12 tree holding what the callers' extraction reads.
tree() {
  mkdir -p "$1/mm" "$1/arch/arm64/mm" "$1/arch/arm64/include/asm"
  printf 'VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 117\n' >"$1/Makefile"
  cp "$CUT/memory_cut.h" "$1/mm/memory.c"
  cp "$CUT/internal_cut.h" "$1/mm/internal.h"
  cp "$TLBFLUSH" "$1/arch/arm64/include/asm/tlbflush.h"
  cp "$CUT/contpte.c" "$1/arch/arm64/mm/contpte.c"
  { echo '#ifdef CONFIG_ARM64_CONTPTE'; cat "$CUT/contpte_wrappers.h"; echo '#endif'; } \
    >"$1/arch/arm64/include/asm/pgtable.h"
}
# drop FILE NAME: FILE without the definition of function NAME.
drop() {
  awk -v name="$2" '$0 ~ ("^" name "\\(") || $0 ~ (" " name "\\(") && /^[a-z]/ { skip = 1 }
    !skip { print } skip && /^}/ { skip = 0 }' "$1" >"$1.new" && mv "$1.new" "$1"
}

# run NAME STATUS CMD...: CMD must exit with STATUS; status 2 with exactly one
# line on stderr.
run() {
  name=$1 want=$2
  shift 2
  "$@" >"$T/out" 2>"$T/err"
  got=$? why=""
  [ "$got" -eq "$want" ] || why="exit $got, expected $want"
  [ -n "$why" ] || [ "$want" -ne 2 ] || [ "$(wc -l <"$T/err")" -eq 1 ] ||
    why="expected one error line"
  [ -z "$why" ] && echo "ok   $name" && return
  echo "FAIL $name: $why"
  cat "$T/out" "$T/err"
  fails=$((fails + 1))
}
# has NAME FILE PATTERN: FILE must contain PATTERN.
has() {
  grep -q -- "$3" "$2" || { echo "FAIL $1: no '$3' in $2"; fails=$((fails + 1)); }
}

tree "$T/whole"
run "whole tree cut" 0 "$CDIR/extract.sh" "$T/whole" "$T/cut-whole"
has "whole tree: fork runs the tree's code" "$T/cut-whole/callers_caps.h" "KC_FLOW_FORK 1"
has "whole tree: zap runs the tree's code" "$T/cut-whole/callers_caps.h" "KC_FLOW_ZAP 1"
run "whole tree compiles" 0 "$SRC/kernel/compile.sh" callers "$T/cut-whole" "$T/libwhole.so"
PTEDIFF_KERNEL_CALLERS=$T/libwhole.so run "whole tree's callers run clean" 0 \
  "$PTEDIFF" run "$SRC/corpus/fork_zap_adjacent_folios_4k.repro" "$SRC/corpus/zap_64k.repro"

tree "$T/nozap"
drop "$T/nozap/mm/memory.c" zap_present_ptes
run "tree without zap_present_ptes cut" 0 "$CDIR/extract.sh" "$T/nozap" "$T/cut-nozap"
has "no zap_present_ptes: said" "$T/cut-nozap/callers_caps.h" "KC_HAVE_ZAP_PRESENT_PTES 0"
has "no zap_present_ptes: zap keeps the model" "$T/cut-nozap/callers_caps.h" "KC_FLOW_ZAP 0"
has "no zap_present_ptes: fork still the tree's" "$T/cut-nozap/callers_caps.h" "KC_FLOW_FORK 1"
run "tree without zap_present_ptes compiles" 0 \
  "$SRC/kernel/compile.sh" callers "$T/cut-nozap" "$T/libnozap.so"
PTEDIFF_KERNEL_CALLERS=$T/libnozap.so run "fork only: runs clean" 0 \
  "$PTEDIFF" run "$SRC/corpus/fork_zap_adjacent_folios_4k.repro"

drop "$T/nozap/mm/memory.c" copy_present_ptes
run "tree without either flow refused" 2 "$CDIR/extract.sh" "$T/nozap" "$T/cut-none"
has "no flow: why" "$T/err" "neither copy_present_ptes nor zap_present_ptes"
rm "$T/whole/mm/internal.h"
run "tree without mm/internal.h refused" 2 "$CDIR/extract.sh" "$T/whole" "$T/cut-x"
has "no internal.h: why" "$T/err" "no mm/internal.h"
run "not a tree refused" 2 "$CDIR/extract.sh" "$T/nothing" "$T/cut-y"
run "usage" 2 "$CDIR/extract.sh" "$T/whole"
run "compile.sh: not cut code refused" 2 "$SRC/kernel/compile.sh" callers "$T" "$T/x.so"

PTEDIFF_KERNEL_CALLERS=$KOUT/libcallers-6.12-no-batch-clamp.so run "mutant reported" 1 \
  "$PTEDIFF" run "$SRC/corpus/fork_zap_adjacent_folios_4k.repro"
has "mutant: the rmap check fired" "$T/out" "kernel warning"
PTEDIFF_KERNEL_CALLERS=$T/missing.so run "missing library refused" 2 \
  "$PTEDIFF" run "$SRC/corpus/zap_64k.repro"
has "missing library: named" "$T/err" "PTEDIFF_KERNEL_CALLERS=$T/missing.so: cannot load"
PTEDIFF_KERNEL_CALLERS=$KOUT/libcontpte-6.12.so run "backend library refused" 2 \
  "$PTEDIFF" run "$SRC/corpus/zap_64k.repro"
has "backend library: why" "$T/err" "not a callers library"

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all passed"
