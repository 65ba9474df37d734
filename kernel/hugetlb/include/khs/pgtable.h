/* ptediff kernel hugetlb shim: the arm64 arch layer hugetlbpage.c is
 * written against, at any level.
 *
 * The descriptor bits and helpers of arch/arm64/include/asm/pgtable*.h (6.12),
 * the table walk (pgd/p4d/pud/pmd_offset, pte_offset_huge) over fake
 * pointers that carry the level (khs/bridge.h), and the single-entry helpers
 * (__ptep_get, __set_ptes, __ptep_get_and_clear, __pte_clear,
 * __ptep_set_wrprotect, __ptep_set_access_flags of arch/arm64/mm/fault.c,
 * ptep_clear_flush of mm/pgtable-generic.c) written by us onto the machine's
 * level primitives: every access to an entry is one khs_read/write/xchg/
 * cmpxchg, so the harness logs exactly what the kernel does to the tables.
 * hugetlbpage.c calls them with PMD and PUD pointers cast to pte_t *, as in
 * the kernel; the pointer's level routes them. Each helper names the kernel
 * function it stands for.
 */
#ifndef PTEDIFF_KHS_PGTABLE_H_
#define PTEDIFF_KHS_PGTABLE_H_

#include "khs/types.h"

/* pgtable-hwdef.h, pgtable-prot.h (6.10 on: PTE_PRESENT_INVALID is nG). */
#define PTE_VALID ((pteval_t)1 << 0)
#define PTE_TABLE_BIT ((pteval_t)1 << 1)
#define PTE_TYPE_PAGE ((pteval_t)3 << 0)
#define PTE_USER ((pteval_t)1 << 6)
#define PTE_RDONLY ((pteval_t)1 << 7)
#define PTE_AF ((pteval_t)1 << 10)
#define PTE_NG ((pteval_t)1 << 11)
#define PTE_PRESENT_INVALID PTE_NG
#define PTE_DBM ((pteval_t)1 << 51)
#define PTE_CONT ((pteval_t)1 << 52)
#define PTE_UXN ((pteval_t)1 << 54)
#define PTE_WRITE PTE_DBM
#define PTE_DIRTY ((pteval_t)1 << 55)
#define PTE_SPECIAL ((pteval_t)1 << 56)
#define PMD_TYPE_MASK ((u64)3)
#define PMD_TYPE_TABLE ((u64)3)
#define PUD_TYPE_MASK ((u64)3)
#define PUD_TYPE_TABLE ((u64)3)
#define PMD_SECT_CONT ((u64)1 << 52)
#define KSHIM_PA52 (KHS_PA_BITS == 52)
#include "kshim_pte_addr.h"

/* Predicates (pgtable.h). */
#define pte_present_invalid(pte) \
  ((pte_val(pte) & (PTE_VALID | PTE_PRESENT_INVALID)) == PTE_PRESENT_INVALID)
#define pte_present(pte) (pte_valid(pte) || pte_present_invalid(pte))

#define pmd_none(pmd) (!pmd_val(pmd))
#define pmd_table(pmd) ((pmd_val(pmd) & PMD_TYPE_MASK) == PMD_TYPE_TABLE)
#define pmd_present(pmd) pte_present(pmd_pte(pmd))
#define pmd_leaf(pmd) (pmd_present(pmd) && !pmd_table(pmd))
#define pud_none(pud) (!pud_val(pud))
#define pud_table(pud) ((pud_val(pud) & PUD_TYPE_MASK) == PUD_TYPE_TABLE)
#define pud_present(pud) pte_present(pud_pte(pud))
#define pud_leaf(pud) (pud_present(pud) && !pud_table(pud))
/* The levels above the PUD are no machine entries: always a table. */
#define p4d_present(p4d) (!!p4d_val(p4d))
#define pgd_present(pgd) (!!pgd_val(pgd))

/* Modifiers, each a set/clear of bits on the value. */
static inline pte_t khs_pte_bits(pte_t pte, pteval_t set, pteval_t clear) {
  return __pte((pte_val(pte) & ~clear) | set);
}
static inline pte_t pte_mkold(pte_t pte) { return khs_pte_bits(pte, 0, PTE_AF); }
static inline pte_t pte_mkyoung(pte_t pte) { return khs_pte_bits(pte, PTE_AF, 0); }
static inline pte_t pte_mkdirty(pte_t pte) {
  pte = khs_pte_bits(pte, PTE_DIRTY, 0);
  return pte_write(pte) ? khs_pte_bits(pte, 0, PTE_RDONLY) : pte;
}
/* pte_wrprotect(): a hardware-dirty entry keeps its dirt in PTE_DIRTY. */
static inline pte_t pte_wrprotect(pte_t pte) {
  if (pte_hw_dirty(pte)) pte = khs_pte_bits(pte, PTE_DIRTY, 0);
  return khs_pte_bits(pte, PTE_RDONLY, PTE_WRITE);
}
static inline pte_t pte_mkcont(pte_t pte) { return khs_pte_bits(pte, PTE_CONT | PTE_TYPE_PAGE, 0); }
#define pte_mkhuge(pte) (__pte(pte_val(pte) & ~PTE_TABLE_BIT))
static inline pmd_t pmd_mkcont(pmd_t pmd) { return __pmd(pmd_val(pmd) | PMD_SECT_CONT); }
/* pte_pgprot(): every bit but the output address. */
static inline pgprot_t pte_pgprot(pte_t pte) {
  return __pgprot(pte_val(pte) ^ pte_val(pfn_pte(pte_pfn(pte), __pgprot(0))));
}
static inline pte_t pte_advance_pfn(pte_t pte, unsigned long nr) {
  return pfn_pte(pte_pfn(pte) + nr, pte_pgprot(pte));
}

/* pud_sect_supported(): PUD blocks with 4K pages only. */
static inline bool pud_sect_supported(void) { return PAGE_SIZE == SZ_4K; }
/* The machine is no CPU with erratum 2645198. */
#define alternative_has_cap_unlikely(cap) false
#define ARM64_WORKAROUND_2645198 0

/* ---- The table walk: fake pointers, the tables always there. ---- */

static inline pgd_t *pgd_offset(struct mm_struct *mm, unsigned long addr) {
  return (pgd_t *)khs_ptr_encode(mm->slot, KHS_LEVEL_PGD, addr);
}
/* The P4D is folded into the PGD (48-bit VAs). */
static inline p4d_t *p4d_offset(pgd_t *pgdp, unsigned long addr) { return (p4d_t *)pgdp; }
static inline pud_t *pud_offset(p4d_t *p4dp, unsigned long addr) {
  return (pud_t *)khs_ptr_encode(khs_ptr_slot((uintptr_t)p4dp), 1, addr);
}
static inline pmd_t *pmd_offset(pud_t *pudp, unsigned long addr) {
  return (pmd_t *)khs_ptr_encode(khs_ptr_slot((uintptr_t)pudp), 2, addr);
}
static inline pte_t *pte_offset_huge(pmd_t *pmdp, unsigned long addr) {
  return (pte_t *)khs_ptr_encode(khs_ptr_slot((uintptr_t)pmdp), 3, addr);
}

/* READ_ONCE(*p) of an entry of any level: one machine read; a PGD/P4D entry
 * reads as a table descriptor without one (the machine has no such level). */
static inline pgd_t khs_read_pgd(pgd_t *p) { return __pgd(PMD_TYPE_TABLE); }
static inline p4d_t khs_read_p4d(p4d_t *p) { return __p4d(PMD_TYPE_TABLE); }
static inline pud_t khs_read_pud(pud_t *p) { return __pud(khs_read((uintptr_t)p)); }
static inline pmd_t khs_read_pmd(pmd_t *p) { return __pmd(khs_read((uintptr_t)p)); }
static inline pte_t khs_read_pte(pte_t *p) { return __pte(khs_read((uintptr_t)p)); }
/* clang-format off */
#define READ_ONCE(x)                                                   \
  _Generic(&(x), pgd_t *: khs_read_pgd, p4d_t *: khs_read_p4d,       \
                 pud_t *: khs_read_pud, pmd_t *: khs_read_pmd,       \
                 pte_t *: khs_read_pte)(&(x))
/* clang-format on */

#include "asm/tlbflush.h"

/* ---- Entry access (pgtable.h "Atomic pte/pmd modifications"). ---- */

static inline pte_t __ptep_get(pte_t *ptep) { return READ_ONCE(*ptep); }

/* __set_pte(): WRITE_ONCE; its dsb(ishst); isb() for valid kernel entries
 * orders the store before later walks, which the machine's stores need not. */
static inline void __set_pte(pte_t *ptep, pte_t pte) { khs_write((uintptr_t)ptep, pte_val(pte)); }

/* __set_ptes(): nr stores, the pfn advancing by one per entry. The cache and
 * MTE-tag maintenance and page_table_check hooks do not touch the tables. */
static inline void __set_ptes(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t pte,
                              unsigned int nr) {
  for (;;) {
    __set_pte(ptep, pte);
    if (--nr == 0) break;
    ptep++;
    pte = pte_advance_pfn(pte, 1);
  }
}

static inline void __pte_clear(struct mm_struct *mm, unsigned long addr, pte_t *ptep) {
  __set_pte(ptep, __pte(0));
}

/* __ptep_get_and_clear(): xchg_relaxed(ptep, 0). */
static inline pte_t __ptep_get_and_clear(struct mm_struct *mm, unsigned long addr, pte_t *ptep) {
  return __pte(khs_xchg((uintptr_t)ptep, 0));
}

/* The cmpxchg_relaxed loop of arm64's atomic updates: from `pte` (the
 * caller's read), installs fn(old, arg) until the entry still held old. */
static inline pte_t khs_update(pte_t *ptep, pte_t pte, pte_t (*fn)(pte_t, pteval_t), pteval_t arg) {
  for (;;) {
    const pte_t old = pte;
    pte = __pte(khs_cmpxchg((uintptr_t)ptep, pte_val(old), pte_val(fn(old, arg))));
    if (pte_same(pte, old)) return old;
  }
}
static inline pte_t khs_wrprotect_fn(pte_t pte, pteval_t arg) { return pte_wrprotect(pte); }

/* __ptep_set_wrprotect(): read, then the cmpxchg loop of pte_wrprotect. */
static inline void __ptep_set_wrprotect(struct mm_struct *mm, unsigned long address, pte_t *ptep) {
  khs_update(ptep, __ptep_get(ptep), khs_wrprotect_fn, 0);
}

/* __ptep_set_access_flags() (arch/arm64/mm/fault.c): 0 if the entry already
 * equals entry; else merges entry's AF, DIRTY and WRITE in, RDONLY to the
 * most permissive of the two, atomically; flush_tlb_page() when dirty; 1. */
static inline pte_t khs_access_fn(pte_t pte, pteval_t bits) {
  return __pte(((pte_val(pte) ^ PTE_RDONLY) | (bits ^ PTE_RDONLY)) ^ PTE_RDONLY);
}
static inline int __ptep_set_access_flags(struct vm_area_struct *vma, unsigned long address,
                                          pte_t *ptep, pte_t entry, int dirty) {
  const pte_t pte = __ptep_get(ptep);
  if (pte_same(pte, entry)) return 0;
  khs_update(ptep, pte, khs_access_fn,
             pte_val(entry) & (PTE_RDONLY | PTE_AF | PTE_WRITE | PTE_DIRTY));
  if (dirty) flush_tlb_page(vma, address);
  return 1;
}

/* ptep_get_and_clear() (the CONFIG_ARM64_CONTPTE wrapper of 6.12): reads
 * the entry for contpte_try_unfold(), then __ptep_get_and_clear(). Its
 * callers here only pass entries without CONT; one with it is reported. */
static inline pte_t ptep_get_and_clear(struct mm_struct *mm, unsigned long addr, pte_t *ptep) {
  const pte_t pte = __ptep_get(ptep);
  WARN_ON(pte_valid_cont(pte)); /* contpte unfold: not modelled here */
  return __ptep_get_and_clear(mm, addr, ptep);
}

/* ptep_clear_flush() (mm/pgtable-generic.c; arm64 has no override). */
static inline pte_t ptep_clear_flush(struct vm_area_struct *vma, unsigned long address,
                                     pte_t *ptep) {
  struct mm_struct *mm = vma->vm_mm;
  const pte_t pte = ptep_get_and_clear(mm, address, ptep);
  if (pte_accessible(mm, pte)) flush_tlb_page(vma, address);
  return pte;
}

#endif /* PTEDIFF_KHS_PGTABLE_H_ */
