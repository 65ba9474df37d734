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
  if (!owned) return;
  std::vector<std::unique_ptr<Machine>>& pool = pool_of(m->geo().granule);
  if (pool.size() < kMaxPooled) {
    pool.emplace_back(m);
  } else {
    delete m;
  }
}

KernelPgtable::KernelPgtable(const Geometry& g)
    : g_(g),
      m_(acquire(g), Release{}),
      mm_(m_->mm(kKernelMm)),
      pud_held_(mm_->window.upper_entry(0, kPudLevel).table != nullptr) {}

KernelPgtable::KernelPgtable(const Geometry& g, Machine& m)
    : g_(g),
      m_(&m, Release{false}),
      mm_(m_->mm(kKernelMm)),
      pud_held_(mm_->window.upper_entry(0, kPudLevel).table != nullptr) {}

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

void KernelPgtable::write_ptes(TableRef t, uint32_t i, uint64_t n, uint64_t pa_page, pte_t attrs,
                               bool cont) {
  Machine* const m = m_.get();
  ptediff_mm* const mm = mm_;
  const uint64_t page_size = g_.page_size;
  uint64_t addr = entry_page(t, i) * page_size;
  const bool linear = descs_step(pa_page, n);
  pte_t d = leaf_desc(kPteLevel, pa_page, attrs, cont);
  for (uint64_t j = 0; j < n; ++j, addr += page_size) {
    if (!linear) d = leaf_desc(kPteLevel, pa_page + j, attrs, cont);
    m->prim_write(mm, addr, d, kPteLevel);
    d += page_size;
  }
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
  // Collects every leaf and every problem, with its address.
  struct Collector {
    const Geometry& g;
    std::vector<Leaf> out;
    std::vector<std::string>* problems;
    uint64_t* problem_page;
    bool leaf(const Leaf& l, uint64_t*) {
      out.push_back(l);
      return true;
    }
    bool problem(uint64_t page, const char* what) {
      if (problems->empty()) *problem_page = page;
      problems->push_back(absl::StrFormat("%s at 0x%x", what, page * g.page_size));
      return true;
    }
  } c{g_, {}, problems, problem_page};
  visit_leaves(lo, hi, c);
  return std::move(c.out);
}

uint64_t KernelPgtable::first_unmapped(TableRef t, uint64_t lo, uint64_t hi) const {
  const uint64_t span = g_.span[t.level];
  const pte_t* table = ptes(t);
  const uint64_t end = std::min(hi, t.base + uint64_t{size(t)} * span);
  if (table != nullptr) {  // pages: the first none entry
    for (uint64_t p = std::max(lo, t.base); p < end; ++p) {
      if (table[p - t.base] == 0) return p;
    }
    return hi;
  }
  for (uint64_t p = std::max(lo, t.base); p < end;) {
    const uint32_t i = index_of(t, p);
    const pte_t d = entry(t, i);
    if (d == 0) return p;
    const uint64_t next = entry_page(t, i) + span;
    if (is_table(d, t.level)) {
      if (!is_table_descriptor(d)) return p;  // find_leaf does not follow it
      const uint64_t r = first_unmapped(child(t, i), p, std::min(end, next));
      if (r < std::min(end, next)) return r;
    }
    p = next;
  }
  return hi;
}

}  // namespace ptediff::linearmap
