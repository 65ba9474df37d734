#!/bin/sh
# ptediff kernel linear-map shim: `ptediff kernel --subject linear-map`
# builds the tree's BBML2 linear-map code into a v3 backend that runs the
# shipped linear-map programs; a tree without that code is refused with one
# line, exit status 2.
#
#   kernel/linearmap/cli_test.sh PTEDIFF SRC OLD_TARBALL NEW_TARBALL
#
# OLD_TARBALL lacks the code (6.12), NEW_TARBALL has it (7.3); without
# NEW_TARBALL the test reports a skip (77). One program diverges, for a
# reason of the model (docs/DESIGN.md §9.7): enomem_each_depth_4k.repro, a
# split failing with -ENOMEM at the PTE level leaves the kernel's PUD split
# into PMDs (split_kernel_leaf_mapping_locked() does not roll back), where
# the reference has the split change nothing; it must show exactly that.
set -u
PTEDIFF=$1 SRC=$2 OLD=$3 NEW=$4
[ -f "$NEW" ] || { echo "skip: no $NEW"; exit 77; }
T=$(mktemp -d) || exit 2
trap 'rm -rf "$T"' EXIT
fails=0
bad() {
  echo "FAIL: $*"
  sed 's/^/    /' "$T/out"
  fails=$((fails + 1))
}

if [ -f "$OLD" ]; then
  "$PTEDIFF" kernel --subject linear-map --tree "$OLD" -o "$T/" >"$T/out" 2>&1
  rc=$?
  [ $rc = 2 ] && [ "$(wc -l <"$T/out")" = 1 ] && grep -q 'no arch/arm64/mm/mmu.c split code' "$T/out" ||
    bad "a tree without the split code: expected one line and status 2 (got $rc)"
fi
"$PTEDIFF" kernel --subject linear-map --tree "$NEW" -o "$T/" >"$T/out" 2>&1 ||
  bad "building the linear-map backend of $NEW"
LIB=$(ls "$T"/liblinearmap-*.so 2>/dev/null | head -n 1)
if [ -n "$LIB" ]; then
  for f in "$SRC"/corpus/linearmap/*.repro; do
    "$PTEDIFF" run --backend "$LIB" "$f" >"$T/out" 2>&1
    rc=$?
    if [ "${f##*/}" = enomem_each_depth_4k.repro ]; then
      [ $rc = 1 ] && grep -q 'op 4 `split va=0x201000`: pte-state at 0x0: leaf set is not the minimal one: expected 1G pud' "$T/out" ||
        bad "$f: expected the partial split of op 4 (status $rc)"
    elif [ $rc -ne 0 ] || ! tail -n 1 "$T/out" | grep -q ': ok, .* divergences 0,'; then
      bad "$f: expected clean on the kernel's code (status $rc)"
    fi
  done
fi
# The knobs reach the kernel's code: with debug_pagealloc the linear map is
# pages only, which a BBML2 program's reference does not expect; an unknown
# knob is refused.
if [ -n "$LIB" ]; then
  SEED=$SRC/corpus/linearmap/seed_split_example_4k.repro
  PTEDIFF_BACKEND_OPTIONS=debug_pagealloc=1 "$PTEDIFF" run --backend "$LIB" "$SEED" >"$T/out" 2>&1
  rc=$?
  [ $rc = 1 ] && grep -q 'expected 2M pmd @0x0' "$T/out" || bad "debug_pagealloc=1: expected pages (status $rc)"
  PTEDIFF_BACKEND_OPTIONS=frob=1 "$PTEDIFF" run --backend "$LIB" "$SEED" >"$T/out" 2>&1
  rc=$?
  [ $rc = 2 ] && grep -q "unsupported option 'frob=1'" "$T/out" || bad "frob=1: expected a refusal (status $rc)"
fi
[ $fails = 0 ] && echo "ok: the kernel's linear-map code runs every shipped program clean" && exit 0
exit 1
