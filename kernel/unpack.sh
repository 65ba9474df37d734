#!/bin/sh
# ptediff kernel shim: unpacks from a Linux source tarball the part of the
# tree every extraction script (extract.sh, hugetlb/extract.sh, probe.sh)
# reads, so that a tool building several backends of one tarball decompresses
# it once (`ptediff gate`).
#
#   kernel/unpack.sh TARBALL OUTDIR
#
# Writes the top-level Makefile, arch/arm64/mm/, arch/arm64/include/asm/ and
# include/linux/hugetlb.h under OUTDIR/<the tarball's top folder>/ and prints
# that folder. A member a tree lacks is left out (the extraction script then
# says what is missing); an unreadable tarball is one line on stderr, exit 2.
set -u
. "$(dirname "$0")/common.sh"

need_args 2 $# "unpack.sh TARBALL OUTDIR"
TARBALL=$1
OUT=$2
[ -f "$TARBALL" ] || fail "$TARBALL: no such tarball"
top=$(tar -tf "$TARBALL" 2>/dev/null | head -n 1 | cut -d/ -f1)
[ -n "$top" ] || fail "$TARBALL: not a readable tarball"
mkdir -p "$OUT" || fail "cannot create $OUT"
tar -xf "$TARBALL" -C "$OUT" --wildcards --no-wildcards-match-slash "$top/Makefile" \
  "$top/arch/arm64/mm/*" "$top/arch/arm64/include/asm/*" "$top/include/linux/hugetlb.h" \
  2>/dev/null
[ -f "$OUT/$top/Makefile" ] || fail "$TARBALL: not a Linux source tree (no top-level Makefile)"
echo "$OUT/$top"
