// ptediff: the page-table locks (docs/DESIGN.md §2.10).
//
// Backends never take locks: their callers do (pte_offset_map_lock,
// pmd_lock, huge_pte_lock), and the contract of every entry-modifying helper
// is that the lock covering the entry is held. With split page-table locks
// (USE_SPLIT_PTE_PTLOCKS, USE_SPLIT_PMD_PTLOCKS) that is the PTE table's own
// lock for a PTE, the PMD table's lock for a PMD, and the mm's
// page_table_lock above. A LockId names one such lock; a kernel path's set of
// held locks travels with the op (Prepared::locks) and the oracle checks every
// backend write against it.
#ifndef PTEDIFF_MMU_LOCKS_H_
#define PTEDIFF_MMU_LOCKS_H_

#include <cstdint>
#include <string>

#include "mmu/table.h"
#include "ptediff/pte.h"

namespace ptediff {

enum class LockKind : uint8_t {
  kPteTable,  // the split lock of one PTE table (ptlock_ptr of its page)
  kPmdTable,  // the split lock of one PMD table (pmd_lockptr)
  kMm,        // mm->page_table_lock
};

struct LockId {
  LockKind kind = LockKind::kMm;
  uint32_t mm = 0;
  uint64_t index = 0;  // which table: the VA it covers >> its coverage shift
  bool operator==(const LockId&) const = default;
};

// Bytes one PMD table covers (PUD_SIZE): PTRS_PER_PMD entries of PMD_SIZE.
inline uint64_t pud_size(const ptediff_geometry& g) {
  return 1ULL << (g.pmd_shift + g.page_shift - 3);
}

// The lock covering the entry that maps `va` at `level`: a PTE is covered by
// its table's split lock, a PMD by its PMD table's split lock, a PUD by the
// mm's page_table_lock (pte_lockptr, pmd_lockptr, pud_lockptr).
inline LockId lock_covering(const ptediff_geometry& g, uint32_t mm, uint64_t va, int level) {
  if (level >= kPteLevel) return {LockKind::kPteTable, mm, va >> g.pmd_shift};
  if (level == kPmdLevel) return {LockKind::kPmdTable, mm, va / pud_size(g)};
  return {LockKind::kMm, mm, 0};
}

// "ptl(mm=0 pte table 0x200000)": the lock and the VA its table starts at.
std::string lock_name(const ptediff_geometry& g, const LockId& l);

}  // namespace ptediff

#endif  // PTEDIFF_MMU_LOCKS_H_
