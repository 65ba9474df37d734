/* ptediff kernel shim, contpte.c: the kernel world's side of the backend
 * table (kshim/entries.h).
 *
 * One function per backend entry: it names the entry by its fake table
 * pointer and calls the public arm64 API (the extracted CONFIG_ARM64_CONTPTE
 * wrappers), or composes it from that API exactly as the tree does for the
 * calls arm64 leaves to core code: ptep_clear_flush (mm/pgtable-generic.c,
 * kshim/generic.h), ptep_modify_prot_start/commit (arch/arm64/mm/mmu.c),
 * set_pte_at (include/linux/pgtable.h) and the batch helpers a tree's block
 * may lack (kshim/batch.h). The vma core-mm would pass is
 * {mm, 0}.
 */
#include <linux/mm.h>

#include "kshim/entries.h"

static pte_t *ptep_of(struct mm_struct *mm, unsigned long addr) {
  return (pte_t *)kshim_ptr_encode(mm->slot, KSHIM_LEVEL_PTE, addr);
}

uint64_t kentry_ptep_get(struct mm_struct *mm, unsigned long addr) {
  return pte_val(ptep_get(ptep_of(mm, addr)));
}

uint64_t kentry_ptep_get_lockless(struct mm_struct *mm, unsigned long addr) {
  return pte_val(ptep_get_lockless(ptep_of(mm, addr)));
}

void kentry_set_ptes(struct mm_struct *mm, unsigned long addr, uint64_t pte, unsigned int nr) {
  set_ptes(mm, addr, ptep_of(mm, addr), __pte(pte), nr);
}

void kentry_pte_clear(struct mm_struct *mm, unsigned long addr) {
  pte_clear(mm, addr, ptep_of(mm, addr));
}

uint64_t kentry_ptep_get_and_clear(struct mm_struct *mm, unsigned long addr) {
  return pte_val(ptep_get_and_clear(mm, addr, ptep_of(mm, addr)));
}

/* Generic ptep_clear_flush() (arm64 has no override); called as a function,
 * so that its primitives name its own lines, not this one. */
uint64_t kentry_ptep_clear_flush(struct mm_struct *mm, unsigned long addr) {
  struct vm_area_struct vma = TLB_FLUSH_VMA(mm, 0);
  return pte_val((ptep_clear_flush)(&vma, addr, ptep_of(mm, addr)));
}

int kentry_ptep_test_and_clear_young(struct mm_struct *mm, unsigned long addr) {
  struct vm_area_struct vma = TLB_FLUSH_VMA(mm, 0);
  return ptep_test_and_clear_young(&vma, addr, ptep_of(mm, addr));
}

int kentry_ptep_clear_flush_young(struct mm_struct *mm, unsigned long addr) {
  struct vm_area_struct vma = TLB_FLUSH_VMA(mm, 0);
  return ptep_clear_flush_young(&vma, addr, ptep_of(mm, addr));
}

void kentry_ptep_set_wrprotect(struct mm_struct *mm, unsigned long addr) {
  ptep_set_wrprotect(mm, addr, ptep_of(mm, addr));
}

void kentry_wrprotect_ptes(struct mm_struct *mm, unsigned long addr, unsigned int nr) {
  wrprotect_ptes(mm, addr, ptep_of(mm, addr), nr);
}

int kentry_ptep_set_access_flags(struct mm_struct *mm, unsigned long addr, uint64_t entry,
                                 int dirty) {
  struct vm_area_struct vma = TLB_FLUSH_VMA(mm, 0);
  return ptep_set_access_flags(&vma, addr, ptep_of(mm, addr), __pte(entry), dirty);
}

void kentry_clear_full_ptes(struct mm_struct *mm, unsigned long addr, unsigned int nr, int full) {
  clear_full_ptes(mm, addr, ptep_of(mm, addr), nr, full);
}

uint64_t kentry_get_and_clear_full_ptes(struct mm_struct *mm, unsigned long addr, unsigned int nr,
                                        int full) {
  return pte_val(get_and_clear_full_ptes(mm, addr, ptep_of(mm, addr), nr, full));
}

void kentry_clear_young_dirty_ptes(struct mm_struct *mm, unsigned long addr, unsigned int nr,
                                   unsigned int flags) {
  struct vm_area_struct vma = TLB_FLUSH_VMA(mm, 0);
  clear_young_dirty_ptes(&vma, addr, ptep_of(mm, addr), nr, (cydp_t)flags);
}

/* arm64's ptep_modify_prot_start(): ptep_get_and_clear (the erratum 2645198
 * branch, ptep_clear_flush of executable entries, needs an affected CPU; the
 * machine is not one). */
uint64_t kentry_ptep_modify_prot_start(struct mm_struct *mm, unsigned long addr) {
  return pte_val(ptep_get_and_clear(mm, addr, ptep_of(mm, addr)));
}

/* arm64's ptep_modify_prot_commit(): set_pte_at(), i.e. set_ptes(nr = 1). */
void kentry_ptep_modify_prot_commit(struct mm_struct *mm, unsigned long addr, uint64_t old_pte,
                                    uint64_t pte) {
  set_ptes(mm, addr, ptep_of(mm, addr), __pte(pte), 1);
}

unsigned int kentry_pte_batch_hint(struct mm_struct *mm, unsigned long addr, uint64_t pte) {
  return pte_batch_hint(ptep_of(mm, addr), __pte(pte));
}
