// ptediff linear map: the kernel page tables the optimized implementation
// runs on.
//
// Real multi-level tables built from mmu's level-generic Table: a level-1
// root covering the window, level-2 (PMD) and level-3 (PTE) tables allocated
// on demand. A table descriptor is bits[1:0]=0b11 with the table's id in the
// output-address field; a block is 0b01, a page 0b11 at level 3; a leaf made
// invalid keeps its other bits. Every write and TLB flush goes through a
// logged primitive (mmu's LogRec; for entry writes `tlb_level` carries the
// level of the written entry). Walks read entries directly, unlogged.
// Tables come from a reserve filled before an op changes anything, so an
// allocation failure can always be reported with nothing changed.
#ifndef PTEDIFF_LINEARMAP_PGTABLE_H_
#define PTEDIFF_LINEARMAP_PGTABLE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "linearmap/geometry.h"
#include "mmu/machine.h"
#include "mmu/table.h"

namespace ptediff::linearmap {

class KernelPgtable {
 public:
  explicit KernelPgtable(const Geometry& g);

  const Geometry& geometry() const { return g_; }
  Table& root() { return *tables_[0]; }
  const Table& root() const { return *tables_[0]; }

  // Descriptor encoding.
  static bool is_table(pte_t d, int level) {
    return level < kPteLevel && (d & PTE_TYPE_MASK) == PTE_TYPE_MASK;
  }
  pte_t table_desc(const Table& t) const;
  Table* table_of(pte_t d) const;  // nullptr when d names no table
  pte_t leaf_desc(int level, uint64_t pa_page, pte_t attrs, bool cont) const;
  uint64_t desc_pa(pte_t d) const { return pte_pfn(&g_.geo, d); }
  static pte_t desc_attrs(pte_t d) { return d & kAttrMask; }
  // First base page mapped by entry `i` of `t`.
  uint64_t entry_page(const Table& t, uint32_t i) const {
    return t.va_base / g_.page_size + uint64_t{i} * g_.span[t.level];
  }
  // The index in `t` of the entry mapping `page`.
  uint32_t index_of(const Table& t, uint64_t page) const {
    return static_cast<uint32_t>((page - t.va_base / g_.page_size) / g_.span[t.level]);
  }

  // The leaf entry mapping `page`, or a null ref when unmapped.
  EntryRef find_leaf(uint64_t page) const;

  // Primitives (logged and counted).
  void write(const EntryRef& e, pte_t v);
  void flush_range(uint64_t start_page, uint64_t end_page, int level_hint);  // stride PAGE_SIZE
  void flush_all();

  // Reserves `n2` PMD and `n3` PTE tables; fails (reserving nothing) when a
  // needed depth is in `failing` (bit d = depth d).
  bool reserve(uint64_t n2, uint64_t n3, uint32_t failing);
  // A table for `level` mapping from `base_page`: from the reserve; when it is
  // empty, a fresh one if `unchecked`, else a fresh one and a violation.
  Table* take(int level, uint64_t base_page, bool unchecked = false);
  void drop_reserve() { reserve_[2].clear(), reserve_[3].clear(); }

  // Per-op log.
  void begin_op() { log_.clear(), violations_.clear(); }
  const std::vector<LogRec>& log() const { return log_; }
  const Counters& counters() const { return counters_; }
  const std::vector<std::string>& violations() const { return violations_; }

  // The leaves of the tables in address order (a well-formed cont group is
  // one leaf). Structural defects (misaligned block, malformed cont group,
  // block at a level without blocks, misplaced table) go to *problems with
  // the first affected page in *problem_page.
  std::vector<Leaf> leaves(std::vector<std::string>* problems, uint64_t* problem_page) const;
  // The same for the leaves intersecting pages [lo, hi) (cont groups whole).
  std::vector<Leaf> leaves(uint64_t lo, uint64_t hi, std::vector<std::string>* problems,
                           uint64_t* problem_page) const;

 private:
  void walk_leaves(const Table& t, uint64_t lo, uint64_t hi, std::vector<Leaf>* out,
                   std::vector<std::string>* problems, uint64_t* problem_page) const;
  std::unique_ptr<Table> make_table(int level, uint64_t base_page) const;

  const Geometry& g_;
  std::vector<std::unique_ptr<Table>> tables_;  // id = index + 1; tables_[0] is the root
  absl::flat_hash_map<const Table*, uint64_t> ids_;
  std::vector<std::unique_ptr<Table>> reserve_[4];
  std::vector<LogRec> log_;
  Counters counters_;
  std::vector<std::string> violations_;
};

}  // namespace ptediff::linearmap

#endif  // PTEDIFF_LINEARMAP_PGTABLE_H_
