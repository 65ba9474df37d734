/* ptediff kernel shim, contpte.c: the page-table API of the kernel world
 * (shim/entry.c), one function per backend entry of
 * include/ptediff/backend.h, called by the ptediff world (shim/backend.c).
 * Plain C types only, as kshim/bridge.h: entries travel as 64-bit values.
 */
#ifndef PTEDIFF_KSHIM_ENTRIES_H_
#define PTEDIFF_KSHIM_ENTRIES_H_

#include "kshim/bridge.h"

uint64_t kentry_ptep_get(struct mm_struct *mm, unsigned long addr);
uint64_t kentry_ptep_get_lockless(struct mm_struct *mm, unsigned long addr);
void kentry_set_ptes(struct mm_struct *mm, unsigned long addr, uint64_t pte, unsigned int nr);
void kentry_pte_clear(struct mm_struct *mm, unsigned long addr);
uint64_t kentry_ptep_get_and_clear(struct mm_struct *mm, unsigned long addr);
uint64_t kentry_ptep_clear_flush(struct mm_struct *mm, unsigned long addr);
int kentry_ptep_test_and_clear_young(struct mm_struct *mm, unsigned long addr);
int kentry_ptep_clear_flush_young(struct mm_struct *mm, unsigned long addr);
void kentry_ptep_set_wrprotect(struct mm_struct *mm, unsigned long addr);
void kentry_wrprotect_ptes(struct mm_struct *mm, unsigned long addr, unsigned int nr);
int kentry_ptep_set_access_flags(struct mm_struct *mm, unsigned long addr, uint64_t entry,
                                 int dirty);
void kentry_clear_full_ptes(struct mm_struct *mm, unsigned long addr, unsigned int nr, int full);
uint64_t kentry_get_and_clear_full_ptes(struct mm_struct *mm, unsigned long addr, unsigned int nr,
                                        int full);
void kentry_clear_young_dirty_ptes(struct mm_struct *mm, unsigned long addr, unsigned int nr,
                                   unsigned int flags);
uint64_t kentry_ptep_modify_prot_start(struct mm_struct *mm, unsigned long addr);
void kentry_ptep_modify_prot_commit(struct mm_struct *mm, unsigned long addr, uint64_t old_pte,
                                    uint64_t pte);
unsigned int kentry_pte_batch_hint(struct mm_struct *mm, unsigned long addr, uint64_t pte);

#endif /* PTEDIFF_KSHIM_ENTRIES_H_ */
