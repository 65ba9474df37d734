/* ptediff kernel shim: the interface between the two worlds of a kernel
 * backend, shared by every kernel file the shim compiles (contpte.c,
 * hugetlbpage.c).
 *
 * The kernel world (the extracted kernel code, the kshim/ linux/ asm/
 * headers, each backend's shim/entry.c) sees the kernel's pte_t, a struct.
 * The ptediff world (kernel/common/machine.c and each backend's
 * shim/backend.c) sees include/ptediff/backend.h, whose pte_t is a plain
 * uint64_t with helpers of the same names. The two never meet in one
 * translation unit; this header, built from plain C types only, is all they
 * share.
 *
 * Entries of any level are named by fake table pointers carrying
 * (mm slot, level, va):
 *
 *   ((slot + 1) << 48) | (level << 45) | ((va >> entry_shift(level)) << 3)
 *
 * level 3 PTE, 2 PMD, 1 PUD, 0 the (folded) PGD/P4D above them. A pointer
 * step (ptep++) is the next entry of the same level, a CONT_PTES-aligned
 * entry has a CONT_PTES * 8 aligned pointer, and pmd_offset() of an address
 * gives the very pointer the entry side built for the PMD mapping it, so the
 * kernel's pointer arithmetic (ptep - orig_ptep, PTR_ALIGN_DOWN,
 * `(unsigned long)ptep >> 3`, find_num_contig's `(pte_t *)pmdp == ptep`)
 * works unchanged. Nothing dereferences one: every access goes through
 * kshim_read/write/xchg/cmpxchg, which decode it and issue one machine
 * primitive.
 */
#ifndef PTEDIFF_KSHIM_BRIDGE_H_
#define PTEDIFF_KSHIM_BRIDGE_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ptediff_mm;

/* The kernel's mm_struct, reduced to the machine's address space and the
 * slot that places its fake tables (slot 0 is init_mm). */
struct mm_struct {
  struct ptediff_mm *pmm;
  uint64_t slot;
};

#define KSHIM_SLOT_SHIFT 48
#define KSHIM_LEVEL_SHIFT 45
#define KSHIM_MAX_MMS 8
#define KSHIM_LEVEL_PGD 0 /* pgd_t / p4d_t pointers: no machine entry */
#define KSHIM_LEVEL_PTE 3

/* The geometry of the machine the current call runs on, and the VMA's huge
 * page size (hugetlb: init's hsize=; 0 for the other backends). Set on entry
 * to every backend call. */
struct kshim_geometry {
  unsigned page_shift;
  unsigned ptrs_per_pte;
  unsigned cont_ptes;
  unsigned pmd_shift;
  unsigned cont_pmds;
  unsigned pa_bits; /* 48, or 52 (64K granule: PA[51:48] in bits [15:12]) */
  uint64_t hsize;
};
extern _Thread_local struct kshim_geometry kshim_geo;

/* init_mm, the kernel's own mm: the machine's non-user mm maps to it. Thread
 * local, rewritten on entry to every call, so no state outlives a run. */
extern _Thread_local struct mm_struct init_mm;

/* The shift of the address bits one entry of `level` maps. The PGD level:
 * 48-bit VAs, so 4 levels with 4K and 16K pages, 3 with 64K (PUD folded). */
static inline unsigned kshim_entry_shift(int level) {
  const unsigned bits = kshim_geo.page_shift - 3;
  switch (level) {
    case KSHIM_LEVEL_PTE:
      return kshim_geo.page_shift;
    case 2:
      return kshim_geo.pmd_shift;
    case 1:
      return kshim_geo.pmd_shift + bits;
    default:
      return kshim_geo.page_shift == 16 ? kshim_geo.pmd_shift + bits
                                        : kshim_geo.pmd_shift + 2 * bits;
  }
}

static inline uintptr_t kshim_ptr_encode(uint64_t slot, int level, uint64_t va) {
  return (uintptr_t)(((slot + 1) << KSHIM_SLOT_SHIFT) | ((uint64_t)level << KSHIM_LEVEL_SHIFT) |
                     ((va >> kshim_entry_shift(level)) << 3));
}
static inline uint64_t kshim_ptr_slot(uintptr_t p) { return ((uint64_t)p >> KSHIM_SLOT_SHIFT) - 1; }
static inline int kshim_ptr_level(uintptr_t p) {
  return (int)(((uint64_t)p >> KSHIM_LEVEL_SHIFT) & 3);
}
static inline uint64_t kshim_ptr_va(uintptr_t p) {
  return (((uint64_t)p & ((1ULL << KSHIM_LEVEL_SHIFT) - 1)) >> 3)
         << kshim_entry_shift(kshim_ptr_level(p));
}
/* The largest va (exclusive) a PTE pointer can carry. */
static inline uint64_t kshim_va_limit(unsigned page_shift) {
  return 1ULL << (KSHIM_LEVEL_SHIFT - 3 + page_shift);
}

/* A pointer below the fake ones is memory of the kernel world: a local, or
 * a table page a backend fills before it installs it. kshim_table_alias(p)
 * is the fake pointer of the machine entry p stands for once its page is
 * installed, or 0: then an access through p is a plain one, no primitive.
 * machine.c's default has no table pages (0 always); a backend with some
 * defines its own. */
uintptr_t kshim_table_alias(uintptr_t p);

/* One machine primitive each, on the entry a fake pointer names (see
 * kshim_table_alias for other pointers). */
uint64_t kshim_read(uintptr_t p);               /* READ_ONCE(*p) */
void kshim_write(uintptr_t p, uint64_t val);    /* WRITE_ONCE(*p, val) */
uint64_t kshim_xchg(uintptr_t p, uint64_t val); /* xchg_relaxed */
/* cmpxchg_relaxed: returns the value found (== old on success). */
uint64_t kshim_cmpxchg(uintptr_t p, uint64_t old, uint64_t val);
/* TLBI by VA (+ DSB when sync); tlb_level as the kernel passes it
 * (TLBI_TTL_UNKNOWN = INT_MAX: no hint; 0 is a level-0 hint under LPA2). */
void kshim_flush_tlb_range(struct mm_struct *mm, unsigned long start, unsigned long end,
                           unsigned long stride, bool last_level, int tlb_level, bool sync);
void kshim_flush_tlb_mm(struct mm_struct *mm);
void kshim_dsb(void); /* dsb(ish): completes pending TLB invalidations */
/* The machine's PTEDIFF_FEAT_BBML2 (BBML2 without TLB conflict aborts). */
bool kshim_bbml2_noabort(void);
/* ptlock_ptr(virt_to_ptdesc(<the entry's kernel address>)) and
 * &mm->page_table_lock, as machine lock handles. */
uint64_t kshim_ptlock_of(uintptr_t p);
uint64_t kshim_mm_lock(struct mm_struct *mm);

/* folio_of(pfn): the folio's first pfn and size. A pfn outside every folio
 * is its own order-0 folio (the kernel never maps a normal page without one). */
void kshim_folio_of(uint64_t pfn, uint64_t *start_pfn, uint64_t *nr_pages);

/* A kernel WARN/VM_WARN that fired: reported as a contract error. */
void kshim_warn(const char *file, int line, const char *cond);

/* ---- Call sites: which kernel line issued a primitive. ----
 *
 * A site is one static record per call of an arch helper (the names
 * kshim/sites.h redefines), laid out as include/ptediff/backend.h's struct
 * ptediff_site (machine.c asserts it). Each thread has a current site, which
 * every primitive hands to the machine (set_site, machine v3).
 * KSHIM_AT(call) makes its caller's line the current site while `call` runs
 * and restores the enclosing one after: the innermost kernel line that led to
 * a primitive names it, and no site outlives its call. KSHIM_FALLBACK_AT(call)
 * is for the shim's stand-ins of kernel code (generic.h): its line counts
 * only when no kernel line encloses it. Cleared on entry to and exit from
 * every backend call. */
struct kshim_site {
  const char *file;
  const char *func;
  uint32_t line;
};
extern _Thread_local const struct kshim_site *kshim_site_cur;

/* Makes `site` current (with `fallback`, only if none is); returns the
 * enclosing one for kshim_site_leave. */
static inline const struct kshim_site *kshim_site_enter(const struct kshim_site *site,
                                                        bool fallback) {
  const struct kshim_site *outer = kshim_site_cur;
  if (!fallback || outer == NULL) kshim_site_cur = site;
  return outer;
}
static inline void kshim_site_leave(const struct kshim_site *const *outer) {
  kshim_site_cur = *outer;
}

/* A statement expression: the value of `call` (void for a void call). */
#define KSHIM_SITE_CALL(fallback, call)                                                            \
  ({                                                                                               \
    static const struct kshim_site kshim_site_here = {__FILE__, __func__, __LINE__};               \
    const struct kshim_site *kshim_site_outer __attribute__((cleanup(kshim_site_leave), unused)) = \
        kshim_site_enter(&kshim_site_here, (fallback));                                            \
    call;                                                                                          \
  })
#define KSHIM_AT(call) KSHIM_SITE_CALL(false, call)
#define KSHIM_FALLBACK_AT(call) KSHIM_SITE_CALL(true, call)

#endif /* PTEDIFF_KSHIM_BRIDGE_H_ */
