#!/bin/sh
# ptediff kernel shim: applies one source-level mutant to a copy of extracted
# kernel code.
#
#   kernel/mutate.sh SRCDIR OUTDIR NAME [TABLE]
#
# SRCDIR holds what an extraction script wrote (kernel/extract.sh,
# kernel/hugetlb/extract.sh); OUTDIR receives the same files with every row
# of NAME in TABLE (default kernel/mutants.tsv, contpte.c's; hugetlbpage.c's
# is kernel/hugetlb/mutants.tsv) applied. A row whose expression changes
# nothing (the kernel text moved on) fails: one line on stderr, exit status 2.
set -u
. "$(dirname "$0")/common.sh"

[ $# -eq 3 ] || [ $# -eq 4 ] || fail "usage: mutate.sh SRCDIR OUTDIR NAME [TABLE]"
SRC=$1
OUT=$2
NAME=$3
TABLE=${4:-$(dirname "$0")/mutants.tsv}
TAB=$(printf '\t')

[ -f "$TABLE" ] || fail "$TABLE: no such mutant table"
[ -f "$SRC/FULLVERSION" ] || fail "$SRC: not extracted kernel code (run kernel/extract.sh first)"
mkdir -p "$OUT" || fail "cannot create $OUT"
FILES=$(cd "$SRC" && for f in *; do [ -f "$f" ] && printf '%s ' "$f"; done)
for f in $FILES; do
  cp "$SRC/$f" "$OUT/$f.tmp" || fail "cannot copy $SRC/$f"
done
rows=0
while IFS="$TAB" read -r name file class expr what; do
  [ "$name" = "$NAME" ] || continue
  rows=$((rows + 1))
  [ -f "$OUT/$file.tmp" ] || fail "$NAME: unknown file '$file'"
  sed -E -e "$expr" "$OUT/$file.tmp" >"$OUT/$file.new" || fail "$NAME: bad sed expression"
  if cmp -s "$OUT/$file.tmp" "$OUT/$file.new"; then
    fail "$NAME: edit $rows did not apply to $file (pattern not found): $what"
  fi
  mv -f "$OUT/$file.new" "$OUT/$file.tmp"
done <<ROWS
$(grep -v '^#' "$TABLE")
ROWS
[ "$rows" -gt 0 ] || fail "unknown edit '$NAME' (see $TABLE)"
for f in $FILES; do mv -f "$OUT/$f.tmp" "$OUT/$f"; done
