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
 * flush_tlb_page() if pte_accessible(). Its primitives name the kernel line
 * that called it, or, called by the shim (kentry_ptep_clear_flush, as
 * `(ptep_clear_flush)(...)`), the lines here (kshim/bridge.h). */
static inline pte_t ptep_clear_flush(struct vm_area_struct *vma, unsigned long address,
                                     pte_t *ptep) {
  struct mm_struct *mm = vma->vm_mm;
  const pte_t pte = KSHIM_FALLBACK_AT((ptep_get_and_clear)(mm, address, ptep));
  if (pte_accessible(mm, pte)) KSHIM_FALLBACK_AT((flush_tlb_page)(vma, address));
  return pte;
}
#define ptep_clear_flush(...) KSHIM_AT(ptep_clear_flush(__VA_ARGS__))

#endif /* PTEDIFF_KSHIM_GENERIC_H_ */
