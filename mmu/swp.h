// ptediff: what core-mm stores in non-present entries (swap, migration and
// marker entries), over the arch swap format of include/ptediff/pte.h.
//
// The type numbers are include/linux/swap.h's for a 6.12 arm64 kernel with
// CONFIG_MIGRATION, CONFIG_MEMORY_FAILURE, CONFIG_DEVICE_PRIVATE and
// CONFIG_PTE_MARKER: 23 swap files (types 0-22), then hwpoison (23),
// migration read / read-exclusive / write (24-26), four device types (27-30)
// and the pte marker (31). A migration entry's offset is the pfn, with the
// young and dirty bits just above it (SWP_MIG_YOUNG_BIT = SWP_PFN_BITS,
// "mm/swap: remember PG_anon_exclusive via a swp pte bit" and "mm: remember
// young/dirty bit for page migrations", v6.1).
#ifndef PTEDIFF_MMU_SWP_H_
#define PTEDIFF_MMU_SWP_H_

#include <cstdint>

#include "ptediff/pte.h"

namespace ptediff {

inline constexpr uint64_t kMaxSwapfiles = 23;
inline constexpr uint64_t kSwpMigrationRead = 24;
inline constexpr uint64_t kSwpMigrationReadExclusive = 25;
inline constexpr uint64_t kSwpMigrationWrite = 26;
inline constexpr uint64_t kSwpPteMarker = 31;
inline constexpr uint64_t kPteMarkerUffdWp = 1;  // PTE_MARKER_UFFD_WP

// SWP_PFN_BITS: MAX_PHYSMEM_BITS - PAGE_SHIFT.
inline uint32_t swp_pfn_bits(const ptediff_geometry& g) { return g.pa_bits - g.page_shift; }

inline bool is_real_swap_pte(pte_t e) { return is_swap_pte(e) && pte_swp_type(e) < kMaxSwapfiles; }
inline bool is_migration_pte(pte_t e) {
  return is_swap_pte(e) && pte_swp_type(e) >= kSwpMigrationRead &&
         pte_swp_type(e) <= kSwpMigrationWrite;
}
inline bool is_marker_pte(pte_t e) { return is_swap_pte(e) && pte_swp_type(e) == kSwpPteMarker; }

// The swap-format entry `e` with its type replaced (offset and flag bits
// kept): make_readable_migration_entry and friends.
inline pte_t with_swp_type(pte_t e, uint64_t type) {
  return (e & ~(PTEDIFF_SWP_TYPE_MASK << PTEDIFF_SWP_TYPE_SHIFT)) | ptediff_swp_entry(type, 0);
}

// The pfn a migration entry names, and its remembered young / dirty state.
inline uint64_t migration_pfn(const ptediff_geometry& g, pte_t e) {
  return pte_swp_offset(e) & ((1ULL << swp_pfn_bits(g)) - 1);
}
inline pte_t migration_young_bit(const ptediff_geometry& g) {
  return 1ULL << (swp_pfn_bits(g) + PTEDIFF_SWP_OFFSET_SHIFT);
}
inline pte_t migration_dirty_bit(const ptediff_geometry& g) {
  return 1ULL << (swp_pfn_bits(g) + 1 + PTEDIFF_SWP_OFFSET_SHIFT);
}

// The access/dirty state an entry carries for core-mm: a present entry's
// young/dirty (valid or PROT_NONE), a migration entry's remembered bits.
// Other entries carry none.
struct EntryAD {
  bool carries = false;  // the entry has access/dirty state at all
  bool young = false, dirty = false;
};
inline EntryAD entry_ad(const ptediff_geometry& g, pte_t e) {
  if (pte_present(e)) return {true, pte_young(e), pte_dirty(e)};
  if (is_migration_pte(e)) {
    return {true, (e & migration_young_bit(g)) != 0, (e & migration_dirty_bit(g)) != 0};
  }
  return {};
}

// The entry without its access/dirty state: a valid entry also without CONT
// (what fold compares and the pte-state class compares, docs/DESIGN.md §8.4.1);
// a PROT_NONE entry without young/dirty but with CONT (no contiguous block
// has a non-valid entry); a migration entry without its remembered bits.
// Any other entry whole: its bits are all software's.
inline pte_t entry_norm(const ptediff_geometry& g, pte_t e) {
  if (pte_valid(e)) return pte_mkold_clean(e) & ~PTE_CONT;
  if (pte_present(e)) return pte_mkold_clean(e);
  if (is_migration_pte(e)) return e & ~(migration_young_bit(g) | migration_dirty_bit(g));
  return e;
}

}  // namespace ptediff

#endif  // PTEDIFF_MMU_SWP_H_
