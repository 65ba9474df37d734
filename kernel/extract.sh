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
#   VERSION             "6.12" (VERSION.PATCHLEVEL of the tree's Makefile; it
#                       must be listed in kernel/versions.txt)
#   FULLVERSION         "6.12.117"
# The files are GPL-2.0 kernel code: they live in the build folder only.
# Errors: one line on stderr, exit status 2.
set -u

. "$(dirname "$0")/common.sh"
# The supported versions: first column of versions.txt (comments skipped).
SUPPORTED=$(awk '!/^#/ && NF { printf "%s ", $1 }' "$(dirname "$0")/versions.txt")
[ -n "$SUPPORTED" ] || fail "kernel/versions.txt: no supported version listed"
RANGE="${SUPPORTED%% *}-$(echo "$SUPPORTED" | awk '{ print $NF }')"

need_args 2 $# "extract.sh TREE OUTDIR"
CONTPTE=arch/arm64/mm/contpte.c
PGTABLE=arch/arm64/include/asm/pgtable.h
start_extract "$2"
open_tree "$1" "$CONTPTE" "$PGTABLE"
TREE=$1
[ -f "$SRC/$CONTPTE" ] || fail "$TREE (Linux $version): no $CONTPTE (contpte arrived in 6.9)"
[ -f "$SRC/$PGTABLE" ] || fail "$TREE (Linux $version): no $PGTABLE"
case " $SUPPORTED " in
  *" $version "*) ;;
  *) fail "$TREE is Linux $version: unsupported (supported: $RANGE, see kernel/versions.txt)" ;;
esac

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
for sym in 'contpte_set_ptes(' 'ptep_get(pte_t \*ptep)' 'set_ptes(struct mm_struct'; do
  grep -q "$sym" "$WORK/contpte_wrappers.h" ||
    fail "$PGTABLE: the CONFIG_ARM64_CONTPTE block lacks $sym"
done

cp "$SRC/$CONTPTE" "$WORK/contpte.c" || fail "cannot copy $CONTPTE"
publish contpte.c contpte_wrappers.h
