/* ptediff kernel callers: the core-mm world the cut mm/ functions are
 * compiled against (kernel world).
 *
 * The arm64 arch layer is the kernel shim's (kernel/common/include/kshim/:
 * pte_t, the descriptor bits and pte helpers, the geometry of the current
 * machine, struct page/folio as fake vmemmap addresses over the machine's
 * folios). On top of it: the Kconfig answers of an arm64 kernel, the vma of
 * the mapping the flows run on, the pte helpers core-mm has and the shim
 * lacks, and the public arch API (ptep_get, set_ptes, wrprotect_ptes,
 * get_and_clear_full_ptes, ...) as calls of the backend table under test
 * (kc/bridge.h). The folio, rmap and mmu_gather model is kc/rmap.h. Our own
 * code, written to the kernel's names; each answer names its source.
 */
#ifndef PTEDIFF_KC_MM_H_
#define PTEDIFF_KC_MM_H_

/* The shim's arch layer has a reduced vm_area_struct of its own; it gets
 * another name here, and core-mm's (below) takes the kernel's. */
#define vm_area_struct kshim_vm_area_struct
#include "kshim/pgtable.h"
#undef vm_area_struct

#include "callers_caps.h"
#include "kc/bridge.h"

/* ---- Kconfig: what an arm64 kernel (arch/arm64/Kconfig, defconfig) says.
 * IS_ENABLED() of the shim reads KSHIM_CONFIG_<symbol>; kc_config() hands
 * the same answers to the tests (callers_test asserts each). ---- */
/* arch/arm64/Kconfig: select ARCH_HAS_PTE_SPECIAL. */
#define KSHIM_CONFIG_CONFIG_ARCH_HAS_PTE_SPECIAL 1
/* arch/arm64/Kconfig: config SMP, def_bool y (asm-generic/tlb.h's
 * tlb_delay_rmap() then defers rmap removal of dirty file folios). */
#define KSHIM_CONFIG_CONFIG_SMP 1
/* arm64 does not select HAVE_ARCH_SOFT_DIRTY: no soft-dirty bit. */
#define KSHIM_CONFIG_CONFIG_MEM_SOFT_DIRTY 0
/* arch/arm64/Kconfig: select HAVE_ARCH_USERFAULTFD_WP if USERFAULTFD
 * ("arm64/mm: Add uffd write-protect support"), and USERFAULTFD=y. */
#define KSHIM_CONFIG_CONFIG_HAVE_ARCH_USERFAULTFD_WP 1
#define KSHIM_CONFIG_CONFIG_PTE_MARKER_UFFD_WP 1
/* arm64 selects ARCH_HAS_PTE_DEVMAP up to its removal in 6.17 ("mm: remove
 * devmap related functions and page table bits"); the bit stays unset in
 * every entry the machine makes. */
#define KSHIM_CONFIG_CONFIG_ARCH_HAS_PTE_DEVMAP 1

/* ---- include/linux/compiler*.h, minmax.h, bits.h, errno.h ---- */
#define __bitwise
#define auto __auto_type
#define BIT(n) (1UL << (n))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define min_t(type, a, b) min((type)(a), (type)(b))
typedef unsigned long pgoff_t;
#define EAGAIN 11
#define EHWPOISON 133
#define VM_WARN_ON_FOLIO(cond, folio) VM_WARN_ON(cond)

/* ---- include/linux/mm.h: vmas ---- */
#define VM_READ 0x00000001UL
#define VM_WRITE 0x00000002UL
#define VM_SHARED 0x00000008UL
#define VM_MAYREAD 0x00000010UL
#define VM_MAYWRITE 0x00000020UL
#define VM_UFFD_WP 0x00001000UL
#define VM_PFNMAP 0x00000400UL
#define VM_MIXEDMAP 0x10000000UL
#define VM_SEQ_READ 0x00008000UL
#define VM_RAND_READ 0x00010000UL

struct vm_area_struct;
struct vm_operations_struct {
  struct page *(*find_special_page)(struct vm_area_struct *vma, unsigned long addr);
};
struct vm_area_struct {
  struct mm_struct *vm_mm;
  unsigned long vm_start, vm_end, vm_pgoff;
  unsigned long vm_flags;
  pgprot_t vm_page_prot;
  const struct vm_operations_struct *vm_ops;
};

/* The mapping every flow runs on: a private, writable mapping of a file
 * (fork copies it COW; its folios are page cache, folio_test_anon() false,
 * so zap gathers access/dirty with get_and_clear_full_ptes), VM_MIXEDMAP for
 * the special entries (pfns without a memmap) programs map, and registered
 * for uffd-wp with UFFD_FEATURE_EVENT_FORK (the child keeps the bit). */
#define KC_VMA_FLAGS (VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MIXEDMAP | VM_UFFD_WP)
extern const struct vm_operations_struct kc_file_vm_ops;

static inline bool is_cow_mapping(vm_flags_t flags) {
  return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}
static inline bool vma_is_cow_mapping(struct vm_area_struct *vma) {
  return is_cow_mapping(vma->vm_flags);
}
static inline bool vma_is_anonymous(struct vm_area_struct *vma) { return !vma->vm_ops; }
/* include/linux/mm_inline.h: no VM_SEQ_READ / VM_RAND_READ, no FMODE_NOREUSE. */
static inline bool vma_has_recency(struct vm_area_struct *vma) {
  return !(vma->vm_flags & (VM_SEQ_READ | VM_RAND_READ));
}
/* mm/internal.h: no soft-dirty on arm64. */
static inline bool vma_soft_dirty_enabled(struct vm_area_struct *vma) {
  return IS_ENABLED(CONFIG_MEM_SOFT_DIRTY);
}
static inline unsigned long linear_page_index(struct vm_area_struct *vma, unsigned long addr) {
  return ((addr - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff;
}

/* ---- include/linux/userfaultfd_k.h (6.12 names; 7.x's uffd rework names
 * the protection "uffd" and adds read-write protection, which the vma does
 * not register) ---- */
static inline bool userfaultfd_wp(struct vm_area_struct *vma) { return vma->vm_flags & VM_UFFD_WP; }
static inline bool userfaultfd_protected(struct vm_area_struct *vma) { return userfaultfd_wp(vma); }
static inline bool userfaultfd_rwp(struct vm_area_struct *vma) { return false; }
/* Only uffd read-write protection changes a copied entry's protection
 * (7.x's __copy_present_ptes, copy_present_page): never reached. */
#define PAGE_NONE __pgprot(0)
#define pte_modify(pte, prot) (kc_warn("pte_modify"), (pte))

/* ---- arch/arm64/include/asm/pgtable.h: what core-mm calls and the shim's
 * arch layer does not define ---- */
#define PTE_UFFD_WP ((pteval_t)1 << 58)
#define PTE_UFFD PTE_UFFD_WP
#define PTE_DEVMAP ((pteval_t)1 << 57)
static inline int pte_uffd_wp(pte_t pte) { return !!(pte_val(pte) & PTE_UFFD_WP); }
static inline pte_t pte_mkuffd_wp(pte_t pte) {
  return pte_wrprotect(kshim_pte_bits(pte, PTE_UFFD_WP, 0));
}
static inline pte_t pte_clear_uffd_wp(pte_t pte) { return kshim_pte_bits(pte, 0, PTE_UFFD_WP); }
#define pte_uffd pte_uffd_wp
#define pte_mkuffd pte_mkuffd_wp
#define pte_clear_uffd pte_clear_uffd_wp
static inline int pte_devmap(pte_t pte) { return !!(pte_val(pte) & PTE_DEVMAP); }
/* pte_mkwrite_novma(): write permission; a dirty entry becomes hardware
 * writable (PTE_RDONLY cleared). */
static inline pte_t pte_mkwrite_novma(pte_t pte) {
  pte = kshim_pte_bits(pte, PTE_WRITE, 0);
  return pte_sw_dirty(pte) ? kshim_pte_bits(pte, 0, PTE_RDONLY) : pte;
}
#define pte_mkwrite(pte, vma) pte_mkwrite_novma(pte)
static inline pte_t maybe_mkwrite(pte_t pte, struct vm_area_struct *vma) {
  return (vma->vm_flags & VM_WRITE) ? pte_mkwrite(pte, vma) : pte;
}
/* include/linux/pgtable.h without CONFIG_HAVE_ARCH_SOFT_DIRTY. */
static inline pte_t pte_clear_soft_dirty(pte_t pte) { return pte; }
static inline int pte_soft_dirty(pte_t pte) { return 0; }
static inline bool userfaultfd_pte_wp(struct vm_area_struct *vma, pte_t pte) {
  return userfaultfd_wp(vma) && pte_uffd_wp(pte);
}
/* arm64 has no arch_check_zapped_pte (x86's shadow-stack check). */
static inline void arch_check_zapped_pte(struct vm_area_struct *vma, pte_t pte) {}
/* mm/internal.h (7.x): the PTE level has pte_special on arm64. */
enum pgtable_level { PGTABLE_LEVEL_PTE = 0, PGTABLE_LEVEL_PMD, PGTABLE_LEVEL_PUD };
static inline bool pgtable_level_has_pxx_special(enum pgtable_level level) {
  return level == PGTABLE_LEVEL_PTE && IS_ENABLED(CONFIG_ARCH_HAS_PTE_SPECIAL);
}
/* 7.x's check that a pte pointer is no page-table page: the copies the
 * callers pass live on the stack. */
#define virt_addr_valid(p) false
#define PageTable(page) false
#define virt_to_page(p) ((struct page *)NULL)

/* ---- The public arch API: the backend table under test (kc/bridge.h),
 * one call each, with the kernel's parameter lists. ---- */
static inline pte_t ptep_get(pte_t *ptep) { return __pte(kc_ptep_get((uintptr_t)ptep)); }
static inline void set_ptes(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t pte,
                            unsigned int nr) {
  kc_set_ptes((uintptr_t)ptep, pte_val(pte), nr);
}
#define set_pte_at(mm, addr, ptep, pte) set_ptes(mm, addr, ptep, pte, 1)
static inline void wrprotect_ptes(struct mm_struct *mm, unsigned long addr, pte_t *ptep,
                                  unsigned int nr) {
  kc_wrprotect_ptes((uintptr_t)ptep, nr);
}
static inline pte_t get_and_clear_full_ptes(struct mm_struct *mm, unsigned long addr, pte_t *ptep,
                                            unsigned int nr, int full) {
  return __pte(kc_get_and_clear_full_ptes((uintptr_t)ptep, nr, full));
}
static inline void clear_full_ptes(struct mm_struct *mm, unsigned long addr, pte_t *ptep,
                                   unsigned int nr, int full) {
  kc_clear_full_ptes((uintptr_t)ptep, nr, full);
}
/* include/linux/pgtable.h: arm64 has no ptep_get_and_clear_full of its own;
 * the generic one is ptep_get_and_clear(). */
static inline pte_t ptep_get_and_clear_full(struct mm_struct *mm, unsigned long addr, pte_t *ptep,
                                            int full) {
  return __pte(kc_ptep_get_and_clear((uintptr_t)ptep));
}
static inline unsigned int pte_batch_hint(pte_t *ptep, pte_t pte) {
  return kc_pte_batch_hint((uintptr_t)ptep, pte_val(pte));
}

#include "kc/rmap.h"

#endif /* PTEDIFF_KC_MM_H_ */
