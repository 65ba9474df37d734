/* ptediff kernel shim: the arm64 arch layer the extracted kernel code is
 * written against, at any level.
 *
 * The descriptor bits and helpers of arch/arm64/include/asm/pgtable*.h, the
 * table walk (pgd/p4d/pud/pmd_offset, pte_offset_huge) over fake pointers
 * that carry the level (kshim/bridge.h), and the double-underscore entry
 * helpers (__ptep_get, __set_ptes, __ptep_get_and_clear, the cmpxchg loops,
 * __ptep_set_access_flags of arch/arm64/mm/fault.c, ...) written by us onto
 * the machine primitives: every access to an entry is one kshim_read/write/
 * xchg/cmpxchg, so the harness logs exactly what the kernel does to the
 * tables. Kernel code may call them with PMD and PUD pointers cast to
 * pte_t *, as in the kernel; the pointer's level routes them. Each helper
 * names the kernel function it stands for. The public API above them (the
 * CONFIG_ARM64_CONTPTE wrappers, or a stand-in for them) is the per-file
 * layer's.
 */
#ifndef PTEDIFF_KSHIM_PGTABLE_H_
#define PTEDIFF_KSHIM_PGTABLE_H_

#include "kshim/types.h"

/* pgtable-hwdef.h, pgtable-prot.h (the same from 6.9 on for the bits the
 * shim and the kernel files use; PTE_PRESENT_INVALID, nG, from 6.10). */
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
#define PMD_TYPE_SECT ((u64)1)
#define PUD_TYPE_SECT ((u64)1)

/* The output address, [49:PAGE_SHIFT]; with 52-bit PAs (the 64K granule of
 * ptediff, CONFIG_ARM64_PA_BITS_52) PA[51:48] sits in bits [15:12]. */
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
#define pte_special(pte) (!!(pte_val(pte) & PTE_SPECIAL))
#define pte_user_exec(pte) (!(pte_val(pte) & PTE_UXN))
#define pte_hw_dirty(pte) (pte_write(pte) && !pte_rdonly(pte))
#define pte_sw_dirty(pte) (!!(pte_val(pte) & PTE_DIRTY))
#define pte_dirty(pte) (pte_sw_dirty(pte) || pte_hw_dirty(pte))
#define pte_valid_cont(pte) (pte_valid(pte) && pte_cont(pte))
#define pte_same(a, b) (pte_val(a) == pte_val(b))
#define pte_present_invalid(pte) \
  ((pte_val(pte) & (PTE_VALID | PTE_PRESENT_INVALID)) == PTE_PRESENT_INVALID)
#define pte_present(pte) (pte_valid(pte) || pte_present_invalid(pte))
/* pte_accessible(): no mm of the machine has a TLB flush pending. */
#define pte_accessible(mm, pte) pte_valid(pte)

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
#define pte_mkhuge(pte) (__pte(pte_val(pte) & ~PTE_TABLE_BIT))
static inline pmd_t pmd_mkcont(pmd_t pmd) { return __pmd(pmd_val(pmd) | PMD_SECT_CONT); }
/* pmd_mkhuge() / pud_mkhuge(): a block descriptor; the VALID bit is kept
 * (a present-invalid entry stays one). */
static inline pmd_t pmd_mkhuge(pmd_t pmd) {
  return __pmd((pmd_val(pmd) & ~(PMD_TYPE_MASK & ~PTE_VALID)) | (PMD_TYPE_SECT & ~PTE_VALID));
}
static inline pud_t pud_mkhuge(pud_t pud) {
  return __pud((pud_val(pud) & ~(PUD_TYPE_MASK & ~PTE_VALID)) | (PUD_TYPE_SECT & ~PTE_VALID));
}

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
/* pte_cont_addr_end(): the end of addr's block, or end if that comes first. */
static inline unsigned long pte_cont_addr_end(unsigned long addr, unsigned long end) {
  const unsigned long boundary = (addr + CONT_PTE_SIZE) & CONT_PTE_MASK;
  return boundary - 1 < end - 1 ? boundary : end;
}

/* pud_sect_supported(): PUD blocks with 4K pages only. */
static inline bool pud_sect_supported(void) { return PAGE_SIZE == SZ_4K; }
/* The machine is no CPU with erratum 2645198. */
#define alternative_has_cap_unlikely(cap) false
#define ARM64_WORKAROUND_2645198 0
/* system_supports_bbml2_noabort() (asm/cpufeature.h; contpte_convert() reads
 * it from 6.17 on, "arm64/mm: Elide tlbi in contpte_convert() under BBML2"):
 * the CPU changes a block's size without break-before-make and without TLB
 * conflict aborts. The machine's PTEDIFF_FEAT_BBML2 says whether it does; a
 * feature bit, so no primitive is issued. */
static inline bool system_supports_bbml2_noabort(void) { return kshim_bbml2_noabort(); }
/* system_supports_bbml3(): the same capability under its later name ("As
 * bbml2_noabort is functionally equivalent to bbml3, rename
 * cpu/system_supports_bbml2_noabort to cpu/system_supports_bbml3"): FEAT_BBML3
 * guarantees the no-abort behaviour the kernel trusted BBML2 CPUs with. */
static inline bool system_supports_bbml3(void) { return kshim_bbml2_noabort(); }

/* ---- The table walk: fake pointers, the tables always there. ---- */

static inline pgd_t *pgd_offset(struct mm_struct *mm, unsigned long addr) {
  return (pgd_t *)kshim_ptr_encode(mm->slot, KSHIM_LEVEL_PGD, addr);
}
/* The P4D is folded into the PGD (48-bit VAs). */
static inline p4d_t *p4d_offset(pgd_t *pgdp, unsigned long addr) { return (p4d_t *)pgdp; }
static inline pud_t *pud_offset(p4d_t *p4dp, unsigned long addr) {
  return (pud_t *)kshim_ptr_encode(kshim_ptr_slot((uintptr_t)p4dp), 1, addr);
}
static inline pmd_t *pmd_offset(pud_t *pudp, unsigned long addr) {
  return (pmd_t *)kshim_ptr_encode(kshim_ptr_slot((uintptr_t)pudp), 2, addr);
}
static inline pte_t *pte_offset_huge(pmd_t *pmdp, unsigned long addr) {
  return (pte_t *)kshim_ptr_encode(kshim_ptr_slot((uintptr_t)pmdp), KSHIM_LEVEL_PTE, addr);
}

/* READ_ONCE(*p) of an entry of any level: one machine read; a PGD/P4D entry
 * reads as a table descriptor without one (the machine has no such level).
 * The shim's helpers use it as KSHIM_READ_ONCE; kernel code's READ_ONCE is
 * the same with its call site (kshim/sites.h). */
static inline pgd_t kshim_read_pgd(pgd_t *p) { return __pgd(PMD_TYPE_TABLE); }
static inline p4d_t kshim_read_p4d(p4d_t *p) { return __p4d(PMD_TYPE_TABLE); }
static inline pud_t kshim_read_pud(pud_t *p) { return __pud(kshim_read((uintptr_t)p)); }
static inline pmd_t kshim_read_pmd(pmd_t *p) { return __pmd(kshim_read((uintptr_t)p)); }
static inline pte_t kshim_read_pte(pte_t *p) { return __pte(kshim_read((uintptr_t)p)); }
/* clang-format off */
#define KSHIM_READ_ONCE(x)                                              \
  _Generic(&(x), pgd_t *: kshim_read_pgd, p4d_t *: kshim_read_p4d,      \
                 pud_t *: kshim_read_pud, pmd_t *: kshim_read_pmd,      \
                 pte_t *: kshim_read_pte)(&(x))
/* clang-format on */

#include "asm/tlbflush.h"

/* ---- Entry access (pgtable.h "Atomic pte/pmd modifications"). ---- */

/* __ptep_get(): READ_ONCE of the entry, one machine read. */
static inline pte_t __ptep_get(pte_t *ptep) { return KSHIM_READ_ONCE(*ptep); }

/* __set_pte(): WRITE_ONCE. Its dsb(ishst); isb() for valid kernel entries
 * orders the store before later walks; the machine's stores are visible at
 * once, so there is nothing to model. */
static inline void __set_pte(pte_t *ptep, pte_t pte) { kshim_write((uintptr_t)ptep, pte_val(pte)); }

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

/* __set_ptes_anysz() ("arm64/mm: Refactor __set_ptes() and
 * __ptep_get_and_clear()"): nr stores of entries of size pgsize, the pfn
 * advancing by pgsize per entry; pgsize PAGE_SIZE, PMD_SIZE or PUD_SIZE
 * (page_table_check's cases, else VM_WARN_ON). The barriers it hoists out of
 * the loop order stores the machine makes visible at once. */
static inline bool kshim_anysz_ok(unsigned long pgsize) {
  return pgsize == PAGE_SIZE || pgsize == PMD_SIZE || pgsize == PUD_SIZE;
}
static inline void __set_ptes_anysz(struct mm_struct *mm, unsigned long addr, pte_t *ptep,
                                    pte_t pte, unsigned int nr, unsigned long pgsize) {
  const unsigned long stride = pgsize >> PAGE_SHIFT;
  VM_WARN_ON(!kshim_anysz_ok(pgsize));
  for (;;) {
    __set_pte(ptep, pte);
    if (--nr == 0) break;
    ptep++;
    pte = pte_advance_pfn(pte, stride);
  }
}

static inline void __pte_clear(struct mm_struct *mm, unsigned long addr, pte_t *ptep) {
  __set_pte(ptep, __pte(0));
}

/* __ptep_get_and_clear(): xchg_relaxed(ptep, 0), one machine xchg. */
static inline pte_t __ptep_get_and_clear(struct mm_struct *mm, unsigned long addr, pte_t *ptep) {
  return __pte(kshim_xchg((uintptr_t)ptep, 0));
}
/* __ptep_get_and_clear_anysz(): the same xchg of an entry of size pgsize. */
static inline pte_t __ptep_get_and_clear_anysz(struct mm_struct *mm, unsigned long addr,
                                               pte_t *ptep, unsigned long pgsize) {
  const pte_t pte = __ptep_get_and_clear(mm, addr, ptep);
  VM_WARN_ON(!kshim_anysz_ok(pgsize));
  return pte;
}

/* try_cmpxchg(ptr, &old, new) on an entry (7.x's ptep_try_set() of kernel
 * mappings): one machine cmpxchg; on failure *old is the value found.
 * Kernel code's try_cmpxchg (kshim/sites.h). */
#define kshim_try_cmpxchg(ptr, oldp, new)                                          \
  ({                                                                               \
    const u64 kshim_tc_old = *(oldp);                                              \
    const u64 kshim_tc_got = kshim_cmpxchg((uintptr_t)(ptr), kshim_tc_old, (new)); \
    *(oldp) = kshim_tc_got;                                                        \
    kshim_tc_got == kshim_tc_old;                                                  \
  })
/* emit_pte_barriers(): dsb(ishst); isb(): stores are visible at once. */
static inline void emit_pte_barriers(void) {}

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
 * set only if both had it (the most permissive), atomically; when `dirty`,
 * invalidates the page, and 1. The tree's own form decides the invalidation:
 * flush_tlb_page() (broadcast, no level hint), or, with
 * __ptep_set_access_flags_anysz() (KSHIM_PTEP_SET_ACCESS_FLAGS_ANYSZ), a
 * local __flush_tlb_range() of the entry's pgsize at its level ("arm64,
 * tlbflush: don't TLBI broadcast if page reused in write fault";
 * TLBF_NOWALKCACHE | TLBF_NOBROADCAST with the TLBF_* rework). */
static inline pte_t kshim_access_fn(pte_t pte, pteval_t bits) {
  return __pte(((pte_val(pte) ^ PTE_RDONLY) | (bits ^ PTE_RDONLY)) ^ PTE_RDONLY);
}
static inline bool kshim_set_access_flags(pte_t *ptep, pte_t entry) {
  const pte_t pte = __ptep_get(ptep);
  if (pte_same(pte, entry)) return false;
  kshim_update(ptep, pte, kshim_access_fn,
               pte_val(entry) & (PTE_RDONLY | PTE_AF | PTE_WRITE | PTE_DIRTY));
  return true;
}
static inline int __ptep_set_access_flags_anysz(struct vm_area_struct *vma, unsigned long address,
                                                pte_t *ptep, pte_t entry, int dirty,
                                                unsigned long pgsize) {
  if (!kshim_set_access_flags(ptep, entry)) return 0;
  if (dirty) {
    int level = TLBI_TTL_UNKNOWN;
    if (pgsize == PAGE_SIZE) level = 3;
    else if (pgsize == PMD_SIZE) level = 2;
    else if (pgsize == PUD_SIZE) level = 1;
    else WARN_ON(1);
    kshim_tlbi_range(vma->vm_mm, address, address + pgsize, pgsize, true, level, true);
  }
  return 1;
}
static inline int __ptep_set_access_flags(struct vm_area_struct *vma, unsigned long address,
                                          pte_t *ptep, pte_t entry, int dirty) {
  if (KSHIM_PTEP_SET_ACCESS_FLAGS_ANYSZ)
    return __ptep_set_access_flags_anysz(vma, address, ptep, entry, dirty, PAGE_SIZE);
  if (!kshim_set_access_flags(ptep, entry)) return 0;
  if (dirty) flush_tlb_page(vma, address);
  return 1;
}

/* From here on, kernel code's calls of the helpers above name their call
 * site (the helpers' own calls among themselves, above, do not). */
#include "kshim/sites.h"

#endif /* PTEDIFF_KSHIM_PGTABLE_H_ */
