/* ptediff kernel shim: the arm64 arch layer contpte.c is written against.
 *
 * The double-underscore entry helpers of arch/arm64/include/asm/pgtable.h
 * (__ptep_get, __set_ptes, __ptep_get_and_clear, the cmpxchg loops, ...),
 * __ptep_set_access_flags of arch/arm64/mm/fault.c and the pte_* bit helpers,
 * written by us onto the machine primitives: every access to an entry is one
 * kshim_read/write/xchg/cmpxchg, so the harness logs exactly what the kernel
 * does to the tables. Each function names the kernel function it stands for.
 * After the arch layer comes the extracted CONFIG_ARM64_CONTPTE wrapper
 * block (contpte_wrappers.h, cut verbatim from the tree by kernel/extract.sh).
 */
#ifndef PTEDIFF_KSHIM_ARCH_H_
#define PTEDIFF_KSHIM_ARCH_H_

#include "kshim/types.h"

/* arch/arm64/include/asm/pgtable-hwdef.h, pgtable-prot.h (the same from
 * 6.9 on for the bits the shim and contpte.c use). */
#define PTE_VALID ((pteval_t)1 << 0)
#define PTE_TYPE_PAGE ((pteval_t)3 << 0)
#define PTE_USER ((pteval_t)1 << 6)
#define PTE_RDONLY ((pteval_t)1 << 7)
#define PTE_AF ((pteval_t)1 << 10)
#define PTE_NG ((pteval_t)1 << 11)
#define PTE_DBM ((pteval_t)1 << 51)
#define PTE_CONT ((pteval_t)1 << 52)
#define PTE_UXN ((pteval_t)1 << 54)
#define PTE_WRITE PTE_DBM
#define PTE_DIRTY ((pteval_t)1 << 55)
#define PTE_SPECIAL ((pteval_t)1 << 56)
#define KSHIM_PA52 (kshim_geo.pa_bits == 52)
#include "kshim_pte_addr.h"

/* Predicates (pgtable.h): only meaningful on present entries. */
#define pte_special(pte) (!!(pte_val(pte) & PTE_SPECIAL))

/* pgtable.h's modifiers, each a set/clear of bits on the value. */
static inline pte_t kshim_pte_bits(pte_t pte, pteval_t set, pteval_t clear) {
  return __pte((pte_val(pte) & ~clear) | set);
}
static inline pte_t pte_mkold(pte_t pte) { return kshim_pte_bits(pte, 0, PTE_AF); }
static inline pte_t pte_mkyoung(pte_t pte) { return kshim_pte_bits(pte, PTE_AF, 0); }
static inline pte_t pte_mkclean(pte_t pte) { return kshim_pte_bits(pte, PTE_RDONLY, PTE_DIRTY); }
static inline pte_t pte_mkdirty(pte_t pte) {
  pte = kshim_pte_bits(pte, PTE_DIRTY, 0);
  return pte_write(pte) ? kshim_pte_bits(pte, 0, PTE_RDONLY) : pte;
}
/* pte_wrprotect(): a hardware-dirty entry keeps its dirt in PTE_DIRTY. */
static inline pte_t pte_wrprotect(pte_t pte) {
  if (pte_hw_dirty(pte)) pte = kshim_pte_bits(pte, PTE_DIRTY, 0);
  return kshim_pte_bits(pte, PTE_RDONLY, PTE_WRITE);
}
static inline pte_t pte_mkcont(pte_t pte) {
  return kshim_pte_bits(pte, PTE_CONT | PTE_TYPE_PAGE, 0);
}
static inline pte_t pte_mknoncont(pte_t pte) { return kshim_pte_bits(pte, 0, PTE_CONT); }

/* pte_pgprot(): every bit but the output address (the kernel XORs the
 * address back out; masking it is the same for any value). */
static inline pgprot_t pte_pgprot(pte_t pte) {
  return __pgprot(pte_val(pte) ^ pte_val(pfn_pte(pte_pfn(pte), __pgprot(0))));
}
static inline pte_t pte_advance_pfn(pte_t pte, unsigned long nr) {
  return pfn_pte(pte_pfn(pte) + nr, pte_pgprot(pte));
}
/* pte_next_pfn(): 6.9's name for pte_advance_pfn(pte, 1) (renamed in 6.10 by
 * "arm64/mm: Convert pte_next_pfn() to pte_advance_pfn()"). */
static inline pte_t pte_next_pfn(pte_t pte) { return pte_advance_pfn(pte, 1); }

/* system_supports_bbml2_noabort() (asm/cpufeature.h; contpte_convert() reads
 * it from 6.17 on, "arm64/mm: Elide tlbi in contpte_convert() under BBML2"):
 * the CPU changes a block's size without break-before-make and without TLB
 * conflict aborts. The machine's PTEDIFF_FEAT_BBML2 says whether it does; a
 * feature bit, so no primitive is issued. */
static inline bool system_supports_bbml2_noabort(void) { return kshim_bbml2_noabort(); }
/* pte_cont_addr_end(): the end of addr's block, or end if that comes first. */
static inline unsigned long pte_cont_addr_end(unsigned long addr, unsigned long end) {
  const unsigned long boundary = (addr + CONT_PTE_SIZE) & CONT_PTE_MASK;
  return boundary - 1 < end - 1 ? boundary : end;
}

#include "asm/tlbflush.h"

/* ---- Entry access (pgtable.h "Atomic pte/pmd modifications"). ---- */

/* __ptep_get(): READ_ONCE of the entry, one machine read. */
static inline pte_t __ptep_get(pte_t *ptep) { return __pte(kshim_read((uintptr_t)ptep)); }

/* __set_pte(): WRITE_ONCE. Its dsb(ishst); isb() for valid kernel entries
 * orders the store before later walks; the machine's stores are visible at
 * once, so there is nothing to model. */
static inline void __set_pte(pte_t *ptep, pte_t pte) { kshim_write((uintptr_t)ptep, pte_val(pte)); }

/* __set_ptes(): nr stores, the pfn advancing by one per entry. The cache and
 * MTE-tag maintenance and page_table_check hooks do not touch the tables. */
static inline void __set_ptes(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t pte,
                              unsigned int nr) {
  for (unsigned int i = 0; i < nr; i++, ptep++, pte = pte_advance_pfn(pte, 1)) __set_pte(ptep, pte);
}

static inline void __pte_clear(struct mm_struct *mm, unsigned long addr, pte_t *ptep) {
  __set_pte(ptep, __pte(0));
}

/* __ptep_get_and_clear(): xchg_relaxed(ptep, 0), one machine xchg. */
static inline pte_t __ptep_get_and_clear(struct mm_struct *mm, unsigned long addr, pte_t *ptep) {
  return __pte(kshim_xchg((uintptr_t)ptep, 0));
}

/* The cmpxchg_relaxed loop every atomic update of arm64 uses: starting from
 * `pte` (the caller's read), installs fn(old, arg) until the entry still held
 * `old`; returns that replaced value. One machine cmpxchg per attempt. */
static inline pte_t kshim_update(pte_t *ptep, pte_t pte, pte_t (*fn)(pte_t, pteval_t),
                                 pteval_t arg) {
  for (;;) {
    const pte_t old = pte;
    pte = __pte(kshim_cmpxchg((uintptr_t)ptep, pte_val(old), pte_val(fn(old, arg))));
    if (pte_same(pte, old)) return old;
  }
}
static inline pte_t kshim_mkold_fn(pte_t pte, pteval_t arg) { return pte_mkold(pte); }
static inline pte_t kshim_wrprotect_fn(pte_t pte, pteval_t arg) { return pte_wrprotect(pte); }

/* __ptep_test_and_clear_young(): clears AF atomically; was it set? */
static inline int __ptep_test_and_clear_young(struct vm_area_struct *vma, unsigned long address,
                                              pte_t *ptep) {
  return pte_young(kshim_update(ptep, __ptep_get(ptep), kshim_mkold_fn, 0));
}

/* __ptep_clear_flush_young(): ... and invalidates the page without the
 * trailing DSB when it was young. */
static inline int __ptep_clear_flush_young(struct vm_area_struct *vma, unsigned long address,
                                           pte_t *ptep) {
  const int young = __ptep_test_and_clear_young(vma, address, ptep);
  if (young) flush_tlb_page_nosync(vma, address);
  return young;
}

/* ___ptep_set_wrprotect(): write-protects atomically from the value `pte`
 * the caller read. __ptep_set_wrprotect() reads it first. */
static inline void ___ptep_set_wrprotect(struct mm_struct *mm, unsigned long address, pte_t *ptep,
                                         pte_t pte) {
  kshim_update(ptep, pte, kshim_wrprotect_fn, 0);
}
static inline void __ptep_set_wrprotect(struct mm_struct *mm, unsigned long address, pte_t *ptep) {
  ___ptep_set_wrprotect(mm, address, ptep, __ptep_get(ptep));
}
static inline void __wrprotect_ptes(struct mm_struct *mm, unsigned long address, pte_t *ptep,
                                    unsigned int nr) {
  for (unsigned int i = 0; i < nr; i++, address += PAGE_SIZE, ptep++)
    __ptep_set_wrprotect(mm, address, ptep);
}

/* __clear_full_ptes(): nr xchg's, values dropped. */
static inline void __clear_full_ptes(struct mm_struct *mm, unsigned long addr, pte_t *ptep,
                                     unsigned int nr, int full) {
  for (unsigned int i = 0; i < nr; i++, addr += PAGE_SIZE, ptep++)
    __ptep_get_and_clear(mm, addr, ptep);
}

/* __get_and_clear_full_ptes(): the first entry, with the young and dirty
 * state of the other nr - 1 cleared entries ORed in. */
static inline pte_t __get_and_clear_full_ptes(struct mm_struct *mm, unsigned long addr, pte_t *ptep,
                                              unsigned int nr, int full) {
  pte_t pte = __ptep_get_and_clear(mm, addr, ptep);
  for (unsigned int i = 1; i < nr; i++) {
    const pte_t other = __ptep_get_and_clear(mm, addr + i * PAGE_SIZE, ptep + i);
    if (pte_dirty(other)) pte = pte_mkdirty(pte);
    if (pte_young(other)) pte = pte_mkyoung(pte);
  }
  return pte;
}

/* __clear_young_dirty_pte(s)(): both flags take a plain store of the value
 * read (old and clean); one flag takes the cmpxchg loop. */
static inline pte_t kshim_cyd_fn(pte_t pte, pteval_t flags) {
  if (flags & CYDP_CLEAR_YOUNG) pte = pte_mkold(pte);
  if (flags & CYDP_CLEAR_DIRTY) pte = pte_mkclean(pte);
  return pte;
}
static inline void __clear_young_dirty_ptes(struct vm_area_struct *vma, unsigned long addr,
                                            pte_t *ptep, unsigned int nr, cydp_t flags) {
  for (unsigned int i = 0; i < nr; i++, ptep++) {
    const pte_t pte = __ptep_get(ptep);
    if (flags == (CYDP_CLEAR_YOUNG | CYDP_CLEAR_DIRTY))
      __set_pte(ptep, kshim_cyd_fn(pte, flags));
    else
      kshim_update(ptep, pte, kshim_cyd_fn, flags);
  }
}

/* __ptep_set_access_flags() (arch/arm64/mm/fault.c): 0 if the entry already
 * equals entry; else merges entry's AF, DIRTY and WRITE in and leaves RDONLY
 * set only if both had it (the most permissive), atomically; invalidates the
 * page (synced) when `dirty`; 1. */
static inline pte_t kshim_access_fn(pte_t pte, pteval_t bits) {
  return __pte(((pte_val(pte) ^ PTE_RDONLY) | (bits ^ PTE_RDONLY)) ^ PTE_RDONLY);
}
static inline int __ptep_set_access_flags(struct vm_area_struct *vma, unsigned long address,
                                          pte_t *ptep, pte_t entry, int dirty) {
  const pte_t pte = __ptep_get(ptep);
  if (pte_same(pte, entry)) return 0;
  kshim_update(ptep, pte, kshim_access_fn,
               pte_val(entry) & (PTE_RDONLY | PTE_AF | PTE_WRITE | PTE_DIRTY));
  if (dirty) flush_tlb_page(vma, address);
  return 1;
}

/* The public API: the extracted CONFIG_ARM64_CONTPTE block of the tree. */
#include "contpte_wrappers.h"

#endif /* PTEDIFF_KSHIM_ARCH_H_ */
