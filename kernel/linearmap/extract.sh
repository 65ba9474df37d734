#!/bin/sh
# ptediff kernel linear-map shim: extracts the kernel code the linear-map
# shim compiles, verbatim.
#
#   kernel/linearmap/extract.sh TREE OUTDIR
#
# TREE is a Linux source tree (a directory) or a tarball of one. Writes into
# OUTDIR:
#   mmu_split.c   one block of arch/arm64/mm/mmu.c: from the line that
#                 starts pgattr_change_is_safe() through the closing `}` of
#                 linear_map_split_to_ptes() (the table allocators, the
#                 mapping code __create_pgd_mapping() runs, split_pmd() ...
#                 split_kernel_leaf_mapping(), force_pte_mapping(), the
#                 split_to_ptes walk and range_split_to_ptes())
#   pageattr.c    arch/arm64/mm/pageattr.c, byte for byte
#   pagewalk.c    of mm/pagewalk.c: real_depth() through walk_pgd_range(),
#                 check_ops_safe() and walk_kernel_page_table_range_lockless()
#                 (each from its first line to the first `}` line after it)
#   kshim_caps.h  the flush helpers' and the entry helpers' parameter lists
#                 (kernel/probe.sh), as extract.sh writes them
#   VERSION, FULLVERSION
# Every line is a line of the tree, unchanged (GPL-2.0 code: the build folder
# only). A tree without the BBML2 split code (split_kernel_leaf_mapping(),
# upstream a166563e7ec3 "arm64: mm: support large block mapping when
# rodata=full") is refused with one line.
# Errors: one line on stderr, exit status 2.
set -u

. "$(dirname "$0")/../common.sh"
. "$(dirname "$0")/../probe.sh"

need_args 2 $# "linearmap/extract.sh TREE OUTDIR"
MMU=arch/arm64/mm/mmu.c
PAGEATTR=arch/arm64/mm/pageattr.c
PAGEWALK=mm/pagewalk.c
PGTABLE=arch/arm64/include/asm/pgtable.h
TLBFLUSH=arch/arm64/include/asm/tlbflush.h
start_extract "$2"
open_tree "$1" "$MMU" "$PAGEATTR" "$PAGEWALK" "$PGTABLE" "$TLBFLUSH"
TREE=$1
# A tree without one of the three files has none of the code either (the
# same words: ptediff kernel and the gate leave such a tree's linear map out).
for f in "$MMU" "$PAGEATTR" "$PAGEWALK"; do
  [ -f "$SRC/$f" ] || fail "$TREE (Linux $version): no $MMU split code (no $f)"
done
for f in "$PGTABLE" "$TLBFLUSH"; do
  [ -f "$SRC/$f" ] || fail "$TREE (Linux $version): no $f"
done
grep -q '^int split_kernel_leaf_mapping(' "$SRC/$MMU" ||
  fail "$TREE (Linux $version): no $MMU split code (split_kernel_leaf_mapping(), upstream" \
    "a166563e7ec3 \"arm64: mm: support large block mapping when rodata=full\")"

# cut FILE FIRST_REGEX LAST_REGEX OUT: from the first line matching
# FIRST_REGEX to the first line that is exactly "}" at or after the first
# line matching LAST_REGEX (which comes after it).
cut() {
  awk -v first="$2" -v last="$3" '
    !done && !on && $0 ~ first { on = 1 }
    on && !closing && $0 ~ last { closing = 1 }
    on { print }
    on && closing && $0 == "}" { on = 0; done = 1 }
    END { exit done ? 0 : 1 }' "$1" >>"$4"
}
: >"$WORK/mmu_split.c"
cut "$SRC/$MMU" '^bool pgattr_change_is_safe\(' '^static int __init linear_map_split_to_ptes\(' \
  "$WORK/mmu_split.c" ||
  fail "$MMU: no pgattr_change_is_safe() ... linear_map_split_to_ptes() block"
: >"$WORK/pagewalk.c"
cut "$SRC/$PAGEWALK" '^static int real_depth\(' '^static int walk_pgd_range\(' \
  "$WORK/pagewalk.c" || fail "$PAGEWALK: no real_depth() ... walk_pgd_range() block"
for fn in '^static bool check_ops_safe\(' '^int walk_kernel_page_table_range_lockless\('; do
  cut "$SRC/$PAGEWALK" "$fn" "$fn" "$WORK/pagewalk.c" || fail "$PAGEWALK: no $fn"
done
cp "$SRC/$PAGEATTR" "$WORK/pageattr.c" || fail "cannot copy $PAGEATTR"
start_caps linearmap/extract.sh
probe_flushes
end_caps
publish mmu_split.c pageattr.c pagewalk.c kshim_caps.h
