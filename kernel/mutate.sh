#!/bin/sh
# ptediff kernel shim: applies one mutant of kernel/mutants.tsv to a copy of
# extracted kernel code.
#
#   kernel/mutate.sh SRCDIR OUTDIR NAME
#
# SRCDIR holds what kernel/extract.sh wrote; OUTDIR receives the same files
# with every row of NAME applied. A row whose expression changes nothing (the
# kernel text moved on) fails the build: one line on stderr, exit status 2.
set -u
. "$(dirname "$0")/common.sh"

need_args 3 $# "mutate.sh SRCDIR OUTDIR NAME"
SRC=$1
OUT=$2
NAME=$3
TABLE=$(dirname "$0")/mutants.tsv
TAB=$(printf '\t')

mkdir -p "$OUT" || fail "cannot create $OUT"
for f in $KSHIM_FILES; do
  cp "$SRC/$f" "$OUT/$f.tmp" || fail "$SRC/$f: missing (run kernel/extract.sh first)"
done
rows=0
while IFS="$TAB" read -r name file class expr what; do
  [ "$name" = "$NAME" ] || continue
  rows=$((rows + 1))
  [ -f "$OUT/$file.tmp" ] || fail "mutant $NAME: unknown file '$file'"
  sed -E -e "$expr" "$OUT/$file.tmp" >"$OUT/$file.new" || fail "mutant $NAME: bad sed expression"
  if cmp -s "$OUT/$file.tmp" "$OUT/$file.new"; then
    fail "mutant $NAME: edit $rows did not apply to $file (pattern not found): $what"
  fi
  mv -f "$OUT/$file.new" "$OUT/$file.tmp"
done <<ROWS
$(grep -v '^#' "$TABLE")
ROWS
[ "$rows" -gt 0 ] || fail "unknown mutant '$NAME' (see kernel/mutants.tsv)"
for f in $KSHIM_FILES; do mv -f "$OUT/$f.tmp" "$OUT/$f"; done
