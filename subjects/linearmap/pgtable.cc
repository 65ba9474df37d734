// ptediff linear map: kernel tables on the machine, primitives, leaf
// enumeration (see pgtable.h).
#include "subjects/linearmap/pgtable.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_format.h"

namespace ptediff::linearmap {
namespace {

// Machines kept for reuse per granule and thread. Building one is the costly
// part (a 4K window is 1024 PTE tables in each of three mms); resetting one
// costs what the last run mapped. More than one is live only when tables
// coexist (tests holding several sessions).
constexpr size_t kMaxPooled = 4;

std::vector<std::unique_ptr<Machine>>& pool_of(ptediff_granule g) {
  thread_local std::vector<std::unique_ptr<Machine>> pools[3];
  return pools[static_cast<unsigned>(g) % 3];
}

// A machine whose kernel window is the linear map's, with every upper
// entry none: nothing mapped and no table below the root.
Machine* acquire(const Geometry& g) {
  std::vector<std::unique_ptr<Machine>>& pool = pool_of(g.geo.granule);
  std::unique_ptr<Machine> m;
  if (pool.empty()) {
    m = std::make_unique<Machine>(g.geo, /*features=*/0, /*folios=*/nullptr,
                                  static_cast<uint32_t>(g.window_pages / g.span[kPmdLevel]));
  } else {
    m = std::move(pool.back());
    pool.pop_back();
    m->reset(/*features=*/0);
  }
  for (uint64_t page = 0; page < g.window_pages; page += g.span[kPmdLevel])
    m->poke_level(kKernelMm, page * g.page_size, kPmdLevel, 0);
  for (uint64_t page = 0; page < g.window_pages; page += g.span[kPudLevel])
    m->poke_level(kKernelMm, page * g.page_size, kPudLevel, 0);
  return m.release();  // owned by KernelPgtable::m_, returned by Release
}

}  // namespace

void KernelPgtable::Release::operator()(Machine* m) const {
  std::vector<std::unique_ptr<Machine>>& pool = pool_of(m->geo().granule);
  if (pool.size() < kMaxPooled) {
    pool.emplace_back(m);
  } else {
    delete m;
  }
}

KernelPgtable::KernelPgtable(const Geometry& g)
    : g_(g),
      m_(acquire(g)),
      mm_(m_->mm(kKernelMm)),
      pud_held_(mm_->window.upper_entry(0, kPudLevel).table != nullptr) {}

pte_t KernelPgtable::leaf_desc(int level, uint64_t pa_page, pte_t attrs, bool cont) const {
  pte_t d = pfn_pte(&g_.geo, pa_page, attrs & kAttrMask);
  if (level == kPteLevel) d |= PTE_TYPE_PAGE & ~PTE_VALID;  // bit 1: page, even when invalid
  return cont ? (d | PTE_CONT) : d;
}

uint32_t KernelPgtable::size(TableRef t) const {
  if (t.level == kPudLevel) return g_.root_entries;
  const uint64_t in_window = (g_.window_pages - t.base) / g_.span[t.level];
  return static_cast<uint32_t>(std::min<uint64_t>(g_.table_entries, in_window));
}

bool KernelPgtable::has_table(TableRef t, uint32_t i) const {
  if (held(t)) return is_table_descriptor(entry(t, i));
  const TableRef c = child(t, i);
  for (uint32_t k = 0; k < size(c); ++k) {
    if (entry(c, k) != 0) return true;
  }
  return false;
}

std::optional<Slot> KernelPgtable::find_leaf(uint64_t page) const {
  if (page >= g_.window_pages) return std::nullopt;
  for (TableRef t = root();;) {
    const uint32_t i = index_of(t, page);
    const pte_t d = entry(t, i);
    if (d == 0) return std::nullopt;
    if (!is_table(d, t.level)) return Slot{t, i};
    if (!is_table_descriptor(d)) return std::nullopt;  // the machine does not follow it
    t = child(t, i);
  }
}

void KernelPgtable::write(TableRef t, uint32_t i, pte_t v) {
  m_->prim_write(mm_, entry_page(t, i) * g_.page_size, v, t.level);
}

void KernelPgtable::flush_range(uint64_t start_page, uint64_t end_page, int level_hint) {
  m_->prim_flush_tlb_range(mm_, start_page * g_.page_size, end_page * g_.page_size, g_.page_size,
                           /*last_level=*/false, level_hint, /*sync=*/true);
}

void KernelPgtable::flush_all() { m_->prim_flush_tlb_mm(mm_); }

bool KernelPgtable::reserve(uint64_t n2, uint64_t n3, uint32_t failing) {
  if ((n2 != 0 && (failing & (1u << 2))) || (n3 != 0 && (failing & (1u << 3)))) return false;
  reserve_[2] += n2;
  reserve_[3] += n3;
  return true;
}

TableRef KernelPgtable::install(TableRef t, uint32_t i, bool unchecked) {
  const TableRef c = child(t, i);
  if (reserve_[c.level] > 0) {
    --reserve_[c.level];
  } else if (!unchecked) {
    m_->report_contract_error(
        absl::StrFormat("level-%d table allocated without a reservation", c.level).c_str());
  }
  if (!held(t)) return c;  // implicit: in use from the first write below
  write(t, i, kTableDescriptor);
  // The machine's fresh PUD has a PTE table below every PMD entry; the
  // kernel's fresh PMD table has none (the allocator zeroes the page).
  if (c.level == kPmdLevel) {
    for (uint32_t k = 0; k < size(c); ++k)
      m_->poke_level(kKernelMm, entry_page(c, k) * g_.page_size, kPmdLevel, 0);
  }
  return c;
}

std::vector<Leaf> KernelPgtable::leaves(std::vector<std::string>* problems,
                                        uint64_t* problem_page) const {
  return leaves(0, g_.window_pages, problems, problem_page);
}

std::vector<Leaf> KernelPgtable::leaves(uint64_t lo, uint64_t hi,
                                        std::vector<std::string>* problems,
                                        uint64_t* problem_page) const {
  std::vector<Leaf> out;
  walk_leaves(root(), lo, hi, &out, problems, problem_page);
  return out;
}

void KernelPgtable::walk_leaves(TableRef t, uint64_t lo, uint64_t hi, std::vector<Leaf>* out,
                                std::vector<std::string>* problems, uint64_t* problem_page) const {
  const int level = t.level;
  const uint64_t span = g_.span[level];
  const uint32_t n = g_.cont[level];
  const uint32_t entries = size(t);
  auto problem = [&](uint64_t page, std::string what) {
    if (problems->empty()) *problem_page = page;
    problems->push_back(absl::StrFormat("%s at 0x%x", what, page * g_.page_size));
  };
  // Entries intersecting [lo, hi), widened to whole cont groups.
  const uint32_t step = n != 0 ? n : 1;
  const uint64_t first = lo > t.base ? (lo - t.base) / span / step * step : 0;
  const uint64_t last =
      hi > t.base ? ((hi - t.base + span - 1) / span + step - 1) / step * step : 0;
  // A PTE table is one array in the machine; upper entries are peeked.
  const pte_t* ptes =
      level == kPteLevel ? m_->entries(kKernelMm, t.base * g_.page_size, entries) : nullptr;
  auto at = [&](uint32_t i) { return ptes != nullptr ? ptes[i] : entry(t, i); };
  for (uint32_t i = static_cast<uint32_t>(first); i < std::min<uint64_t>(last, entries); ++i) {
    const pte_t d = at(i);
    const uint64_t page = entry_page(t, i);
    if (d == 0) continue;
    if (is_table(d, level)) {
      if (!is_table_descriptor(d)) {
        problem(page, "table descriptor the machine does not follow");
        continue;
      }
      walk_leaves(child(t, i), lo, hi, out, problems, problem_page);
      continue;
    }
    Leaf l{page, span, level, false, desc_pa(d), desc_attrs(d)};
    // (A level-1 block without PUD blocks cannot be expressed: a 16K or 64K
    // window holds no level-1 entry.)
    if (level == kPteLevel && (d & PTE_TYPE_PAGE & ~PTE_VALID) == 0)
      problem(page, "block descriptor at level 3 (reserved there)");
    if (l.pa % span != 0) problem(page, "block output address not aligned to its size");
    if (pte_cont(d)) {
      // A well-formed group: aligned, every member a CONT leaf with the same
      // attributes and consecutive, group-aligned output addresses.
      bool ok = n != 0 && i % n == 0 && i + n <= entries && l.pa % (span * n) == 0;
      for (uint32_t j = 1; ok && j < n; ++j) {
        const pte_t m = at(i + j);
        ok = m != 0 && !is_table(m, level) && pte_cont(m) && desc_attrs(m) == l.attrs &&
             desc_pa(m) == l.pa + j * span;
      }
      if (ok) {
        l.cont = true;
        l.pages = span * n;
        if (l.page < hi && l.page + l.pages > lo) out->push_back(l);
        i += n - 1;
        continue;
      }
      problem(page, "malformed contiguous group");
      l.cont = true;
    }
    if (l.page < hi && l.page + l.pages > lo) out->push_back(l);
  }
}

}  // namespace ptediff::linearmap
