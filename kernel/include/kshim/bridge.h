/* ptediff kernel shim: the interface between the two worlds of the shim.
 *
 * The kernel world (contpte.c, the extracted CONFIG_ARM64_CONTPTE wrapper
 * block, kshim/arch.h and shim/entry.c) sees the kernel's pte_t, a struct.
 * The ptediff world (shim/backend.c) sees include/ptediff/backend.h, whose
 * pte_t is a plain uint64_t with helpers of the same names. The two never
 * meet in one translation unit; this header, built from plain C types only,
 * is all they share.
 *
 * Entries are named by fake table pointers: slot_base(mm) +
 * (va >> PAGE_SHIFT) * 8, with slot_base a multiple of 2^48, so a
 * CONT_PTES-aligned entry has a CONT_PTES * 8 aligned pointer and the
 * kernel's pointer arithmetic (ptep++, ptep - orig_ptep, PTR_ALIGN_DOWN,
 * `(unsigned long)ptep >> 3`) works unchanged. Nothing dereferences one:
 * every access goes through kshim_read/write/xchg/cmpxchg below, which decode
 * it back to (mm, va) and issue one machine primitive.
 */
#ifndef PTEDIFF_KSHIM_BRIDGE_H_
#define PTEDIFF_KSHIM_BRIDGE_H_

#include <stdbool.h>
#include <stdint.h>

struct ptediff_mm;

/* The kernel's mm_struct, reduced to what contpte.c and the shim use: the
 * machine's address space and the slot that places its fake table. */
struct mm_struct {
  struct ptediff_mm *pmm;
  uint64_t slot; /* fake table base = (slot + 1) << KSHIM_SLOT_SHIFT */
};

#define KSHIM_SLOT_SHIFT 48
#define KSHIM_MAX_MMS 8

/* The geometry of the machine the current call runs on: PAGE_SHIFT,
 * CONT_PTES, ... of the kernel world are read from here (one .so serves the
 * 4K, 16K and 64K granules). Set on entry to every backend call. */
struct kshim_geometry {
  unsigned page_shift;
  unsigned cont_ptes;
  unsigned ptrs_per_pte;
  unsigned pa_bits; /* 48, or 52 (64K granule: PA[51:48] in bits [15:12]) */
};
extern _Thread_local struct kshim_geometry kshim_geo;

/* init_mm, the kernel's own mm: the machine's non-user mm maps to it. Thread
 * local, rewritten on entry to every call, so no state outlives a run. */
extern _Thread_local struct mm_struct init_mm;

/* One machine primitive each. `ptep` is a fake table pointer. */
uint64_t kshim_read(uintptr_t ptep);               /* READ_ONCE(*ptep) */
void kshim_write(uintptr_t ptep, uint64_t val);    /* WRITE_ONCE(*ptep, val) */
uint64_t kshim_xchg(uintptr_t ptep, uint64_t val); /* xchg_relaxed */
/* cmpxchg_relaxed: returns the value found (== old on success). */
uint64_t kshim_cmpxchg(uintptr_t ptep, uint64_t old, uint64_t val);
void kshim_flush_tlb_range(struct mm_struct *mm, unsigned long start, unsigned long end,
                           unsigned long stride, bool last_level, int tlb_level, bool sync);
void kshim_flush_tlb_mm(struct mm_struct *mm);
void kshim_dsb(void); /* dsb(ish): completes pending TLB invalidations */
/* The machine's PTEDIFF_FEAT_BBML2 (BBML2 without TLB conflict aborts). */
bool kshim_bbml2_noabort(void);

/* folio_of(pfn): the folio's first pfn and size. A pfn outside every folio
 * is its own order-0 folio (the kernel never maps a normal page without one). */
void kshim_folio_of(uint64_t pfn, uint64_t *start_pfn, uint64_t *nr_pages);

/* A kernel WARN/VM_WARN that fired: reported as a contract error. */
void kshim_warn(const char *file, int line, const char *cond);

/* The fake table pointer of (mm slot, va), and back. Valid for
 * va < 2^(KSHIM_SLOT_SHIFT - 3 + page_shift). */
static inline uintptr_t kshim_ptep_encode(uint64_t slot, uint64_t va, unsigned page_shift) {
  return (uintptr_t)(((slot + 1) << KSHIM_SLOT_SHIFT) + ((va >> page_shift) << 3));
}
static inline uint64_t kshim_ptep_slot(uintptr_t ptep) {
  return ((uint64_t)ptep >> KSHIM_SLOT_SHIFT) - 1;
}
static inline uint64_t kshim_ptep_va(uintptr_t ptep, unsigned page_shift) {
  return (((uint64_t)ptep & ((1ULL << KSHIM_SLOT_SHIFT) - 1)) >> 3) << page_shift;
}

/* The page-table API of the kernel world (shim/entry.c), one per backend
 * entry of include/ptediff/backend.h; entries travel as 64-bit values. */
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

#endif /* PTEDIFF_KSHIM_BRIDGE_H_ */
