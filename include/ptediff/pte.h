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
#define PTE_UFFD_WP (1ULL << 58)  // userfaultfd write-protect tracking (present entries)
// A present entry the hardware must not use (PROT_NONE, NUMA hinting): VALID
// clear, nG set, every other field in the hardware layout. Since v6.10
// ("arm64/mm: Remove PTE_PROT_NONE bit") this is the nG bit, only meaningful
// when !PTE_VALID; bit 58 went to PTE_UFFD_WP ("arm64/mm: Add uffd
// write-protect support").
#define PTE_PRESENT_INVALID PTE_NG

// Swap entries (not present, not none): every bit is software's.
//   bit 2: PG_anon_exclusive, bit 3: uffd-wp, bits 6-10: type,
//   bit 11: must be 0 (PTE_PRESENT_INVALID), bits 12-61: offset.
// Core-mm stores migration entries and markers in the same format, with the
// type numbers of include/linux/swap.h.
#define PTE_SWP_EXCLUSIVE (1ULL << 2)
#define PTE_SWP_UFFD_WP (1ULL << 3)
#define PTEDIFF_SWP_TYPE_SHIFT 6
#define PTEDIFF_SWP_TYPE_MASK 0x1fULL
#define PTEDIFF_SWP_OFFSET_SHIFT 12
#define PTEDIFF_SWP_OFFSET_MASK ((1ULL << 50) - 1)

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
static inline bool pte_present_invalid(pte_t pte) {
  return (pte & (PTE_VALID | PTE_PRESENT_INVALID)) == PTE_PRESENT_INVALID;
}
static inline bool pte_present(pte_t pte) { return pte_valid(pte) || pte_present_invalid(pte); }
// A swap, migration or marker entry: neither none nor present.
static inline bool is_swap_pte(pte_t pte) { return !pte_none(pte) && !pte_present(pte); }
static inline bool pte_user(pte_t pte) { return (pte & PTE_USER) != 0; }
static inline bool pte_user_exec(pte_t pte) { return (pte & PTE_UXN) == 0; }
// PROT_NONE (NUMA hinting or mprotect): present-invalid and no user access.
static inline bool pte_protnone(pte_t pte) {
  return pte_present_invalid(pte) && !pte_user(pte) && !pte_user_exec(pte);
}
static inline bool pte_uffd_wp(pte_t pte) { return (pte & PTE_UFFD_WP) != 0; }
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
static inline pte_t pte_mkuffd_wp(pte_t pte) { return pte_wrprotect(pte | PTE_UFFD_WP); }
static inline pte_t pte_clear_uffd_wp(pte_t pte) { return pte & ~PTE_UFFD_WP; }
static inline pte_t pte_mkinvalid(pte_t pte) { return (pte | PTE_PRESENT_INVALID) & ~PTE_VALID; }
// As arm64's: CONT and the page type, which makes a non-valid entry valid.
static inline pte_t pte_mkcont(pte_t pte) { return pte | PTE_CONT | PTE_TYPE_PAGE; }
static inline pte_t pte_mknoncont(pte_t pte) { return pte & ~PTE_CONT; }
static inline bool pte_same(pte_t a, pte_t b) { return a == b; }

// The bits a protection change replaces (pte_modify's mask; the permission
// overlay index is not modelled).
#define PTEDIFF_PTE_MODIFY_MASK                                                          \
  (PTE_USER | PTE_PXN | PTE_UXN | PTE_RDONLY | PTE_PRESENT_INVALID | PTE_VALID | PTE_WRITE | \
   PTE_GP | PTE_ATTRINDX_MASK)
// pte_modify: the entry with newprot's permission bits; pfn, access, dirty,
// CONT and software bits stay. Hardware dirt is kept in PTE_DIRTY first, and a
// software-dirty result is made hardware dirty again (3c0696076aad).
static inline pte_t pte_modify(pte_t pte, pte_t newprot) {
  if (pte_hw_dirty(pte)) pte |= PTE_DIRTY;
  pte = (pte & ~PTEDIFF_PTE_MODIFY_MASK) | (newprot & PTEDIFF_PTE_MODIFY_MASK);
  if (pte_sw_dirty(pte)) pte = pte_mkdirty(pte);
  return pte;
}

// Swap-format entries (__swp_entry / __swp_type / __swp_offset).
static inline pte_t ptediff_swp_entry(uint64_t type, uint64_t offset) {
  return ((type & PTEDIFF_SWP_TYPE_MASK) << PTEDIFF_SWP_TYPE_SHIFT) |
         ((offset & PTEDIFF_SWP_OFFSET_MASK) << PTEDIFF_SWP_OFFSET_SHIFT);
}
static inline uint64_t pte_swp_type(pte_t pte) {
  return (pte >> PTEDIFF_SWP_TYPE_SHIFT) & PTEDIFF_SWP_TYPE_MASK;
}
static inline uint64_t pte_swp_offset(pte_t pte) {
  return (pte >> PTEDIFF_SWP_OFFSET_SHIFT) & PTEDIFF_SWP_OFFSET_MASK;
}

// The entry with access and dirty state removed: what fold compares and what
// the pte-state conformance class compares (docs/DESIGN.md §8.4.1).
static inline pte_t pte_mkold_clean(pte_t pte) { return pte_mkold(pte_mkclean(pte)); }

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // PTEDIFF_PTE_H_
