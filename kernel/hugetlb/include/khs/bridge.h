/* ptediff kernel hugetlb shim: the interface between the two worlds.
 *
 * The kernel world (the extracted hugetlbpage.c, flush_hugetlb_tlb_range and
 * huge_pte_lockptr, the khs/ and linux/ asm/ shim headers, shim/entry.c) sees
 * the kernel's pte_t, a struct. The ptediff world (shim/backend.c) sees
 * include/ptediff/backend_v2.h, whose pte_t is a plain uint64_t. They never
 * meet in one translation unit; this header, plain C types only, is all they
 * share. (The contpte shim in kernel/include and kernel/shim is the same
 * design for PTEs only; this one is level-generic and separate.)
 *
 * Entries of any level are named by fake table pointers carrying
 * (mm slot, level, va):
 *
 *   ((slot + 1) << 48) | (level << 45) | ((va >> entry_shift(level)) << 3)
 *
 * level 3 PTE, 2 PMD, 1 PUD, 0 the (folded) PGD/P4D above them. A pointer
 * step (ptep++) is the next entry of the same level, and pmd_offset() of an
 * address gives the very pointer the entry side built for the PMD mapping
 * it, so find_num_contig's `(pte_t *)pmdp == ptep` works as in the kernel.
 * Nothing dereferences one: every access goes through khs_read/write/xchg/
 * cmpxchg, which decode it and issue one machine v2 level primitive.
 */
#ifndef PTEDIFF_KHS_BRIDGE_H_
#define PTEDIFF_KHS_BRIDGE_H_

#include <stdbool.h>
#include <stdint.h>

struct ptediff_mm;

/* The kernel's mm_struct, reduced to the machine's address space and the
 * slot that places its fake tables (slot 0 is init_mm). */
struct mm_struct {
  struct ptediff_mm *pmm;
  uint64_t slot;
};

#define KHS_SLOT_SHIFT 48
#define KHS_LEVEL_SHIFT 45
#define KHS_MAX_MMS 8
#define KHS_LEVEL_PGD 0 /* pgd_t / p4d_t pointers: no machine entry */

/* The geometry of the machine of the current call, and the VMA's huge page
 * size (hstate_vma, from init's hsize=); set on entry to every call. */
struct khs_geometry {
  unsigned page_shift;
  unsigned ptrs_per_pte;
  unsigned cont_ptes;
  unsigned pmd_shift;
  unsigned cont_pmds;
  unsigned pa_bits;
  uint64_t hsize;
};
extern _Thread_local struct khs_geometry khs_geo;

/* The shift of the address bits one entry of `level` maps. The PGD level:
 * 48-bit VAs, so 4 levels with 4K and 16K pages, 3 with 64K (PUD folded). */
static inline unsigned khs_entry_shift(int level) {
  const unsigned bits = khs_geo.page_shift - 3;
  switch (level) {
    case 3:
      return khs_geo.page_shift;
    case 2:
      return khs_geo.pmd_shift;
    case 1:
      return khs_geo.pmd_shift + bits;
    default:
      return khs_geo.page_shift == 16 ? khs_geo.pmd_shift + bits : khs_geo.pmd_shift + 2 * bits;
  }
}

static inline uintptr_t khs_ptr_encode(uint64_t slot, int level, uint64_t va) {
  return (uintptr_t)(((slot + 1) << KHS_SLOT_SHIFT) | ((uint64_t)level << KHS_LEVEL_SHIFT) |
                     ((va >> khs_entry_shift(level)) << 3));
}
static inline uint64_t khs_ptr_slot(uintptr_t p) { return ((uint64_t)p >> KHS_SLOT_SHIFT) - 1; }
static inline int khs_ptr_level(uintptr_t p) { return (int)(((uint64_t)p >> KHS_LEVEL_SHIFT) & 3); }
static inline uint64_t khs_ptr_va(uintptr_t p) {
  return (((uint64_t)p & ((1ULL << KHS_LEVEL_SHIFT) - 1)) >> 3)
         << khs_entry_shift(khs_ptr_level(p));
}
/* The largest va (exclusive) a PTE pointer can carry. */
static inline uint64_t khs_va_limit(unsigned page_shift) {
  return 1ULL << (KHS_LEVEL_SHIFT - 3 + page_shift);
}

/* One machine primitive each, on the entry a fake pointer names. */
uint64_t khs_read(uintptr_t p);               /* READ_ONCE(*p) */
void khs_write(uintptr_t p, uint64_t val);    /* WRITE_ONCE(*p, val) */
uint64_t khs_xchg(uintptr_t p, uint64_t val); /* xchg_relaxed */
/* cmpxchg_relaxed: returns the value found (== old on success). */
uint64_t khs_cmpxchg(uintptr_t p, uint64_t old, uint64_t val);
/* TLBI by VA (+ DSB when sync); tlb_level as the kernel passes it
 * (TLBI_TTL_UNKNOWN = INT_MAX: no hint; 0 is a level-0 hint under LPA2). */
void khs_flush_tlb_range(struct mm_struct *mm, unsigned long start, unsigned long end,
                         unsigned long stride, bool last_level, int tlb_level, bool sync);
void khs_flush_tlb_mm(struct mm_struct *mm);
void khs_dsb(void);
/* ptlock_ptr(virt_to_ptdesc(<the entry's kernel address>)) and
 * &mm->page_table_lock, as machine lock handles. */
uint64_t khs_ptlock_of(uintptr_t p);
uint64_t khs_mm_lock(struct mm_struct *mm);

/* A kernel WARN that fired: reported as a contract error. */
void khs_warn(const char *file, int line, const char *cond);

/* The hugetlb API of the kernel world (shim/entry.c), one per row of
 * include/ptediff/hugetlb_api.def; entries travel as 64-bit values and the
 * kernel's ptep as (addr, level). The kernel world is compiled once per
 * granule (its geometry is compile-time, as in the kernel): one table each,
 * khs_entries_<PAGE_SHIFT>. */
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

#endif /* PTEDIFF_KHS_BRIDGE_H_ */
