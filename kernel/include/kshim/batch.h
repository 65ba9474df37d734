/* ptediff kernel shim, contpte.c: core-mm's generic batch helpers, for the
 * ones the tree's CONFIG_ARM64_CONTPTE block does not define.
 *
 * include/linux/pgtable.h defines each of these as a per-entry loop over the
 * single-entry API when the arch has no override (`#ifndef wrprotect_ptes`);
 * the shim does the same, on the capability probes of kernel/probe.sh
 * (KSHIM_HAS_<NAME> of kshim_caps.h), composed from the tree's own public API.
 * Blocks before "arm64/mm: Implement new wrprotect_ptes() batch API",
 * "arm64/mm: Implement new [get_and_]clear_full_ptes() batch APIs" and
 * "mm/arm64: override clear_young_dirty_ptes() batch helper" take these.
 * Included after the block by linux/mm.h.
 */
#ifndef PTEDIFF_KSHIM_BATCH_H_
#define PTEDIFF_KSHIM_BATCH_H_

#include "kshim/pgtable.h"

/* set_pte_at() and ptep_get_and_clear_full(), which arm64 does not override:
 * set_ptes(nr = 1) and ptep_get_and_clear(). */
#define kshim_set_pte_at(mm, addr, ptep, pte) set_ptes((mm), (addr), (ptep), (pte), 1)
#define kshim_ptep_get_and_clear_full(mm, addr, ptep, full) ptep_get_and_clear((mm), (addr), (ptep))

#if !KSHIM_HAS_WRPROTECT_PTES
static inline void wrprotect_ptes(struct mm_struct *mm, unsigned long addr, pte_t *ptep,
                                  unsigned int nr) {
  for (;;) {
    ptep_set_wrprotect(mm, addr, ptep);
    if (--nr == 0) break;
    ptep++;
    addr += PAGE_SIZE;
  }
}
#endif

#if !KSHIM_HAS_CLEAR_FULL_PTES
static inline void clear_full_ptes(struct mm_struct *mm, unsigned long addr, pte_t *ptep,
                                   unsigned int nr, int full) {
  for (;;) {
    kshim_ptep_get_and_clear_full(mm, addr, ptep, full);
    if (--nr == 0) break;
    ptep++;
    addr += PAGE_SIZE;
  }
}
#endif

#if !KSHIM_HAS_GET_AND_CLEAR_FULL_PTES
/* The first entry, with the dirty and young state of the others ORed in. */
static inline pte_t get_and_clear_full_ptes(struct mm_struct *mm, unsigned long addr, pte_t *ptep,
                                            unsigned int nr, int full) {
  pte_t pte = kshim_ptep_get_and_clear_full(mm, addr, ptep, full);
  while (--nr) {
    ptep++;
    addr += PAGE_SIZE;
    const pte_t tmp_pte = kshim_ptep_get_and_clear_full(mm, addr, ptep, full);
    if (pte_dirty(tmp_pte)) pte = pte_mkdirty(pte);
    if (pte_young(tmp_pte)) pte = pte_mkyoung(pte);
  }
  return pte;
}
#endif

#if !KSHIM_HAS_CLEAR_YOUNG_DIRTY_PTES
/* Young alone by ptep_test_and_clear_young; else ptep_get_and_clear, the
 * bits cleared, set_pte_at ("mm/madvise: introduce clear_young_dirty_ptes()
 * batch helper", the per-entry loop MADV_FREE did before it). */
static inline void clear_young_dirty_ptes(struct vm_area_struct *vma, unsigned long addr,
                                          pte_t *ptep, unsigned int nr, cydp_t flags) {
  for (;;) {
    if (flags == CYDP_CLEAR_YOUNG) {
      ptep_test_and_clear_young(vma, addr, ptep);
    } else {
      pte_t pte = ptep_get_and_clear(vma->vm_mm, addr, ptep);
      if (flags & CYDP_CLEAR_YOUNG) pte = pte_mkold(pte);
      if (flags & CYDP_CLEAR_DIRTY) pte = pte_mkclean(pte);
      kshim_set_pte_at(vma->vm_mm, addr, ptep, pte);
    }
    if (--nr == 0) break;
    ptep++;
    addr += PAGE_SIZE;
  }
}
#endif

#if !KSHIM_HAS_PTE_BATCH_HINT
static inline unsigned int pte_batch_hint(pte_t *ptep, pte_t pte) { return 1; }
#endif

#endif /* PTEDIFF_KSHIM_BATCH_H_ */
