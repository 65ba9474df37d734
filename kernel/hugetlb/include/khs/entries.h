/* ptediff kernel shim, hugetlbpage.c: the hugetlb API of the kernel world
 * (shim/entry.c), one entry per row of include/ptediff/hugetlb_api.def,
 * called by the ptediff world (shim/backend.c). Plain C types only, as
 * kshim/bridge.h: entries travel as 64-bit values and the kernel's ptep as
 * (addr, level). The kernel world is compiled once per granule (its geometry
 * is compile-time, as in the kernel): one table each,
 * khs_entries_<PAGE_SHIFT>.
 */
#ifndef PTEDIFF_KHS_ENTRIES_H_
#define PTEDIFF_KHS_ENTRIES_H_

#include "kshim/bridge.h"

struct khs_entries {
  int (*huge_pte_offset)(struct mm_struct *mm, unsigned long addr, unsigned long sz);
  uint64_t (*arch_make_huge_pte)(uint64_t entry, unsigned long sz);
  void (*set_huge_pte_at)(struct mm_struct *mm, unsigned long addr, int level, uint64_t pte,
                          unsigned long sz);
  uint64_t (*huge_ptep_get)(struct mm_struct *mm, unsigned long addr, int level);
  uint64_t (*huge_ptep_get_and_clear)(struct mm_struct *mm, unsigned long addr, int level,
                                      unsigned long sz);
  uint64_t (*huge_ptep_clear_flush)(struct mm_struct *mm, unsigned long addr, int level);
  int (*huge_ptep_set_access_flags)(struct mm_struct *mm, unsigned long addr, int level,
                                    uint64_t pte, int dirty);
  void (*huge_ptep_set_wrprotect)(struct mm_struct *mm, unsigned long addr, int level);
  void (*huge_pte_clear)(struct mm_struct *mm, unsigned long addr, int level, unsigned long sz);
  uint64_t (*huge_ptep_modify_prot_start)(struct mm_struct *mm, unsigned long addr, int level,
                                          unsigned long sz);
  void (*huge_ptep_modify_prot_commit)(struct mm_struct *mm, unsigned long addr, int level,
                                       uint64_t old_pte, uint64_t pte, unsigned long sz);
  void (*flush_hugetlb_tlb_range)(struct mm_struct *mm, unsigned long start, unsigned long end,
                                  unsigned long sz);
  uint64_t (*huge_pte_lockptr)(struct mm_struct *mm, unsigned long addr, int level,
                               unsigned long sz);
};
extern const struct khs_entries khs_entries_12, khs_entries_14, khs_entries_16;

#endif /* PTEDIFF_KHS_ENTRIES_H_ */
