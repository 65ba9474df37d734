/* ptediff kernel hugetlb shim: arch/arm64/include/asm/tlbflush.h (6.12) onto
 * the machine's TLB primitives.
 *
 * The level hint goes through as the kernel passes it: TLBI_TTL_UNKNOWN is
 * INT_MAX, which the machine treats as no hint; 0 stays 0, which the machine
 * (like __tlbi_level() on real hardware) treats as no hint without FEAT_LPA2
 * and as a level-0 hint with it (PTEDIFF_FEAT_LPA2).
 *
 * The CPU modelled has no FEAT_TLBIRANGE (system_supports_tlb_range() is
 * false), as in the contpte shim (kernel/include/asm/tlbflush.h):
 * __flush_tlb_range_nosync() issues one TLBI per stride and falls back to
 * flush_tlb_mm() for MAX_DVM_OPS strides or more, exactly its 6.12 test. With
 * range TLBIs the level hint would not matter for hugetlb ranges anyway: a
 * range TLBI encodes a 0 hint as "any level" (__TLBI_VADDR_RANGE). The
 * leading dsb(ishst) orders earlier stores, which the machine makes visible
 * at once; the mmu_notifier hooks have no secondary TLBs.
 */
#ifndef PTEDIFF_KHS_ASM_TLBFLUSH_H_
#define PTEDIFF_KHS_ASM_TLBFLUSH_H_

#include "khs/types.h"

#define TLBI_TTL_UNKNOWN INT_MAX
#define MAX_DVM_OPS PTRS_PER_PTE
#define MAX_TLBI_RANGE_PAGES (32UL << 16) /* __TLBI_RANGE_PAGES(31, 3) */

static inline bool system_supports_tlb_range(void) { return false; }

#define dsb(opt) khs_dsb_##opt()
#define khs_dsb_ish() khs_dsb()
#define khs_dsb_ishst() ((void)0)
#define isb() ((void)0)

/* flush_tlb_mm(): TLBI ASIDE1IS of the mm's ASID, then dsb(ish). */
static inline void flush_tlb_mm(struct mm_struct *mm) { khs_flush_tlb_mm(mm); }

/* __flush_tlb_range_nosync() and, with sync, __flush_tlb_range()'s trailing
 * dsb(ish): per-stride TLBI[VALE1IS|VAE1IS] with the level hint. */
static inline void khs_tlbi_range(struct mm_struct *mm, unsigned long start, unsigned long end,
                                  unsigned long stride, bool last_level, int tlb_level, bool sync) {
  start = round_down(start, stride);
  end = round_up(end, stride);
  const unsigned long pages = (end - start) >> PAGE_SHIFT;
  if ((!system_supports_tlb_range() && (end - start) >= (MAX_DVM_OPS * stride)) ||
      pages > MAX_TLBI_RANGE_PAGES) {
    flush_tlb_mm(mm);
    if (sync) dsb(ish);
    return;
  }
  khs_flush_tlb_range(mm, start, end, stride, last_level, tlb_level, sync);
}

static inline void __flush_tlb_range_nosync(struct vm_area_struct *vma, unsigned long start,
                                            unsigned long end, unsigned long stride,
                                            bool last_level, int tlb_level) {
  khs_tlbi_range(vma->vm_mm, start, end, stride, last_level, tlb_level, false);
}

static inline void __flush_tlb_range(struct vm_area_struct *vma, unsigned long start,
                                     unsigned long end, unsigned long stride, bool last_level,
                                     int tlb_level) {
  khs_tlbi_range(vma->vm_mm, start, end, stride, last_level, tlb_level, true);
}

/* flush_tlb_range(): not leaf-only, level unknown. */
static inline void flush_tlb_range(struct vm_area_struct *vma, unsigned long start,
                                   unsigned long end) {
  __flush_tlb_range(vma, start, end, PAGE_SIZE, false, TLBI_TTL_UNKNOWN);
}

/* flush_tlb_page(): TLBI VALE1IS of one page without a TTL hint (__tlbi,
 * not __tlbi_level), then dsb(ish). */
static inline void flush_tlb_page(struct vm_area_struct *vma, unsigned long uaddr) {
  const unsigned long page = uaddr & PAGE_MASK;
  khs_flush_tlb_range(vma->vm_mm, page, page + PAGE_SIZE, PAGE_SIZE, true, TLBI_TTL_UNKNOWN, true);
}

#endif /* PTEDIFF_KHS_ASM_TLBFLUSH_H_ */
