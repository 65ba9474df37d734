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
  kPage,      // the split lock of a page that is no page table (index: its frame)
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

// Kernel addresses (machine v2's ptep_of / pte_offset_map / ptlock_ptr /
// mm_lock): every table of an mm's window has a page in the linear map; a
// temporary mapping of a PTE table (kmap_local_page) is a fixmap page; a lock
// handle names ptlock_ptr(virt_to_ptdesc(kaddr)) by the page's frame, or an
// mm's page_table_lock.
// The linear-map address of the entry mapping `va` at `level` in mm's tables.
uint64_t entry_kaddr(const ptediff_geometry& g, uint32_t mm, uint64_t va, int level);
// The address of the PTE mapping `va` through a temporary mapping of its table.
uint64_t entry_kmap_addr(const ptediff_geometry& g, uint64_t va);
// The lock handle of ptlock_ptr(virt_to_ptdesc(kaddr)) and of &mm->page_table_lock.
uint64_t ptlock_handle(const ptediff_geometry& g, uint64_t kaddr);
uint64_t mm_lock_handle(uint32_t mm);
// The lock a handle names: a table's split lock, an mm lock, or the split
// lock of a page that holds no table of any mm (LockKind::kPage).
LockId resolve_lock(const ptediff_geometry& g, uint64_t handle);

}  // namespace ptediff

#endif  // PTEDIFF_MMU_LOCKS_H_
