/* ptediff kernel shims: the output-address field of arm64 descriptors, the
 * pfn helpers over it and the descriptor predicates of asm/pgtable.h, shared
 * by the contpte and hugetlb shims (each adds the predicates only it needs).
 *
 * [49:PAGE_SHIFT]; with 52-bit PAs (the 64K granule of ptediff,
 * CONFIG_ARM64_PA_BITS_52) PA[51:48] sits in bits [15:12]. The includer
 * defines PAGE_SHIFT, pte_t / pteval_t / phys_addr_t, pte_val, __pte,
 * pgprot_val, pfn_to_page and KSHIM_PA52 (an expression: 52-bit PAs).
 */
#ifndef PTEDIFF_KSHIM_PTE_ADDR_H_
#define PTEDIFF_KSHIM_PTE_ADDR_H_

#define PTE_ADDR_LOW ((((pteval_t)1 << (50 - PAGE_SHIFT)) - 1) << PAGE_SHIFT)
#define PTE_ADDR_HIGH ((pteval_t)0xf << 12)
#define PTE_ADDR_HIGH_SHIFT 36

static inline phys_addr_t __pte_to_phys(pte_t pte) {
  phys_addr_t pa = pte_val(pte) & PTE_ADDR_LOW;
  if (KSHIM_PA52) pa |= (pte_val(pte) & PTE_ADDR_HIGH) << PTE_ADDR_HIGH_SHIFT;
  return pa;
}
static inline pteval_t __phys_to_pte_val(phys_addr_t phys) {
  if (!KSHIM_PA52) return phys;
  return (phys | (phys >> PTE_ADDR_HIGH_SHIFT)) & (PTE_ADDR_LOW | PTE_ADDR_HIGH);
}
#define pte_pfn(pte) (__pte_to_phys(pte) >> PAGE_SHIFT)
#define pfn_pte(pfn, prot) \
  __pte(__phys_to_pte_val((phys_addr_t)(pfn) << PAGE_SHIFT) | pgprot_val(prot))
#define pte_page(pte) (pfn_to_page(pte_pfn(pte)))

/* Predicates (pgtable.h). */
#define pte_none(pte) (!pte_val(pte))
#define pte_valid(pte) (!!(pte_val(pte) & PTE_VALID))
#define pte_young(pte) (!!(pte_val(pte) & PTE_AF))
#define pte_write(pte) (!!(pte_val(pte) & PTE_WRITE))
#define pte_rdonly(pte) (!!(pte_val(pte) & PTE_RDONLY))
#define pte_cont(pte) (!!(pte_val(pte) & PTE_CONT))
#define pte_user_exec(pte) (!(pte_val(pte) & PTE_UXN))
#define pte_hw_dirty(pte) (pte_write(pte) && !pte_rdonly(pte))
#define pte_sw_dirty(pte) (!!(pte_val(pte) & PTE_DIRTY))
#define pte_dirty(pte) (pte_sw_dirty(pte) || pte_hw_dirty(pte))
#define pte_valid_cont(pte) (pte_valid(pte) && pte_cont(pte))
#define pte_same(a, b) (pte_val(a) == pte_val(b))
/* pte_accessible(): no mm of the machine has a TLB flush pending. */
#define pte_accessible(mm, pte) pte_valid(pte)

#endif /* PTEDIFF_KSHIM_PTE_ADDR_H_ */
