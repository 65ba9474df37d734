#!/bin/sh
# ptediff kernel hugetlb shim: extracts the kernel code the hugetlb shim
# compiles, verbatim.
#
#   kernel/hugetlb/extract.sh TREE OUTDIR
#
# TREE is a Linux source tree (a directory) or a tarball of one (e.g. the
# Debian /usr/src/linux-source-6.12.tar.xz; only the files below are
# unpacked). Writes into OUTDIR:
#   hugetlbpage.c               arch/arm64/mm/hugetlbpage.c, byte for byte
#   flush_hugetlb_tlb_range.h   the definition of flush_hugetlb_tlb_range()
#                               of arch/arm64/include/asm/hugetlb.h: its
#                               `static inline void flush_hugetlb_tlb_range(`
#                               line through the first `}` line after it;
#                               when it calls __flush_hugetlb_tlb_range()
#                               ("arm64: hugetlb: Refine tlb maintenance
#                               scope"), that function's definition, cut the
#                               same way, comes first
#   huge_pte_lockptr.h          the first definition of huge_pte_lockptr() of
#                               include/linux/hugetlb.h (the CONFIG_HUGETLB_PAGE
#                               one), cut the same way
#   kshim_caps.h                the flush helpers' and the entry helpers'
#                               parameter lists (kernel/probe.sh), as
#                               extract.sh writes them
#   VERSION, FULLVERSION        "6.12", "6.12.117" (labels, never a gate)
# Every line of the three files is a line of the tree, unchanged. They are
# GPL-2.0 kernel code: they live in the build folder only.
# Errors: one line on stderr, exit status 2.
set -u

. "$(dirname "$0")/../common.sh"
. "$(dirname "$0")/../probe.sh"

need_args 2 $# "hugetlb/extract.sh TREE OUTDIR"
HUGETLBPAGE=arch/arm64/mm/hugetlbpage.c
ASM_HUGETLB=arch/arm64/include/asm/hugetlb.h
LINUX_HUGETLB=include/linux/hugetlb.h
PGTABLE=arch/arm64/include/asm/pgtable.h
TLBFLUSH=arch/arm64/include/asm/tlbflush.h
start_extract "$2"
open_tree "$1" "$HUGETLBPAGE" "$ASM_HUGETLB" "$LINUX_HUGETLB" "$PGTABLE" "$TLBFLUSH"
TREE=$1
for f in "$HUGETLBPAGE" "$ASM_HUGETLB" "$LINUX_HUGETLB" "$PGTABLE" "$TLBFLUSH"; do
  [ -f "$SRC/$f" ] || fail "$TREE (Linux $version): no $f"
done

# cut_fn FILE START_REGEX OUT: from the first line matching START_REGEX to
# the first line that is exactly "}" after it.
cut_fn() {
  awk -v re="$2" '
    !done && !in_fn && $0 ~ re { in_fn = 1 }
    in_fn { print; if ($0 == "}") { in_fn = 0; done = 1 } }
    END { exit done ? 0 : 1 }' "$1" >"$3"
}
cut_fn "$SRC/$ASM_HUGETLB" '^static inline void flush_hugetlb_tlb_range\(' \
  "$WORK/flush_hugetlb_tlb_range.h" ||
  fail "$ASM_HUGETLB: no complete flush_hugetlb_tlb_range() definition"
cut_fn "$SRC/$LINUX_HUGETLB" '^static inline spinlock_t \*huge_pte_lockptr\(' \
  "$WORK/huge_pte_lockptr.h" ||
  fail "$LINUX_HUGETLB: no complete huge_pte_lockptr() definition"
# The CONFIG_HUGETLB_PAGE huge_pte_lockptr() derives the lock from the size
# (not the !HUGETLB_PAGE stub returning &mm->page_table_lock).
grep -q 'huge_page_size(h)' "$WORK/huge_pte_lockptr.h" ||
  fail "$LINUX_HUGETLB: the first huge_pte_lockptr() does not use huge_page_size(h)"

start_caps hugetlb/extract.sh
probe_flushes
probe "$LINUX_HUGETLB" huge_pte_lockptr KSHIM_HUGE_PTE_LOCKPTR \
  "struct hstate*,struct mm_struct*,pte_t*"
# __flush_hugetlb_tlb_range(vma, start, end, stride, last_level), then
# (vma, start, end, stride, flags) with the TLBF_* rework.
probe "$ASM_HUGETLB" __flush_hugetlb_tlb_range KSHIM_FLUSH_HUGETLB_TLB_RANGE_SHAPE - \
  "$VMA_RANGE,bool" "$VMA_RANGE,tlbf_t"
end_caps
if grep -q '__flush_hugetlb_tlb_range(' "$WORK/flush_hugetlb_tlb_range.h"; then
  cut_fn "$SRC/$ASM_HUGETLB" '^static inline void __flush_hugetlb_tlb_range\(' "$WORK/inner.h" ||
    fail "$ASM_HUGETLB: no complete __flush_hugetlb_tlb_range() definition"
  cat "$WORK/flush_hugetlb_tlb_range.h" >>"$WORK/inner.h" &&
    mv -f "$WORK/inner.h" "$WORK/flush_hugetlb_tlb_range.h" || fail "cannot write $WORK"
fi
grep -q '__flush_tlb_range(' "$WORK/flush_hugetlb_tlb_range.h" ||
  fail "$ASM_HUGETLB: flush_hugetlb_tlb_range() does not call __flush_tlb_range()"

cp "$SRC/$HUGETLBPAGE" "$WORK/hugetlbpage.c" || fail "cannot copy $HUGETLBPAGE"
publish hugetlbpage.c flush_hugetlb_tlb_range.h huge_pte_lockptr.h kshim_caps.h
