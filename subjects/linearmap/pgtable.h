// ptediff linear map: the kernel page tables the optimized implementation
// runs on.
//
// The tables are the kernel mm (kKernelMm) of an mmu Machine whose window
// covers the linear map's window (docs/DESIGN.md §2.3): PTE tables, one PMD
// entry per PTE table, one PUD entry per whole PUD the window covers (4K:
// two; 16K and 64K: none, the window is a fraction of one PUD).
// KernelPgtable presents them as the kernel walks them: a level-1 root,
// level-2 (PMD) and level-3 (PTE) tables, each named by a TableRef. An upper
// entry holding kTableDescriptor has a table below; a block is 0b01, a page
// 0b11 at level 3; a leaf made invalid keeps its other bits. Allocating a
// table is installing a table descriptor (the machine gives a fresh, zeroed
// table). A level-1 entry the window does not hold (16K, 64K) is implicit:
// its PMD table is in use once any of its entries is (the linear map never
// empties a table).
//
// Every entry write and TLB flush goes through the machine's logged
// primitives (mmu's LogRec, with the entry's level); walks peek, unlogged.
// The machine's TLB is unused: the flush checks read the log. Tables are
// counted out of a reserve filled before an op changes anything, so an
// allocation failure can always be reported with nothing changed.
#ifndef PTEDIFF_SUBJECTS_LINEARMAP_PGTABLE_H_
#define PTEDIFF_SUBJECTS_LINEARMAP_PGTABLE_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mmu/machine.h"
#include "mmu/table.h"
#include "subjects/linearmap/geometry.h"

namespace ptediff::linearmap {

// One table of the kernel tables: the table at `level` (1 the root, 2 PMD,
// 3 PTE) whose first entry maps base page `base`. Its entries live in the
// machine; a TableRef of a table not yet allocated is only an address.
struct TableRef {
  int level = kPudLevel;
  uint64_t base = 0;
};

// Entry `index` of `table`.
struct Slot {
  TableRef table;
  uint32_t index = 0;
  int level() const { return table.level; }
};

class KernelPgtable {
 public:
  // Empty tables (nothing below the root) on a machine of g's granule.
  explicit KernelPgtable(const Geometry& g);
  // The tables already on `m` (another KernelPgtable's machine, which
  // outlives this one): a second view of them, with its own reserve.
  KernelPgtable(const Geometry& g, Machine& m);
  KernelPgtable(const KernelPgtable&) = delete;
  KernelPgtable& operator=(const KernelPgtable&) = delete;

  const Geometry& geometry() const { return g_; }
  static TableRef root() { return {kPudLevel, 0}; }
  // The machine holding the tables (tests poke hand-built states into it).
  Machine& machine() { return *m_; }
  const Machine& machine() const { return *m_; }

  // Descriptor encoding.
  static bool is_table(pte_t d, int level) {
    return level < kPteLevel && (d & PTE_TYPE_MASK) == PTE_TYPE_MASK;
  }
  pte_t leaf_desc(int level, uint64_t pa_page, pte_t attrs, bool cont) const {
    pte_t d = pfn_pte(&g_.geo, pa_page, attrs & kAttrMask);
    if (level == kPteLevel) d |= PTE_TYPE_PAGE & ~PTE_VALID;  // bit 1: page, even when invalid
    return cont ? (d | PTE_CONT) : d;
  }
  // Whether leaf_desc(l, pa_page + j, ...) is leaf_desc(l, pa_page, ...) + j
  // pages for every j < n: the output address stays below bit 48 (above it a
  // 52-bit PA's top bits move).
  bool descs_step(uint64_t pa_page, uint64_t n) const {
    return (pa_page + n) << g_.geo.page_shift <= (1ULL << 48);
  }
  uint64_t desc_pa(pte_t d) const { return pte_pfn(&g_.geo, d); }
  static pte_t desc_attrs(pte_t d) { return d & kAttrMask; }

  // Entries of `t` inside the window (a 16K or 64K PMD table is cut short).
  uint32_t size(TableRef t) const;
  // First base page mapped by entry `i` of `t`.
  uint64_t entry_page(TableRef t, uint32_t i) const {
    return t.base + (uint64_t{i} << g_.span_shift[t.level]);
  }
  // The index in `t` of the entry mapping `page`.
  uint32_t index_of(TableRef t, uint64_t page) const {
    return static_cast<uint32_t>((page - t.base) >> g_.span_shift[t.level]);
  }
  // Entry `i` of `t`, unlogged (an implicit level-1 entry reads as a table
  // descriptor, as Machine::peek_level has it).
  pte_t entry(TableRef t, uint32_t i) const {
    return m_->peek_level(kKernelMm, entry_page(t, i) * g_.page_size, t.level);
  }
  // Whether entry `i` of upper table `t` has a table below it in use (an
  // implicit level-1 entry: once any entry of its PMD table is not none).
  bool has_table(TableRef t, uint32_t i) const;
  // The table below entry `i` of `t`.
  TableRef child(TableRef t, uint32_t i) const { return {t.level + 1, entry_page(t, i)}; }

  // The entries of PTE table `t` as one array (read only; valid until the
  // table is replaced), or nullptr when `t` is not a PTE table.
  const pte_t* ptes(TableRef t) const {
    return t.level == kPteLevel ? m_->entries(kKernelMm, t.base * g_.page_size, size(t)) : nullptr;
  }

  // The leaf entry mapping `page`, or nullopt when unmapped.
  std::optional<Slot> find_leaf(uint64_t page) const;
  // The first page of [lo, hi) find_leaf finds no leaf for, or hi.
  uint64_t first_unmapped(uint64_t lo, uint64_t hi) const { return first_unmapped(root(), lo, hi); }

  // Primitives (logged and counted by the machine).
  void write(TableRef t, uint32_t i, pte_t v) {
    m_->prim_write(mm_, entry_page(t, i) * g_.page_size, v, t.level);
  }
  // write() of entries i, i + 1, ... i + n - 1 of PTE table `t`, in that
  // order, with leaf_desc(kPteLevel, pa_page + j, attrs, cont).
  void write_ptes(TableRef t, uint32_t i, uint64_t n, uint64_t pa_page, pte_t attrs, bool cont);
  void flush_range(uint64_t start_page, uint64_t end_page, int level_hint);  // stride PAGE_SIZE
  void flush_all();

  // Reserves `n2` PMD and `n3` PTE tables; fails (reserving nothing) when a
  // needed depth is in `failing` (bit d = depth d).
  bool reserve(uint64_t n2, uint64_t n3, uint32_t failing);
  // Allocates the table below entry `i` of `t` (replacing what the entry
  // held): one from the reserve; when it is empty, one anyway, reported as a
  // contract error unless `unchecked`. Installs a table descriptor (logged;
  // nothing for an implicit level-1 entry) and returns the fresh table.
  TableRef install(TableRef t, uint32_t i, bool unchecked = false);
  void drop_reserve() { reserve_[2] = reserve_[3] = 0; }

  // Per-op log, cost counters and violations: the machine's.
  void begin_op() { m_->begin_op(); }
  const std::vector<LogRec>& log() const { return m_->log(); }
  const Counters& counters() const { return m_->counters(); }
  const std::vector<std::string>& violations() const { return m_->violations(); }

  // The leaves of the tables in address order (a well-formed cont group is
  // one leaf). Structural defects (misaligned block, malformed cont group,
  // block descriptor at level 3, a table descriptor the machine does not
  // follow) go to *problems with the first affected page in *problem_page.
  std::vector<Leaf> leaves(std::vector<std::string>* problems, uint64_t* problem_page) const;
  // The same for the leaves intersecting pages [lo, hi) (cont groups whole).
  std::vector<Leaf> leaves(uint64_t lo, uint64_t hi, std::vector<std::string>* problems,
                           uint64_t* problem_page) const;
  // The walk behind leaves(), nothing built: calls v.problem(page, what)
  // for each structural defect (before the leaf it affects, which is still
  // visited) and v.leaf(leaf, &next) for each leaf intersecting [lo, hi), in
  // address order; stops, returning false, as soon as either returns false.
  // `next` is where the walk goes on, the leaf's end unless the visitor
  // moves it further for a PTE leaf (to the end of entries of the same table
  // it has judged itself).
  template <class Visitor>
  bool visit_leaves(uint64_t lo, uint64_t hi, Visitor& v) const {
    return visit(root(), lo, hi, v);
  }

 private:
  // Returns a machine to this thread's pool (machines are built once per
  // granule and thread, reset per use).
  struct Release {
    bool owned = true;  // false: a view of another KernelPgtable's machine
    void operator()(Machine* m) const;
  };

  // Whether the machine holds the entries of `t` (all but the root of a
  // 16K or 64K window).
  bool held(TableRef t) const { return t.level != kPudLevel || pud_held_; }
  template <class Visitor>
  bool visit(TableRef t, uint64_t lo, uint64_t hi, Visitor& v) const;
  uint64_t first_unmapped(TableRef t, uint64_t lo, uint64_t hi) const;

  const Geometry& g_;
  std::unique_ptr<Machine, Release> m_;
  ptediff_mm* mm_;
  bool pud_held_;
  uint64_t reserve_[4] = {0, 0, 0, 0};  // tables reserved, by level
};

template <class Visitor>
bool KernelPgtable::visit(TableRef t, uint64_t lo, uint64_t hi, Visitor& v) const {
  const int level = t.level;
  const uint64_t span = g_.span[level];
  const uint32_t n = g_.cont[level];
  const uint32_t entries = size(t);
  // Entries intersecting [lo, hi), widened to whole cont groups.
  const uint64_t step = n != 0 ? n : 1;
  const uint64_t first = lo > t.base ? align_down((lo - t.base) >> g_.span_shift[level], step) : 0;
  const uint64_t last =
      hi > t.base ? align_down(((hi - t.base + span - 1) >> g_.span_shift[level]) + step - 1, step)
                  : 0;
  // A PTE table is one array in the machine; upper entries are peeked.
  const pte_t* table = ptes(t);
  auto at = [&](uint32_t i) { return table != nullptr ? table[i] : entry(t, i); };
  for (uint32_t i = static_cast<uint32_t>(first); i < std::min<uint64_t>(last, entries); ++i) {
    const pte_t d = at(i);
    if (d == 0) continue;
    const uint64_t page = entry_page(t, i);
    if (is_table(d, level)) {
      if (!is_table_descriptor(d)) {
        if (!v.problem(page, "table descriptor the machine does not follow")) return false;
        continue;
      }
      if (!visit(child(t, i), lo, hi, v)) return false;
      continue;
    }
    Leaf l{page, span, level, false, desc_pa(d), desc_attrs(d)};
    // (A level-1 block without PUD blocks cannot be expressed: a 16K or 64K
    // window holds no level-1 entry.)
    if (level == kPteLevel && (d & PTE_TYPE_PAGE & ~PTE_VALID) == 0 &&
        !v.problem(page, "block descriptor at level 3 (reserved there)"))
      return false;
    if (!is_aligned(l.pa, span) && !v.problem(page, "block output address not aligned to its size"))
      return false;
    if (pte_cont(d)) {
      // A well-formed group: aligned, every member a CONT leaf with the same
      // attributes and consecutive, group-aligned output addresses.
      bool ok = n != 0 && is_aligned(i, n) && i + n <= entries && is_aligned(l.pa, span * n);
      for (uint32_t j = 1; ok && j < n; ++j) {
        const pte_t m = at(i + j);
        ok = m != 0 && !is_table(m, level) && pte_cont(m) && desc_attrs(m) == l.attrs &&
             desc_pa(m) == l.pa + j * span;
      }
      if (ok) {
        l.cont = true;
        l.pages = span * n;
      } else {
        if (!v.problem(page, "malformed contiguous group")) return false;
        l.cont = true;
      }
    }
    if (l.page < hi && l.page + l.pages > lo) {
      uint64_t next = l.page + l.pages;
      if (!v.leaf(l, &next)) return false;
      i = index_of(t, next) - 1;
    } else if (l.cont && l.pages > span) {
      i += n - 1;
    }
  }
  return true;
}

}  // namespace ptediff::linearmap

#endif  // PTEDIFF_SUBJECTS_LINEARMAP_PGTABLE_H_
