/* ptediff kernel linear-map shim: include/linux/pagewalk.h as the kernel's
 * lockless walk of the kernel mm needs it, and the stand-ins of what its
 * VMA and install paths call (never reached: walk->vma is NULL and
 * check_ops_safe() refuses install_pte; each warns if it is). */
#ifndef PTEDIFF_KLM_PAGEWALK_H_
#define PTEDIFF_KLM_PAGEWALK_H_

enum page_walk_action {
  ACTION_SUBTREE = 0,
  ACTION_CONTINUE = 1,
  ACTION_AGAIN = 2,
};
enum page_walk_lock {
  PGWALK_RDLOCK = 0,
};
struct mm_walk;
struct mm_walk_ops {
  int (*pgd_entry)(pgd_t *pgd, unsigned long addr, unsigned long next, struct mm_walk *walk);
  int (*p4d_entry)(p4d_t *p4d, unsigned long addr, unsigned long next, struct mm_walk *walk);
  int (*pud_entry)(pud_t *pud, unsigned long addr, unsigned long next, struct mm_walk *walk);
  int (*pmd_entry)(pmd_t *pmd, unsigned long addr, unsigned long next, struct mm_walk *walk);
  int (*pte_entry)(pte_t *pte, unsigned long addr, unsigned long next, struct mm_walk *walk);
  int (*pte_hole)(unsigned long addr, unsigned long next, int depth, struct mm_walk *walk);
  int (*install_pte)(unsigned long addr, unsigned long next, pte_t *ptep, struct mm_walk *walk);
  enum page_walk_lock walk_lock;
};
struct mm_walk {
  const struct mm_walk_ops *ops;
  struct mm_struct *mm;
  pgd_t *pgd;
  struct vm_area_struct *vma;
  enum page_walk_action action;
  bool no_vma;
  void *private;
};
int walk_kernel_page_table_range_lockless(unsigned long start, unsigned long end,
                                          const struct mm_walk_ops *ops, pgd_t *pgd, void *private);

#define pte_offset_map(pmd, addr) (WARN_ON(1), (pte_t *)NULL)
#define pte_offset_map_lock(mm, pmd, addr, ptlp) (WARN_ON(1), (pte_t *)NULL)
#define pte_unmap(pte) ((void)0)
#define pte_unmap_unlock(pte, ptl) ((void)0)
#define split_huge_pmd(vma, pmd, addr) ((void)WARN_ON(1))
#define split_huge_pud(vma, pud, addr) ((void)WARN_ON(1))
#define set_pte_at(mm, addr, ptep, pte) ((void)WARN_ON(1))
#define update_mmu_cache(vma, addr, ptep) ((void)0)
#define __pte_alloc(mm, pmd) (WARN_ON(1) ? -EINVAL : -EINVAL)
#define __pmd_alloc(mm, pud, addr) (WARN_ON(1) ? -EINVAL : -EINVAL)
#define __pud_alloc(mm, p4d, addr) (WARN_ON(1) ? -EINVAL : -EINVAL)
#define __p4d_alloc(mm, pgd, addr) (WARN_ON(1) ? -EINVAL : -EINVAL)

#endif /* PTEDIFF_KLM_PAGEWALK_H_ */
