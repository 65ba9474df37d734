/* ptediff kernel shim: core-mm's generic page-table helpers that arm64 does
 * not override, composed from the arch's public API exactly as the kernel
 * composes them. Included by a per-file layer after that API (the
 * CONFIG_ARM64_CONTPTE wrappers, or a stand-in for them): it needs
 * ptep_get_and_clear().
 */
#ifndef PTEDIFF_KSHIM_GENERIC_H_
#define PTEDIFF_KSHIM_GENERIC_H_

#include "kshim/pgtable.h"

/* ptep_clear_flush() (mm/pgtable-generic.c): ptep_get_and_clear, then
 * flush_tlb_page() if pte_accessible(). */
static inline pte_t ptep_clear_flush(struct vm_area_struct *vma, unsigned long address,
                                     pte_t *ptep) {
  struct mm_struct *mm = vma->vm_mm;
  const pte_t pte = ptep_get_and_clear(mm, address, ptep);
  if (pte_accessible(mm, pte)) flush_tlb_page(vma, address);
  return pte;
}

#endif /* PTEDIFF_KSHIM_GENERIC_H_ */
