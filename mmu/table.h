// ptediff: level-generic page-table memory.
//
// One table type and one entry type (pte_t plus the level it lives at) serve
// every level: PTE tables of user and kernel address spaces now, PMD/PUD block
// tables of the linear map later. An address space owns a bounded window of
// virtual addresses; anything outside it is refused, never undefined.
#ifndef PTEDIFF_MMU_TABLE_H_
#define PTEDIFF_MMU_TABLE_H_

#include <cstdint>
#include <vector>

#include "ptediff/pte.h"

namespace ptediff {

// Translation levels as the architecture numbers them (3 = PTE level).
inline constexpr int kPteLevel = 3;
inline constexpr int kPmdLevel = 2;
inline constexpr int kPudLevel = 1;

// One translation table of `entries.size()` descriptors at `level`, mapping
// the virtual range starting at `va_base`.
struct Table {
  int level = kPteLevel;
  uint64_t va_base = 0;
  std::vector<pte_t> entries;
};

// A reference to one entry of some table: where it lives and at which level.
struct EntryRef {
  Table* table = nullptr;
  uint32_t index = 0;
  pte_t& value() const { return table->entries[index]; }
  int level() const { return table->level; }
};

// The window of last-level tables of one address space: `num_tables`
// consecutive PTE tables covering [0, num_tables * PMD_SIZE).
class TableWindow {
 public:
  TableWindow(const ptediff_geometry& geo, uint32_t num_tables);

  // The entry mapping `va` at the PTE level, or a null ref when `va` is out of
  // the window or not page aligned.
  EntryRef pte_entry(uint64_t va);
  pte_t pte_value(uint64_t va) const;  // 0 when out of window

  bool contains(uint64_t va) const { return va < limit_; }
  uint64_t limit() const { return limit_; }
  uint32_t num_tables() const { return static_cast<uint32_t>(tables_.size()); }
  const Table& table(uint32_t i) const { return tables_[i]; }
  void clear();

 private:
  ptediff_geometry geo_;
  uint64_t limit_;
  std::vector<Table> tables_;
};

}  // namespace ptediff

#endif  // PTEDIFF_MMU_TABLE_H_
