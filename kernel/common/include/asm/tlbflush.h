/* ptediff kernel shim: arch/arm64/include/asm/tlbflush.h onto the machine's
 * TLB primitives.
 *
 * TLBI by VA for the user ASID, then (sync) the DSB that completes it, is one
 * machine flush_tlb_range primitive with the same range, stride, leaf-only
 * and level hint. The level hint goes through as the kernel passes it:
 * TLBI_TTL_UNKNOWN is INT_MAX, which the machine treats as no hint; 0 stays
 * 0, which the machine (like __tlbi_level() on real hardware) treats as no
 * hint without FEAT_LPA2 and as a level-0 hint with it (PTEDIFF_FEAT_LPA2).
 *
 * The CPU modelled has no FEAT_TLBIRANGE (system_supports_tlb_range() is
 * false): __flush_tlb_range_nosync() issues one TLBI per stride and falls
 * back to flush_tlb_mm() for MAX_DVM_OPS strides or more, exactly its test
 * from 6.9 on. With range TLBIs the level hint would not matter for hugetlb
 * ranges anyway: a range TLBI encodes a 0 hint as "any level"
 * (__TLBI_VADDR_RANGE). The leading dsb(ishst) orders earlier stores, which
 * the machine makes visible at once; the mmu_notifier hooks have no
 * secondary TLBs.
 */
#ifndef PTEDIFF_KSHIM_ASM_TLBFLUSH_H_
#define PTEDIFF_KSHIM_ASM_TLBFLUSH_H_

#include "kshim/types.h"

#define TLBI_TTL_UNKNOWN INT_MAX
#define MAX_DVM_OPS PTRS_PER_PTE
#define MAX_TLBI_RANGE_PAGES (32UL << 16) /* __TLBI_RANGE_PAGES(31, 3) */

static inline bool system_supports_tlb_range(void) { return false; }

/* dsb(ish) completes outstanding invalidations; dsb(ishst) only orders
 * stores; isb() has no effect on the tables. */
#define dsb(opt) kshim_dsb_##opt()
#define kshim_dsb_ish() kshim_dsb()
#define kshim_dsb_ishst() ((void)0)
#define isb() ((void)0)

/* flush_tlb_mm(): TLBI ASIDE1IS of the mm's ASID, then dsb(ish). */
static inline void flush_tlb_mm(struct mm_struct *mm) { kshim_flush_tlb_mm(mm); }

/* The body of __flush_tlb_range_nosync() (per-stride TLBI[VALE1IS|VAE1IS]
 * with the level hint) and, with sync, __flush_tlb_range()'s trailing
 * dsb(ish). */
static inline void kshim_tlbi_range(struct mm_struct *mm, unsigned long start, unsigned long end,
                                    unsigned long stride, bool last_level, int tlb_level,
                                    bool sync) {
  start = round_down(start, stride);
  end = round_up(end, stride);
  const unsigned long pages = (end - start) >> PAGE_SHIFT;
  if ((!system_supports_tlb_range() && (end - start) >= (MAX_DVM_OPS * stride)) ||
      pages > MAX_TLBI_RANGE_PAGES) {
    flush_tlb_mm(mm);
    if (sync) dsb(ish);
    return;
  }
  kshim_flush_tlb_range(mm, start, end, stride, last_level, tlb_level, sync);
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

/* __flush_tlb_range(): the nosync form, then dsb(ish). */
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

/* flush_tlb_page_nosync() / flush_tlb_page(): TLBI VALE1IS of one page
 * without a TTL hint (__tlbi, not __tlbi_level); flush_tlb_page() adds the
 * dsb(ish). */
static inline void flush_tlb_page_nosync(struct vm_area_struct *vma, unsigned long uaddr) {
  const unsigned long page = uaddr & PAGE_MASK;
  kshim_flush_tlb_range(vma->vm_mm, page, page + PAGE_SIZE, PAGE_SIZE, true, TLBI_TTL_UNKNOWN,
                        false);
}
static inline void flush_tlb_page(struct vm_area_struct *vma, unsigned long uaddr) {
  const unsigned long page = uaddr & PAGE_MASK;
  kshim_flush_tlb_range(vma->vm_mm, page, page + PAGE_SIZE, PAGE_SIZE, true, TLBI_TTL_UNKNOWN,
                        true);
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
