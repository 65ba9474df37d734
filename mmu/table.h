// ptediff: level-generic page-table memory.
//
// One table type and one entry type (pte_t plus the level it lives at) serve
// every level: PTE tables of user and kernel address spaces now, PMD/PUD block
// tables of the linear map later. An address space owns a bounded window of
// virtual addresses; anything outside it is refused, never undefined.
#ifndef PTEDIFF_MMU_TABLE_H_
#define PTEDIFF_MMU_TABLE_H_

#include <cstddef>
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

// A table descriptor in a PMD or PUD entry (bits[1:0] = 0b11): the table
// below is in use. The machine's tables live outside the simulated physical
// memory, so the descriptor carries no address.
inline constexpr pte_t kTableDescriptor = 3;
inline bool is_table_descriptor(pte_t e) { return e == kTableDescriptor; }

// The window of one address space: `num_tables` consecutive PTE tables
// covering [0, num_tables * PMD_SIZE), and the upper entries above them
// (docs/DESIGN.md §2.3): one PMD entry per PTE table, and one PUD entry per
// whole PUD_SIZE the window covers (none when it covers less). An upper entry
// holds kTableDescriptor (the tables below are reachable), a block leaf, or
// any other value (none, non-present); then the tables below it are
// unreachable, and installing a table descriptor again gives fresh, zeroed
// tables below (as pte_alloc would).
class TableWindow {
 public:
  TableWindow(const ptediff_geometry& geo, uint32_t num_tables);

  // The upper entry (level 2 PMD, level 1 PUD) mapping `va`, or a null ref
  // when there is none (out of the window, not page aligned, or a PUD the
  // window does not cover whole). Write through set().
  EntryRef upper_entry(uint64_t va, int level) {
    Table* t = upper_table(va, level);
    return t != nullptr ? EntryRef{t, upper_index(va, level)} : EntryRef{};
  }
  pte_t upper_value(uint64_t va, int level) const {
    const Table* t = const_cast<TableWindow*>(this)->upper_table(va, level);
    return t != nullptr ? t->entries[upper_index(va, level)] : kTableDescriptor;
  }
  // Upper entries that are not table descriptors: 0 in every window whose
  // tables are all reachable, which walks and primitives test first.
  uint64_t upper_non_tables() const { return upper_non_tables_; }
  // The first upper entry on the walk to `va` that is not a table
  // descriptor (the PUD first), or a null ref when the PTE table is reachable.
  EntryRef upper_leaf(uint64_t va) {
    if (upper_non_tables_ == 0) return {};
    for (int level : {kPudLevel, kPmdLevel}) {
      EntryRef e = upper_entry(va, level);
      if (e.table != nullptr && !is_table_descriptor(e.value())) return e;
    }
    return {};
  }

  // The entry mapping `va` at the PTE level, or a null ref when `va` is out of
  // the window or not page aligned. Write through set(), not the ref.
  EntryRef pte_entry(uint64_t va) {
    if (va >= limit_ || (va & page_mask_) != 0) return {};
    return {&tables_[va >> geo_.pmd_shift],
            static_cast<uint32_t>((va & pmd_mask_) >> geo_.page_shift)};
  }
  // The entry mapping `va`; 0 when out of the window. Inline: the checks and
  // the repair step read entries by the million.
  pte_t pte_value(uint64_t va) const {
    if (va >= limit_) return 0;
    return tables_[va >> geo_.pmd_shift].entries[(va & pmd_mask_) >> geo_.page_shift];
  }

  // Replaces the entry `e` (a ref into this window) and keeps the occupancy
  // bitmaps in step. Every write of a window entry goes through here.
  [[gnu::always_inline]] void set(const EntryRef& e, pte_t v) {
    if (e.table->level != kPteLevel) [[unlikely]] {
      set_upper(e, v);
      return;
    }
    const uint64_t page = static_cast<uint64_t>(e.table - tables_.data()) * per_table_ + e.index;
    num_valid_ += assign_bit(&valid_, page, (v & PTE_VALID) != 0);
    num_used_ += assign_bit(&used_, page, v != 0);
    e.value() = v;
  }

  // The `n` entries from `va` as an array, when they lie in one table (a
  // contiguous block always does); nullptr otherwise. For loops over blocks.
  const pte_t* entries(uint64_t va, uint64_t n) const {
    if (va >= limit_ || (va & page_mask_) != 0) return nullptr;
    const uint64_t i = (va & pmd_mask_) >> geo_.page_shift;
    if (i + n > per_table_) return nullptr;
    return tables_[va >> geo_.pmd_shift].entries.data() + i;
  }

  // The first page at or after `va` (wrapping around the window) whose entry
  // is valid, or none (zero), as a VA; `limit()` when there is none. Word-wise
  // over the bitmaps: the repair step asks this for nearly every op.
  uint64_t next_valid(uint64_t va) const { return next_page(valid_, va, true); }
  uint64_t next_none(uint64_t va) const { return next_page(used_, va, false); }
  uint64_t next_used(uint64_t va) const { return next_page(used_, va, true); }
  // Whether no entry of [va, va + n pages) is valid (none: every entry is 0).
  bool none_valid(uint64_t va, uint64_t n) const { return !any_bit(valid_, va, n); }
  bool all_none(uint64_t va, uint64_t n) const { return !any_bit(used_, va, n); }

  bool contains(uint64_t va) const { return va < limit_; }
  uint64_t limit() const { return limit_; }
  uint32_t num_tables() const { return static_cast<uint32_t>(tables_.size()); }
  const Table& table(uint32_t i) const { return tables_[i]; }
  // Zeroes every entry that is not none (found through the bitmap, so the
  // cost follows what was mapped, not the window size).
  void clear();

 private:
  // The upper table holding the entry of (va, level), or nullptr (see
  // upper_entry), and the entry's index in it.
  Table* upper_table(uint64_t va, int level) {
    if (va >= limit_ || (va & page_mask_) != 0) return nullptr;
    if (level == kPmdLevel) return &pmds_;
    return level == kPudLevel && (va >> pud_shift_) < puds_.entries.size() ? &puds_ : nullptr;
  }
  uint32_t upper_index(uint64_t va, int level) const {
    return static_cast<uint32_t>(va >> (level == kPmdLevel ? geo_.pmd_shift : pud_shift_));
  }

  // set() of an upper entry: keeps upper_non_tables_ and gives fresh tables
  // below a re-installed table descriptor.
  void set_upper(const EntryRef& e, pte_t v);
  // Zeroes the PTE tables of [va, va + size) and makes their PMD entries
  // table descriptors.
  void fresh_tables(uint64_t va, uint64_t size);

  // Sets bit i to `on`; returns the change in the number of set bits.
  static int64_t assign_bit(std::vector<uint64_t>* bits, uint64_t i, bool on) {
    const uint64_t m = 1ULL << (i % 64);
    uint64_t& w = (*bits)[i / 64];
    const int64_t delta = static_cast<int64_t>(on) - static_cast<int64_t>((w & m) != 0);
    w = on ? w | m : w & ~m;
    return delta;
  }
  uint64_t next_page(const std::vector<uint64_t>& bits, uint64_t va, bool want) const;
  bool any_bit(const std::vector<uint64_t>& bits, uint64_t va, uint64_t n) const;

  ptediff_geometry geo_;
  uint64_t limit_;
  uint64_t page_mask_;  // page size - 1
  uint64_t pmd_mask_;   // PMD size - 1
  uint64_t per_table_;  // entries per table
  uint64_t pages_;      // entries in the window
  std::vector<Table> tables_;
  Table pmds_;  // level 2: one entry per PTE table
  Table puds_;  // level 1: one entry per whole PUD_SIZE of the window
  uint32_t pud_shift_;
  uint64_t upper_non_tables_ = 0;
  std::vector<uint64_t> valid_;  // per page: the entry is valid
  std::vector<uint64_t> used_;   // per page: the entry is not none
  uint64_t num_valid_ = 0;       // bits set in valid_
  uint64_t num_used_ = 0;        // bits set in used_
};

}  // namespace ptediff

#endif  // PTEDIFF_MMU_TABLE_H_
