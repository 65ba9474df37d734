/* ptediff kernel shim, hugetlbpage.c: the kernel world's side of the v2
 * backend (khs/entries.h).
 *
 * One function per row of include/ptediff/hugetlb_api.def: it names the
 * kernel's `ptep` by its fake pointer (mm slot, level, addr) and calls the
 * extracted arch/arm64/mm/hugetlbpage.c function of the same name, or the
 * extracted static inlines flush_hugetlb_tlb_range() (asm/hugetlb.h) and
 * huge_pte_lockptr() (linux/hugetlb.h). Where the kernel passes a vma, it is
 * {mm, hstate of size sz} (hstate_vma); calls without sz get the VMA's huge
 * page size (init's hsize=). The kernel call each one makes is the one
 * mm/hugetlb.c makes (hugetlb_api.def has the contracts). Compiled once per
 * granule with hugetlbpage.c (khs/rename.h): the table at the end is
 * khs_entries_<PAGE_SHIFT>.
 */
#include <linux/hugetlb.h>

#include "khs/entries.h"

static pte_t *ptep_of(struct mm_struct *mm, unsigned long addr, int level) {
  return (pte_t *)kshim_ptr_encode(mm->slot, level, addr);
}

static struct vm_area_struct vma_of(struct mm_struct *mm, unsigned long sz) {
  return (struct vm_area_struct){.vm_mm = mm, .kshim_h = {.size = sz}};
}

/* huge_pte_offset(): the level its pointer carries, 0 for NULL. */
static int kh_huge_pte_offset(struct mm_struct *mm, unsigned long addr, unsigned long sz) {
  const pte_t *ptep = huge_pte_offset(mm, addr, sz);
  return ptep != NULL ? kshim_ptr_level((uintptr_t)ptep) : 0;
}

/* arch_make_huge_pte(entry, huge_page_shift(h), vma->vm_flags). */
static uint64_t kh_arch_make_huge_pte(uint64_t entry, unsigned long sz) {
  return pte_val(arch_make_huge_pte(__pte(entry), (unsigned int)__builtin_ctzl(sz), 0));
}

static void kh_set_huge_pte_at(struct mm_struct *mm, unsigned long addr, int level, uint64_t pte,
                               unsigned long sz) {
  set_huge_pte_at(mm, addr, ptep_of(mm, addr, level), __pte(pte), sz);
}

static uint64_t kh_huge_ptep_get(struct mm_struct *mm, unsigned long addr, int level) {
  return pte_val(huge_ptep_get(mm, addr, ptep_of(mm, addr, level)));
}

static uint64_t kh_huge_ptep_get_and_clear(struct mm_struct *mm, unsigned long addr, int level,
                                           unsigned long sz) {
  return pte_val(huge_ptep_get_and_clear(mm, addr, ptep_of(mm, addr, level), sz));
}

static uint64_t kh_huge_ptep_clear_flush(struct mm_struct *mm, unsigned long addr, int level) {
  struct vm_area_struct vma = vma_of(mm, kshim_geo.hsize);
  return pte_val(huge_ptep_clear_flush(&vma, addr, ptep_of(mm, addr, level)));
}

static int kh_huge_ptep_set_access_flags(struct mm_struct *mm, unsigned long addr, int level,
                                         uint64_t pte, int dirty) {
  struct vm_area_struct vma = vma_of(mm, kshim_geo.hsize);
  return huge_ptep_set_access_flags(&vma, addr, ptep_of(mm, addr, level), __pte(pte), dirty);
}

static void kh_huge_ptep_set_wrprotect(struct mm_struct *mm, unsigned long addr, int level) {
  huge_ptep_set_wrprotect(mm, addr, ptep_of(mm, addr, level));
}

static void kh_huge_pte_clear(struct mm_struct *mm, unsigned long addr, int level,
                              unsigned long sz) {
  huge_pte_clear(mm, addr, ptep_of(mm, addr, level), sz);
}

static uint64_t kh_huge_ptep_modify_prot_start(struct mm_struct *mm, unsigned long addr, int level,
                                               unsigned long sz) {
  struct vm_area_struct vma = vma_of(mm, sz);
  return pte_val(huge_ptep_modify_prot_start(&vma, addr, ptep_of(mm, addr, level)));
}

static void kh_huge_ptep_modify_prot_commit(struct mm_struct *mm, unsigned long addr, int level,
                                            uint64_t old_pte, uint64_t pte, unsigned long sz) {
  struct vm_area_struct vma = vma_of(mm, sz);
  huge_ptep_modify_prot_commit(&vma, addr, ptep_of(mm, addr, level), __pte(old_pte), __pte(pte));
}

static void kh_flush_hugetlb_tlb_range(struct mm_struct *mm, unsigned long start, unsigned long end,
                                       unsigned long sz) {
  struct vm_area_struct vma = vma_of(mm, sz);
  flush_hugetlb_tlb_range(&vma, start, end);
}

/* huge_pte_lockptr(hstate of size sz, mm, ptep): the *_lockptr() it picks
 * returns a machine lock handle (linux/mm.h). */
static uint64_t kh_huge_pte_lockptr(struct mm_struct *mm, unsigned long addr, int level,
                                    unsigned long sz) {
  struct hstate h = {.size = sz};
  return (uint64_t)(uintptr_t)huge_pte_lockptr(&h, mm, ptep_of(mm, addr, level));
}

const struct khs_entries KHS_G(khs_entries) = {
    .huge_pte_offset = kh_huge_pte_offset,
    .arch_make_huge_pte = kh_arch_make_huge_pte,
    .set_huge_pte_at = kh_set_huge_pte_at,
    .huge_ptep_get = kh_huge_ptep_get,
    .huge_ptep_get_and_clear = kh_huge_ptep_get_and_clear,
    .huge_ptep_clear_flush = kh_huge_ptep_clear_flush,
    .huge_ptep_set_access_flags = kh_huge_ptep_set_access_flags,
    .huge_ptep_set_wrprotect = kh_huge_ptep_set_wrprotect,
    .huge_pte_clear = kh_huge_pte_clear,
    .huge_ptep_modify_prot_start = kh_huge_ptep_modify_prot_start,
    .huge_ptep_modify_prot_commit = kh_huge_ptep_modify_prot_commit,
    .flush_hugetlb_tlb_range = kh_flush_hugetlb_tlb_range,
    .huge_pte_lockptr = kh_huge_pte_lockptr,
};
