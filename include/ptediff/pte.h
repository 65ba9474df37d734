// ptediff: the arm64 PTE bit layout, translation-granule geometry and the pte
// helpers core-mm uses (pte_mkclean, pte_wrprotect, pfn_pte, ...).
//
// This header is C11 so that external backends written in C can use the very
// same helpers as the built-in C++ ones. Every helper is a pure function of its
// arguments; the semantics follow arch/arm64/include/asm/pgtable.h as
// summarised in docs/DESIGN.md §2.1.
#ifndef PTEDIFF_PTE_H_
#define PTEDIFF_PTE_H_

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// A page-table entry value (one descriptor, any level).
typedef uint64_t pte_t;

// Hardware descriptor bits.
#define PTE_VALID (1ULL << 0)
#define PTE_TYPE_MASK (3ULL << 0)
#define PTE_TYPE_PAGE (3ULL << 0)  // level-3 page descriptor
#define PTE_TYPE_BLOCK (1ULL << 0) // level 1/2 block descriptor
#define PTE_ATTRINDX_MASK (7ULL << 2)
#define PTE_USER (1ULL << 6)
#define PTE_RDONLY (1ULL << 7)
#define PTE_SHARED (3ULL << 8)
#define PTE_AF (1ULL << 10)
#define PTE_NG (1ULL << 11)
#define PTE_GP (1ULL << 50)
#define PTE_DBM (1ULL << 51)
#define PTE_WRITE PTE_DBM  // arm64 uses DBM as the software write bit
#define PTE_CONT (1ULL << 52)
#define PTE_PXN (1ULL << 53)
#define PTE_UXN (1ULL << 54)
// Software bits.
#define PTE_DIRTY (1ULL << 55)
#define PTE_SPECIAL (1ULL << 56)
#define PTE_DEVMAP (1ULL << 57)
#define PTE_PROT_NONE (1ULL << 58)  // only meaningful when !PTE_VALID

// Translation granules.
enum ptediff_granule {
  PTEDIFF_GRANULE_4K = 0,
  PTEDIFF_GRANULE_16K = 1,
  PTEDIFF_GRANULE_64K = 2,
};

// Geometry of one granule: everything the page-table code is parameterised by.
struct ptediff_geometry {
  enum ptediff_granule granule;
  uint32_t page_shift;    // 12 / 14 / 16
  uint32_t ptrs_per_pte;  // 512 / 2048 / 8192
  uint32_t cont_ptes;     // 16 / 128 / 32
  uint32_t pmd_shift;     // 21 / 25 / 29
  uint32_t cont_pmds;     // 16 / 32 / 32
  uint32_t pa_bits;       // 48 / 48 / 52 (64K stores PA[51:48] in bits [15:12])
};

// Returns the geometry of granule `g` (an out-of-range value is treated as 4K).
static inline struct ptediff_geometry ptediff_geometry_of(enum ptediff_granule g) {
  struct ptediff_geometry geo;
  switch (g) {
    case PTEDIFF_GRANULE_16K:
      geo.granule = g; geo.page_shift = 14; geo.ptrs_per_pte = 2048; geo.cont_ptes = 128;
      geo.pmd_shift = 25; geo.cont_pmds = 32; geo.pa_bits = 48;
      return geo;
    case PTEDIFF_GRANULE_64K:
      geo.granule = g; geo.page_shift = 16; geo.ptrs_per_pte = 8192; geo.cont_ptes = 32;
      geo.pmd_shift = 29; geo.cont_pmds = 32; geo.pa_bits = 52;
      return geo;
    default:
      geo.granule = PTEDIFF_GRANULE_4K; geo.page_shift = 12; geo.ptrs_per_pte = 512;
      geo.cont_ptes = 16; geo.pmd_shift = 21; geo.cont_pmds = 16; geo.pa_bits = 48;
      return geo;
  }
}

static inline uint64_t ptediff_page_size(const struct ptediff_geometry* g) {
  return 1ULL << g->page_shift;
}
static inline uint64_t ptediff_cont_pte_size(const struct ptediff_geometry* g) {
  return (uint64_t)g->cont_ptes << g->page_shift;
}
static inline uint64_t ptediff_pmd_size(const struct ptediff_geometry* g) {
  return 1ULL << g->pmd_shift;
}

// Mask of the output-address bits of a descriptor: [47:PAGE_SHIFT], plus
// [15:12] (= PA[51:48]) with the 64K granule.
static inline uint64_t pte_addr_mask(const struct ptediff_geometry* g) {
  uint64_t m = ((1ULL << 48) - 1) & ~((1ULL << g->page_shift) - 1);
  if (g->pa_bits == 52) m |= 0xfULL << 12;
  return m;
}

// Physical address <-> descriptor output-address field.
static inline pte_t ptediff_phys_to_pte(const struct ptediff_geometry* g, uint64_t pa) {
  uint64_t v = pa;
  if (g->pa_bits == 52) v |= pa >> 36;  // PA[51:48] -> bits [15:12]
  return v & pte_addr_mask(g);
}
static inline uint64_t ptediff_pte_to_phys(const struct ptediff_geometry* g, pte_t pte) {
  uint64_t pa = pte & ((1ULL << 48) - 1) & ~((1ULL << g->page_shift) - 1);
  if (g->pa_bits == 52) pa |= (pte & (0xfULL << 12)) << 36;
  return pa;
}

// Largest pfn a descriptor can hold in this geometry.
static inline uint64_t ptediff_max_pfn(const struct ptediff_geometry* g) {
  return (1ULL << (g->pa_bits - g->page_shift)) - 1;
}

static inline pte_t pfn_pte(const struct ptediff_geometry* g, uint64_t pfn, pte_t prot) {
  return ptediff_phys_to_pte(g, pfn << g->page_shift) | (prot & ~pte_addr_mask(g));
}
static inline uint64_t pte_pfn(const struct ptediff_geometry* g, pte_t pte) {
  return ptediff_pte_to_phys(g, pte) >> g->page_shift;
}
// Every non-address bit of the entry.
static inline pte_t pte_pgprot(const struct ptediff_geometry* g, pte_t pte) {
  return pte & ~pte_addr_mask(g);
}

static inline bool pte_none(pte_t pte) { return pte == 0; }
static inline bool pte_valid(pte_t pte) { return (pte & PTE_VALID) != 0; }
static inline bool pte_present(pte_t pte) { return (pte & (PTE_VALID | PTE_PROT_NONE)) != 0; }
static inline bool pte_young(pte_t pte) { return (pte & PTE_AF) != 0; }
static inline bool pte_write(pte_t pte) { return (pte & PTE_WRITE) != 0; }
static inline bool pte_rdonly(pte_t pte) { return (pte & PTE_RDONLY) != 0; }
static inline bool pte_cont(pte_t pte) { return (pte & PTE_CONT) != 0; }
static inline bool pte_special(pte_t pte) { return (pte & PTE_SPECIAL) != 0; }
static inline bool pte_valid_cont(pte_t pte) { return pte_valid(pte) && pte_cont(pte); }
static inline bool pte_sw_dirty(pte_t pte) { return (pte & PTE_DIRTY) != 0; }
// Hardware dirty: DBM-writable and RDONLY cleared (by the hardware or by mkdirty).
static inline bool pte_hw_dirty(pte_t pte) { return pte_write(pte) && !pte_rdonly(pte); }
static inline bool pte_dirty(pte_t pte) { return pte_sw_dirty(pte) || pte_hw_dirty(pte); }

static inline pte_t pte_mkold(pte_t pte) { return pte & ~PTE_AF; }
static inline pte_t pte_mkyoung(pte_t pte) { return pte | PTE_AF; }
static inline pte_t pte_mkclean(pte_t pte) { return (pte & ~PTE_DIRTY) | PTE_RDONLY; }
static inline pte_t pte_mkdirty(pte_t pte) {
  pte |= PTE_DIRTY;
  if (pte_write(pte)) pte &= ~PTE_RDONLY;
  return pte;
}
static inline pte_t pte_wrprotect(pte_t pte) {
  // Preserve a hardware-dirty state in the software bit before RDONLY hides it.
  if (pte_hw_dirty(pte)) pte |= PTE_DIRTY;
  return (pte & ~PTE_WRITE) | PTE_RDONLY;
}
static inline pte_t pte_mkwrite(pte_t pte) {
  pte |= PTE_WRITE;
  if (pte_sw_dirty(pte)) pte &= ~PTE_RDONLY;
  return pte;
}
static inline pte_t pte_mkcont(pte_t pte) { return pte | PTE_CONT; }
static inline pte_t pte_mknoncont(pte_t pte) { return pte & ~PTE_CONT; }
static inline bool pte_same(pte_t a, pte_t b) { return a == b; }

// The entry with access and dirty state removed: what fold compares and what
// the pte-state conformance class compares (docs/DESIGN.md §5.2).
static inline pte_t pte_mkold_clean(pte_t pte) { return pte_mkold(pte_mkclean(pte)); }

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // PTEDIFF_PTE_H_
