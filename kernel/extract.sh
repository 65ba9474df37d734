#!/bin/sh
# ptediff kernel shim: extracts the kernel code the shim compiles, verbatim.
#
#   kernel/extract.sh TREE OUTDIR
#
# TREE is a Linux source tree (a directory) or a tarball of one (e.g. the
# Debian /usr/src/linux-source-6.12.tar.xz; only the three files below are
# unpacked). Writes into OUTDIR:
#   contpte.c           arch/arm64/mm/contpte.c, byte for byte
#   contpte_wrappers.h  the lines strictly inside `#ifdef CONFIG_ARM64_CONTPTE`
#                       of arch/arm64/include/asm/pgtable.h, up to its matching
#                       #else or #endif (nested #if blocks are skipped over)
#   kshim_caps.h        what the tree's arm64 code defines and with which
#                       parameter lists (kernel/probe.sh): the flush helpers of
#                       asm/tlbflush.h, the entry helpers of any size of
#                       asm/pgtable.h, the block's batch helpers
#   VERSION             "6.12" (VERSION.PATCHLEVEL of the tree's Makefile: a
#                       label for names, never a gate)
#   FULLVERSION         "6.12.117"
# A tree is refused only when a helper the shim needs is missing or has a
# parameter list the shim does not know.
# The files are GPL-2.0 kernel code: they live in the build folder only.
# Errors: one line on stderr, exit status 2.
set -u

. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/probe.sh"

need_args 2 $# "extract.sh TREE OUTDIR"
CONTPTE=arch/arm64/mm/contpte.c
PGTABLE=arch/arm64/include/asm/pgtable.h
TLBFLUSH=arch/arm64/include/asm/tlbflush.h
start_extract "$2"
open_tree "$1" "$CONTPTE" "$PGTABLE" "$TLBFLUSH"
TREE=$1
[ -f "$SRC/$CONTPTE" ] || fail "$TREE (Linux $version): no $CONTPTE (contpte arrived in 6.9)"
for f in "$PGTABLE" "$TLBFLUSH"; do
  [ -f "$SRC/$f" ] || fail "$TREE (Linux $version): no $f"
done

starts=$(grep -c '^#ifdef[[:space:]]\{1,\}CONFIG_ARM64_CONTPTE\([[:space:]]\|$\)' "$SRC/$PGTABLE")
[ "$starts" -eq 1 ] || fail "$PGTABLE: expected one '#ifdef CONFIG_ARM64_CONTPTE', found $starts"
awk '
  !inblk && !done && /^#ifdef[ \t]+CONFIG_ARM64_CONTPTE([ \t]|$)/ { inblk = 1; next }
  inblk {
    if ($0 ~ /^[ \t]*#[ \t]*if/) depth++
    else if ($0 ~ /^[ \t]*#[ \t]*endif/) { if (depth == 0) { inblk = 0; done = 1; next } depth-- }
    else if ($0 ~ /^[ \t]*#[ \t]*(else|elif)/ && depth == 0) { inblk = 0; done = 1; next }
    print
  }
  END { exit done ? 0 : 1 }' "$SRC/$PGTABLE" >"$WORK/contpte_wrappers.h" ||
  fail "$PGTABLE: the CONFIG_ARM64_CONTPTE block has no matching #else/#endif"
grep -q 'contpte_set_ptes(' "$WORK/contpte_wrappers.h" ||
  fail "$PGTABLE: the CONFIG_ARM64_CONTPTE block lacks contpte_set_ptes()"

start_caps extract.sh
probe_flushes
probe_wrappers "$WORK/contpte_wrappers.h"
end_caps

cp "$SRC/$CONTPTE" "$WORK/contpte.c" || fail "cannot copy $CONTPTE"
publish contpte.c contpte_wrappers.h kshim_caps.h
