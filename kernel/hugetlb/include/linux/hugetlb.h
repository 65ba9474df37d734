/* ptediff kernel hugetlb shim: <linux/hugetlb.h> and <asm/hugetlb.h>.
 *
 * The hstate helpers hugetlbpage.c uses (huge_page_size, hstate_vma; the
 * hstate registration and PMD sharing of huge_pte_alloc() stubbed: the
 * harness never allocates), the declarations of the arch functions
 * hugetlbpage.c defines (asm/hugetlb.h's list), then two pieces cut
 * verbatim from the tree by kernel/hugetlb/extract.sh:
 * flush_hugetlb_tlb_range() of arch/arm64/include/asm/hugetlb.h and
 * huge_pte_lockptr() of include/linux/hugetlb.h.
 */
#ifndef PTEDIFF_KHS_LINUX_HUGETLB_H_
#define PTEDIFF_KHS_LINUX_HUGETLB_H_

#include <linux/mm.h>

static inline unsigned long huge_page_size(const struct hstate *h) { return h->size; }
static inline struct hstate *hstate_vma(struct vm_area_struct *vma) { return &vma->kshim_h; }

/* __init registration and allocation helpers: never run. */
static inline void hugetlb_add_hstate(unsigned int order) {}
static inline bool want_pmd_share(struct vm_area_struct *vma, unsigned long addr) { return false; }
static inline pte_t *huge_pmd_share(struct mm_struct *mm, struct vm_area_struct *vma,
                                    unsigned long addr, pud_t *pud) {
  return NULL;
}
#define pte_alloc_huge(mm, pmdp, addr) pte_offset_huge((pmdp), (addr))

/* The arch API of arch/arm64/mm/hugetlbpage.c (6.12 signatures). */
pte_t huge_ptep_get(struct mm_struct *mm, unsigned long addr, pte_t *ptep);
void set_huge_pte_at(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t pte,
                     unsigned long sz);
pte_t *huge_pte_alloc(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr,
                      unsigned long sz);
pte_t *huge_pte_offset(struct mm_struct *mm, unsigned long addr, unsigned long sz);
unsigned long hugetlb_mask_last_page(struct hstate *h);
pte_t arch_make_huge_pte(pte_t entry, unsigned int shift, vm_flags_t flags);
void huge_pte_clear(struct mm_struct *mm, unsigned long addr, pte_t *ptep, unsigned long sz);
pte_t huge_ptep_get_and_clear(struct mm_struct *mm, unsigned long addr, pte_t *ptep,
                              unsigned long sz);
int huge_ptep_set_access_flags(struct vm_area_struct *vma, unsigned long addr, pte_t *ptep,
                               pte_t pte, int dirty);
void huge_ptep_set_wrprotect(struct mm_struct *mm, unsigned long addr, pte_t *ptep);
pte_t huge_ptep_clear_flush(struct vm_area_struct *vma, unsigned long addr, pte_t *ptep);
bool arch_hugetlb_valid_size(unsigned long size);
pte_t huge_ptep_modify_prot_start(struct vm_area_struct *vma, unsigned long addr, pte_t *ptep);
void huge_ptep_modify_prot_commit(struct vm_area_struct *vma, unsigned long addr, pte_t *ptep,
                                  pte_t old_pte, pte_t pte);

/* Extracted verbatim (build folder): asm/hugetlb.h's flush_hugetlb_tlb_range(). */
#include "flush_hugetlb_tlb_range.h"
/* Extracted verbatim (build folder): linux/hugetlb.h's huge_pte_lockptr(). */
#include "huge_pte_lockptr.h"

#endif /* PTEDIFF_KHS_LINUX_HUGETLB_H_ */
