/* ptediff kernel shim: arch/arm64/include/asm/tlbflush.h onto the machine.
 *
 * TLBI by VA for the user ASID, then (sync) the DSB that completes it, is one
 * machine flush_tlb_range primitive with the same range, stride, leaf-only
 * and level hint; the leading dsb(ishst) orders earlier table stores, which
 * the machine makes visible at once. Range TLBIs (FEAT_TLBIRANGE) are not
 * modelled: the per-page form is used, with its flush_tlb_mm() fallback
 * above MAX_DVM_OPS pages. The mmu_notifier hooks have no secondary TLBs.
 */
#ifndef PTEDIFF_KSHIM_ASM_TLBFLUSH_H_
#define PTEDIFF_KSHIM_ASM_TLBFLUSH_H_

#include <limits.h>

#include "kshim/types.h"

#define TLBI_TTL_UNKNOWN INT_MAX
#define MAX_DVM_OPS PTRS_PER_PTE

/* dsb(ish) completes outstanding invalidations; dsb(ishst) only orders
 * stores; isb() has no effect on the tables. */
#define dsb(opt) kshim_dsb_##opt()
#define kshim_dsb_ish() kshim_dsb()
#define kshim_dsb_ishst() ((void)0)
#define isb() ((void)0)

/* flush_tlb_mm(): invalidates the whole ASID, synced. */
static inline void flush_tlb_mm(struct mm_struct *mm) { kshim_flush_tlb_mm(mm); }

/* The body of __flush_tlb_range_nosync(), plus the trailing DSB when sync. */
static inline void kshim_tlbi_range(struct mm_struct *mm, unsigned long start, unsigned long end,
                                    unsigned long stride, bool last_level, int tlb_level,
                                    bool sync) {
  start = round_down(start, stride);
  end = round_up(end, stride);
  if (end - start >= MAX_DVM_OPS * stride) {
    flush_tlb_mm(mm);
    if (sync) dsb(ish);
    return;
  }
  kshim_flush_tlb_range(mm, start, end, stride, last_level,
                        tlb_level == TLBI_TTL_UNKNOWN ? 0 : tlb_level, sync);
}

/* __flush_tlb_range_nosync(): its first argument is the vma up to 6.14 and
 * the mm from 6.15 ("mm: Support tlbbatch flush for a range of PTEs"); the
 * body is the same. C tells the two apart by type, so a tree of either kind
 * (or a distribution tree with the change backported) compiles as written. */
static inline struct mm_struct *kshim_mm_of_vma(struct vm_area_struct *vma) { return vma->vm_mm; }
static inline struct mm_struct *kshim_mm_of_mm(struct mm_struct *mm) { return mm; }
#define __flush_tlb_range_nosync(vma_or_mm, start, end, stride, last_level, tlb_level) \
  kshim_tlbi_range(_Generic((vma_or_mm), struct vm_area_struct *                       \
                            : kshim_mm_of_vma, struct mm_struct *                      \
                            : kshim_mm_of_mm)(vma_or_mm),                              \
                   (start), (end), (stride), (last_level), (tlb_level), false)

/* __flush_tlb_range(): the nosync form, then __tlbi_sync_s1ish(). */
static inline void __flush_tlb_range(struct vm_area_struct *vma, unsigned long start,
                                     unsigned long end, unsigned long stride, bool last_level,
                                     int tlb_level) {
  kshim_tlbi_range(vma->vm_mm, start, end, stride, last_level, tlb_level, true);
}

/* flush_tlb_range(): not leaf-only, level unknown. */
static inline void flush_tlb_range(struct vm_area_struct *vma, unsigned long start,
                                   unsigned long end) {
  __flush_tlb_range(vma, start, end, PAGE_SIZE, false, TLBI_TTL_UNKNOWN);
}

/* flush_tlb_page_nosync() / flush_tlb_page(): TLBI VALE1IS of one page, no
 * level hint; flush_tlb_page() adds the DSB. */
static inline void flush_tlb_page_nosync(struct vm_area_struct *vma, unsigned long uaddr) {
  const unsigned long page = uaddr & PAGE_MASK;
  kshim_flush_tlb_range(vma->vm_mm, page, page + PAGE_SIZE, PAGE_SIZE, true, 0, false);
}
static inline void flush_tlb_page(struct vm_area_struct *vma, unsigned long uaddr) {
  const unsigned long page = uaddr & PAGE_MASK;
  kshim_flush_tlb_range(vma->vm_mm, page, page + PAGE_SIZE, PAGE_SIZE, true, 0, true);
}

/* local_flush_tlb_contpte() (6.19, "arm64, tlbflush: don't TLBI broadcast if
 * page reused in write fault"): TLBI VALE1 (this PE only) of the CONT_PTES
 * pages of addr's block, level hint 3, then dsb(nsh). The machine has one TLB
 * and no notion of other PEs, so the local invalidation is its range flush of
 * the block, synced; what only a remote PE's stale entry could show is out of
 * the model's reach (README, "Running the kernel's own contpte.c"). */
static inline void local_flush_tlb_contpte(struct vm_area_struct *vma, unsigned long addr) {
  addr = round_down(addr, CONT_PTE_SIZE);
  kshim_flush_tlb_range(vma->vm_mm, addr, addr + CONT_PTE_SIZE, PAGE_SIZE, true, 3, true);
}

#endif /* PTEDIFF_KSHIM_ASM_TLBFLUSH_H_ */
