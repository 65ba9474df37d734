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

static inline void __flush_tlb_range_nosync(struct vm_area_struct *vma, unsigned long start,
                                            unsigned long end, unsigned long stride,
                                            bool last_level, int tlb_level) {
  kshim_tlbi_range(vma->vm_mm, start, end, stride, last_level, tlb_level, false);
}

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

#endif /* PTEDIFF_KSHIM_ASM_TLBFLUSH_H_ */
