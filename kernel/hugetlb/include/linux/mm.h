/* ptediff kernel shim, hugetlbpage.c: <linux/mm.h>. The kernel types and the
 * arm64 arch layer (kernel/common: kshim/pgtable.h), a stand-in for the one
 * CONFIG_ARM64_CONTPTE wrapper hugetlbpage.c calls, core-mm's generic
 * helpers (kshim/generic.h), the table allocators of a machine whose tables
 * exist, and the split page-table lock pointers as machine lock handles. */
#ifndef PTEDIFF_KHS_LINUX_MM_H_
#define PTEDIFF_KHS_LINUX_MM_H_

#include "kshim/pgtable.h"

/* ptep_get_and_clear() (the CONFIG_ARM64_CONTPTE wrapper of 6.12): reads
 * the entry for contpte_try_unfold(), then __ptep_get_and_clear(). Its
 * callers here only pass entries without CONT; one with it is reported. A
 * stand-in: its primitives name the kernel line that called it
 * (kshim/bridge.h). */
static inline pte_t ptep_get_and_clear(struct mm_struct *mm, unsigned long addr, pte_t *ptep) {
  const pte_t pte = KSHIM_FALLBACK_AT((__ptep_get)(ptep));
  WARN_ON(pte_valid_cont(pte)); /* contpte unfold: not modelled here */
  return KSHIM_FALLBACK_AT((__ptep_get_and_clear)(mm, addr, ptep));
}
#define ptep_get_and_clear(...) KSHIM_AT(ptep_get_and_clear(__VA_ARGS__))

#include "kshim/generic.h"

/* p4d/pud/pmd_alloc(): the machine's tables are set up by the harness, so
 * allocation is the walk (only huge_pte_alloc() uses them; the harness never
 * calls it). */
#define p4d_alloc(mm, pgdp, addr) p4d_offset((pgdp), (addr))
#define pud_alloc(mm, p4dp, addr) pud_offset((p4dp), (addr))
#define pmd_alloc(mm, pudp, addr) pmd_offset((pudp), (addr))

/* pud_lockptr(): &mm->page_table_lock (6.12 has no split PUD locks). */
static inline spinlock_t *pud_lockptr(struct mm_struct *mm, pud_t *pud) {
  return (spinlock_t *)(uintptr_t)kshim_mm_lock(mm);
}
/* pmd_lockptr(): ptlock_ptr(pmd_ptdesc(pmd)), the split lock of the PMD
 * table's page (USE_SPLIT_PMD_PTLOCKS: arm64 with 3 or 4 levels). */
static inline spinlock_t *pmd_lockptr(struct mm_struct *mm, pmd_t *pmd) {
  return (spinlock_t *)(uintptr_t)kshim_ptlock_of((uintptr_t)pmd);
}
/* ptep_lockptr(): ptlock_ptr(virt_to_ptdesc(pte)), the PTE table's lock. */
static inline spinlock_t *ptep_lockptr(struct mm_struct *mm, pte_t *pte) {
  return (spinlock_t *)(uintptr_t)kshim_ptlock_of((uintptr_t)pte);
}

#endif /* PTEDIFF_KHS_LINUX_MM_H_ */
