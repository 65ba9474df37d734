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

/* The TLBI by VA of a range (per-stride TLBI[VALE1IS|VAE1IS] with the level
 * hint, as __flush_tlb_range_nosync() or __do_flush_tlb_range() issue them)
 * and, with sync, the trailing dsb(ish). MAX_DVM_OPS strides or more become
 * flush_tlb_mm(); so do more than MAX_TLBI_RANGE_PAGES pages, unless the tree
 * has __flush_tlb_range_limit_excess() (KSHIM_FLUSH_TLB_RANGE_LIMIT_EXCESS),
 * which applies that bound only with range TLBIs. */
static inline void kshim_tlbi_range(struct mm_struct *mm, unsigned long start, unsigned long end,
                                    unsigned long stride, bool last_level, int tlb_level,
                                    bool sync) {
  start = round_down(start, stride);
  end = round_up(end, stride);
  const unsigned long pages = (end - start) >> PAGE_SHIFT;
  const bool excess = KSHIM_FLUSH_TLB_RANGE_LIMIT_EXCESS && !system_supports_tlb_range()
                          ? pages >= (MAX_DVM_OPS * stride) >> PAGE_SHIFT
                          : (!system_supports_tlb_range() && (end - start) >= (MAX_DVM_OPS * stride)) ||
                                pages > MAX_TLBI_RANGE_PAGES;
  if (excess) {
    flush_tlb_mm(mm);
    if (sync) dsb(ish);
    return;
  }
  kshim_flush_tlb_range(mm, start, end, stride, last_level, tlb_level, sync);
}

/* The TLBF_* flags of 7.x's flush helpers (asm/tlbflush.h): defined for
 * every tree, used by trees of that shape. */
typedef unsigned int tlbf_t;
#define TLBF_NONE ((tlbf_t)0)
#define TLBF_NOWALKCACHE ((tlbf_t)1 << 0) /* TLBI VALE1 (leaf only), not VAE1 */
#define TLBF_NOSYNC ((tlbf_t)1 << 1)      /* no trailing DSB */
#define TLBF_NONOTIFY ((tlbf_t)1 << 2)    /* no mmu notifier: no secondary TLBs here */
#define TLBF_NOBROADCAST ((tlbf_t)1 << 3) /* this PE only (TLBI ...E1, dsb(nsh)) */

/* The machine has one TLB and no notion of other PEs: a local invalidation
 * (TLBF_NOBROADCAST, local_flush_tlb_contpte()) is its range flush, synced
 * as the broadcast one; what only a remote PE's stale entry could show is out
 * of the model's reach (README, "Running the kernel's own contpte.c"). The
 * kernel BUG()s on TLBF_NOBROADCAST without TLBF_NOWALKCACHE; the shim warns. */
static inline void kshim_tlbi_flags(struct mm_struct *mm, unsigned long start, unsigned long end,
                                    unsigned long stride, int tlb_level, tlbf_t flags) {
  WARN_ON((flags & (TLBF_NOWALKCACHE | TLBF_NOBROADCAST)) == TLBF_NOBROADCAST);
  kshim_tlbi_range(mm, start, end, stride, flags & TLBF_NOWALKCACHE, tlb_level,
                   !(flags & TLBF_NOSYNC));
}

/* __flush_tlb_range_nosync() (kshim/sites.h: kernel code's name for it): its
 * first argument is the vma up to 6.14 and the mm from 6.15 ("mm: Support
 * tlbbatch flush for a range of PTEs"); the TLBF_* rework replaced it by
 * TLBF_NOSYNC. Defined for either first argument (C tells them apart by
 * type); only trees that have it call it. */
static inline struct mm_struct *kshim_mm_of_vma(struct vm_area_struct *vma) { return vma->vm_mm; }
static inline struct mm_struct *kshim_mm_of_mm(struct mm_struct *mm) { return mm; }
#define kshim_flush_tlb_range_nosync(vma_or_mm, start, end, stride, last_level, tlb_level) \
  kshim_tlbi_range(_Generic((vma_or_mm), struct vm_area_struct *                           \
                            : kshim_mm_of_vma, struct mm_struct *                          \
                            : kshim_mm_of_mm)(vma_or_mm),                                  \
                   (start), (end), (stride), (last_level), (tlb_level), false)

#if KSHIM_FLUSH_TLB_RANGE_SHAPE == 1
/* __flush_tlb_range(vma, start, end, stride, last_level, tlb_level): the
 * nosync form, then dsb(ish). */
static inline void __flush_tlb_range(struct vm_area_struct *vma, unsigned long start,
                                     unsigned long end, unsigned long stride, bool last_level,
                                     int tlb_level) {
  kshim_tlbi_range(vma->vm_mm, start, end, stride, last_level, tlb_level, true);
}
#define KSHIM_FLUSH_ALL_LEVELS false, TLBI_TTL_UNKNOWN
#else
/* __flush_tlb_range(vma, start, end, stride, tlb_level, flags), the TLBF_*
 * rework (TLBF_NOWALKCACHE for the old last_level, TLBF_NOSYNC for the
 * nosync form, TLBF_NOBROADCAST for the local flush). */
static inline void __flush_tlb_range(struct vm_area_struct *vma, unsigned long start,
                                     unsigned long end, unsigned long stride, int tlb_level,
                                     tlbf_t flags) {
  kshim_tlbi_flags(vma->vm_mm, start, end, stride, tlb_level, flags);
}
#define KSHIM_FLUSH_ALL_LEVELS TLBI_TTL_UNKNOWN, TLBF_NONE
#endif

/* flush_tlb_range(): not leaf-only, level unknown. */
static inline void flush_tlb_range(struct vm_area_struct *vma, unsigned long start,
                                   unsigned long end) {
  __flush_tlb_range(vma, start, end, PAGE_SIZE, KSHIM_FLUSH_ALL_LEVELS);
}

/* The TLBI VALE1IS of one page, + dsb(ish) when synced. Without the tree's
 * __flush_tlb_page(vma, uaddr, flags) it has no TTL hint (__tlbi, not
 * __tlbi_level); with it (the TLBF_* rework) it is a one-page
 * __do_flush_tlb_range() at level 3. */
static inline void kshim_flush_page(struct vm_area_struct *vma, unsigned long uaddr,
                                    bool sync) {
  const unsigned long page = uaddr & PAGE_MASK;
  kshim_flush_tlb_range(vma->vm_mm, page, page + PAGE_SIZE, PAGE_SIZE, true,
                        KSHIM_FLUSH_TLB_PAGE_FLAGS ? 3 : TLBI_TTL_UNKNOWN, sync);
}
/* flush_tlb_page_nosync() (up to the rework), flush_tlb_page(), and
 * __flush_tlb_page(vma, uaddr, flags) (the rework). */
static inline void flush_tlb_page_nosync(struct vm_area_struct *vma, unsigned long uaddr) {
  kshim_flush_page(vma, uaddr, false);
}
static inline void flush_tlb_page(struct vm_area_struct *vma, unsigned long uaddr) {
  kshim_flush_page(vma, uaddr, true);
}
static inline void __flush_tlb_page(struct vm_area_struct *vma, unsigned long uaddr,
                                    tlbf_t flags) {
  kshim_flush_page(vma, uaddr, !(flags & TLBF_NOSYNC));
}

/* flush_tlb_kernel_range(): TLBI VAALE1IS (every ASID, leaf) of init_mm's
 * range, then dsb(ish); flush_tlb_all() past MAX_DVM_OPS pages, which the
 * machine's init_mm flush stands for. Kernel mappings only (7.x's
 * hugetlbpage.c clear_flush() for init_mm; the harness maps none). */
static inline void flush_tlb_kernel_range(unsigned long start, unsigned long end) {
  kshim_tlbi_range(&init_mm, start, end, PAGE_SIZE, true, TLBI_TTL_UNKNOWN, true);
}

/* local_flush_tlb_contpte() (6.19, "arm64, tlbflush: don't TLBI broadcast if
 * page reused in write fault"): TLBI VALE1 (this PE only) of the CONT_PTES
 * pages of addr's block, level hint 3, then dsb(nsh); the TLBF_* rework
 * replaced it by __flush_tlb_range(..., TLBF_NOWALKCACHE | TLBF_NOBROADCAST). */
static inline void local_flush_tlb_contpte(struct vm_area_struct *vma, unsigned long addr) {
  addr = round_down(addr, CONT_PTE_SIZE);
  kshim_flush_tlb_range(vma->vm_mm, addr, addr + CONT_PTE_SIZE, PAGE_SIZE, true, 3, true);
}

#endif /* PTEDIFF_KSHIM_ASM_TLBFLUSH_H_ */
