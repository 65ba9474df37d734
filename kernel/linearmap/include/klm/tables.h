/* ptediff kernel linear-map shim: the kernel mm's tables as the linear-map
 * code walks and changes them (klm/kernel.h says how table pages work).
 *
 * Upper entries are read and written through the common layer's fake
 * pointers, one machine primitive each. A few predicates take an entry as
 * the kernel writes it, `pmd_none(*pmd)`: the shim reads it through its
 * address (klm_entry), so `*pmd` of a fake pointer is one machine read and
 * never a dereference. Each helper names the kernel function it stands for
 * (arch/arm64/include/asm/pgtable.h, pgalloc.h, fixmap.h, arch/arm64/mm/mmu.c
 * outside the extracted block).
 */
#ifndef PTEDIFF_KLM_TABLES_H_
#define PTEDIFF_KLM_TABLES_H_

#include <string.h>

/* Whether fake pointer p names an entry the machine does not hold: the
 * PGD/P4D, and the PUD of a 16K or 64K window (a fraction of one PUD). It
 * reads as a table descriptor, as the machine's peek_level has it. */
static inline bool klm_implicit(uintptr_t p) {
  if (((uint64_t)p >> KSHIM_SLOT_SHIFT) == 0) return false;
  const int level = kshim_ptr_level(p);
  return level == KSHIM_LEVEL_PGD || (level == 1 && PAGE_SHIFT != 12);
}
/* The entry at p: one machine read for a fake pointer or an installed
 * table page, memory otherwise (a local variable, a table page not
 * installed yet; kshim_table_alias). */
static inline u64 klm_entry(const void *p) {
  return klm_implicit((uintptr_t)p) ? PMD_TYPE_TABLE : kshim_read((uintptr_t)p);
}
static inline u64 klm_read_word(u64 *p) { return klm_entry(p); }
static inline pud_t klm_read_pud(pud_t *p) { return __pud(klm_entry(p)); }
static inline u32 klm_read_u32(u32 *p) { return *p; }
/* READ_ONCE of an entry of any level or of its value (READ_ONCE(pmd_val(*pmdp))). */
/* clang-format off */
#undef READ_ONCE
#define READ_ONCE(x)                                                              \
  KSHIM_AT(_Generic(&(x), pgd_t *: kshim_read_pgd, p4d_t *: kshim_read_p4d,      \
                          pud_t *: klm_read_pud, pmd_t *: kshim_read_pmd,        \
                          pte_t *: kshim_read_pte, u64 *: klm_read_word,         \
                          u32 *: klm_read_u32)(&(x)))
/* clang-format on */
#define pgdp_get(p) READ_ONCE(*(p))
#define p4dp_get(p) READ_ONCE(*(p))
#define pudp_get(p) READ_ONCE(*(p))
#define pmdp_get(p) READ_ONCE(*(p))
#define ptep_get(p) __ptep_get(p)

/* Predicates over an entry named as an lvalue (`*pmd`, a local). */
static inline bool klm_present(u64 v) { return pte_present(__pte(v)); }
static inline bool klm_leaf(u64 v) {
  return klm_present(v) && (v & PMD_TYPE_MASK) != PMD_TYPE_TABLE;
}
#undef pmd_none
#undef pmd_present
#undef pmd_leaf
#undef pud_none
#undef pud_present
#undef pud_leaf
#define pmd_none(x) (klm_entry(&(x)) == 0)
#define pmd_present(x) klm_present(klm_entry(&(x)))
#define pmd_leaf(x) klm_leaf(klm_entry(&(x)))
#define pmd_trans_huge(x) pmd_leaf(x)
#define pud_none(x) (klm_entry(&(x)) == 0)
#define pud_present(x) klm_present(klm_entry(&(x)))
#define pud_leaf(x) klm_leaf(klm_entry(&(x)))
#define pud_trans_huge(x) pud_leaf(x)
/* Values. */
#define pmd_valid(pmd) pte_valid(pmd_pte(pmd))
#define pud_valid(pud) pte_valid(pud_pte(pud))
#define pmd_cont(pmd) (!!(pmd_val(pmd) & PMD_SECT_CONT))
#define pmd_mknoncont(pmd) __pmd(pmd_val(pmd) & ~PMD_SECT_CONT)
#define pmd_bad(pmd) (!pmd_table(pmd))
#define pud_bad(pud) (!pud_table(pud))
#define p4d_none(p4d) (!p4d_val(p4d))
#define pgd_none(pgd) (!pgd_val(pgd))
#define p4d_bad(p4d) false
#define pgd_bad(pgd) false
/* The PGD and P4D levels are no machine entries: always a table. */
#define pgd_none_or_clear_bad(pgdp) false
#define p4d_none_or_clear_bad(p4dp) false
#define pmd_pfn(pmd) pte_pfn(pmd_pte(pmd))
#define pud_pfn(pud) pte_pfn(pud_pte(pud))
#define pfn_pmd(pfn, prot) pte_pmd(pfn_pte((pfn), (prot)))
#define pmd_pgprot(pmd) pte_pgprot(pmd_pte(pmd))
#define pud_pgprot(pud) pte_pgprot(pud_pte(pud))
#define __phys_to_pfn(pa) ((unsigned long)((pa) >> PAGE_SHIFT))
/* pte_mkinvalid(): a present-invalid entry (valid cleared, PTE_PRESENT_INVALID set). */
static inline pte_t pte_mkinvalid(pte_t pte) {
  return kshim_pte_bits(pte, PTE_PRESENT_INVALID, PTE_VALID);
}
#define pmd_mkinvalid(pmd) pte_pmd(pte_mkinvalid(pmd_pte(pmd)))

/* set_pmd() / set_pud(): WRITE_ONCE of the entry (its dsb(ishst); isb() for
 * valid kernel entries orders stores the machine makes visible at once). */
static inline void klm_set_entry(void *p, u64 v) { kshim_write((uintptr_t)p, v); }
#define set_pmd(pmdp, pmd) KSHIM_AT(klm_set_entry((pmdp), pmd_val(pmd)))
#define set_pud(pudp, pud) KSHIM_AT(klm_set_entry((pudp), pud_val(pud)))
#define __set_pte_nosync(ptep, pte) __set_pte((ptep), (pte))

/* The walk of the kernel mm (pgd_offset_k, pgd_offset_pgd: swapper_pg_dir
 * is init_mm's PGD); pte_offset_kernel() names the PTE by the PMD's pointer. */
#define pgd_offset_k(addr) pgd_offset(&init_mm, (addr))
#define pgd_offset_pgd(pgdir, addr) pgd_offset(&init_mm, (addr))
/* The fake pointer of an upper entry named by a fake pointer or through an
 * installed table page (the kernel walks on from a table it just
 * populated, by the page's address). */
static inline uintptr_t klm_fake(const void *p) {
  const uintptr_t a = (uintptr_t)p;
  return ((uint64_t)a >> KSHIM_SLOT_SHIFT) != 0 ? a : kshim_table_alias(a);
}
#define pte_offset_kernel(pmdp, addr) pte_offset_huge((pmd_t *)klm_fake(pmdp), (addr))
#define pmd_offset(pudp, addr) (pmd_offset)((pud_t *)klm_fake(pudp), (addr))
#define pud_offset(p4dp, addr) (pud_offset)((p4d_t *)klm_fake(p4dp), (addr))
#define swapper_pg_dir ((pgd_t *)NULL)

/* ---- Table pages. ---- */

enum pgtable_level {
  PGTABLE_LEVEL_PTE = 0,
  PGTABLE_LEVEL_PMD,
  PGTABLE_LEVEL_PUD,
  PGTABLE_LEVEL_P4D,
  PGTABLE_LEVEL_PGD,
};
struct ptdesc;
/* A table page for a table of `level` (its entries poisoned), or NULL when
 * the run fails that depth (set_alloc_failures). */
struct ptdesc *klm_table_alloc(enum pgtable_level level);
/* Installs page `table` below the upper entry at fake pointer `entry`: the
 * machine's table descriptor, then the page's entries that are not none,
 * in order; the page's address names the machine's entries from now on. */
void klm_table_install(uintptr_t entry, phys_addr_t table);
/* pagetable_alloc(gfp, order) in __pgd_pgtable_alloc(), whose
 * `pgtable_level` says the depth (the page allocator does not know it; the
 * shim's failures are per depth). */
#define pagetable_alloc(gfp, order) klm_table_alloc(pgtable_level)
#define ptdesc_page(ptdesc) (ptdesc)
#define page_to_phys(page) ((phys_addr_t)(uintptr_t)(page))
#define phys_to_virt(pa) ((void *)(uintptr_t)(pa))
#define pagetable_pte_ctor(mm, ptdesc) true
#define pagetable_pmd_ctor(mm, ptdesc) true
#define pagetable_pud_ctor(ptdesc) ((void)0)
#define pagetable_p4d_ctor(ptdesc) ((void)0)
#define clear_page(page) memset((page), 0, PAGE_SIZE)
#define __pmd_populate(pmdp, phys, prot) KSHIM_AT(klm_table_install((uintptr_t)(pmdp), (phys)))
#define __pud_populate(pudp, phys, prot) KSHIM_AT(klm_table_install((uintptr_t)(pudp), (phys)))
/* The PGD and P4D are always there (p4d_none/pgd_none never hold). */
#define __p4d_populate(p4dp, phys, prot) WARN_ON(1)
#define __pgd_populate(pgdp, phys, prot) WARN_ON(1)
/* The fixmap slots map a table page the kernel is about to fill (its
 * address) or an installed table (the walk's pointer). */
#define pte_set_fixmap(phys) ((pte_t *)phys_to_virt(phys))
#define pmd_set_fixmap(phys) ((pmd_t *)phys_to_virt(phys))
#define pud_set_fixmap(phys) ((pud_t *)phys_to_virt(phys))
#define p4d_set_fixmap(phys) ((p4d_t *)phys_to_virt(phys))
#define pte_set_fixmap_offset(pmdp, addr) pte_offset_kernel((pmdp), (addr))
#define pmd_set_fixmap_offset(pudp, addr) pmd_offset((pudp), (addr))
#define pud_set_fixmap_offset(p4dp, addr) pud_offset((p4dp), (addr))
#define p4d_set_fixmap_offset(pgdp, addr) p4d_offset((pgdp), (addr))
#define pte_clear_fixmap() ((void)0)
#define pmd_clear_fixmap() ((void)0)
#define pud_clear_fixmap() ((void)0)
#define p4d_clear_fixmap() ((void)0)

bool pgattr_change_is_safe(pteval_t old, pteval_t new);
/* pmd_set_huge() / pud_set_huge() (arch/arm64/mm/mmu.c): a block entry of
 * phys with prot (a section: table bit clear), only where that is a safe
 * change of what the entry held; 0 refused. */
static inline int klm_set_huge(void *p, phys_addr_t phys, pgprot_t prot) {
  const u64 new_val = pte_val(
      pfn_pte(__phys_to_pfn(phys), __pgprot((pgprot_val(prot) & ~PMD_TYPE_MASK) | PMD_TYPE_SECT)));
  if (!pgattr_change_is_safe(klm_entry(p), new_val)) return 0;
  klm_set_entry(p, new_val);
  return 1;
}
#define pmd_set_huge(pmdp, phys, prot) KSHIM_AT(klm_set_huge((pmdp), (phys), (prot)))
#define pud_set_huge(pudp, phys, prot) KSHIM_AT(klm_set_huge((pudp), (phys), (prot)))

#endif /* PTEDIFF_KLM_TABLES_H_ */
