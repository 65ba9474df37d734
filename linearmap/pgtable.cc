// ptediff linear map: kernel table memory, primitives, leaf enumeration.
#include "linearmap/pgtable.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace ptediff::linearmap {

KernelPgtable::KernelPgtable(const Geometry& g) : g_(g) {
  tables_.push_back(make_table(kPudLevel, 0));
  ids_[tables_[0].get()] = 1;
}

std::unique_ptr<Table> KernelPgtable::make_table(int level, uint64_t base_page) const {
  auto t = std::make_unique<Table>();
  t->level = level;
  t->va_base = base_page * g_.page_size;
  t->entries.assign(level == kPudLevel ? g_.root_entries : g_.table_entries, 0);
  return t;
}

pte_t KernelPgtable::table_desc(const Table& t) const {
  auto it = ids_.find(&t);
  const uint64_t id = it == ids_.end() ? 0 : it->second;
  return pfn_pte(&g_.geo, id, PTE_TYPE_MASK);
}

Table* KernelPgtable::table_of(pte_t d) const {
  const uint64_t id = pte_pfn(&g_.geo, d);
  if (id < 2 || id > tables_.size()) return nullptr;  // id 1 is the root
  return tables_[id - 1].get();
}

pte_t KernelPgtable::leaf_desc(int level, uint64_t pa_page, pte_t attrs, bool cont) const {
  pte_t d = pfn_pte(&g_.geo, pa_page, attrs & kAttrMask);
  if (level == kPteLevel) d |= PTE_TYPE_PAGE & ~PTE_VALID;  // bit 1: page, even when invalid
  return cont ? (d | PTE_CONT) : d;
}

EntryRef KernelPgtable::find_leaf(uint64_t page) const {
  Table* t = tables_[0].get();
  if (page >= g_.window_pages) return {};
  for (int level = kPudLevel;; ++level) {
    const uint32_t i = index_of(*t, page);
    const pte_t d = t->entries[i];
    if (d == 0) return {};
    if (!is_table(d, level)) return EntryRef{t, i};
    t = table_of(d);
    if (t == nullptr) return {};
  }
}

void KernelPgtable::write(const EntryRef& e, pte_t v) {
  LogRec r{Prim::kWrite};
  r.mm = kKernelMm;
  r.addr = entry_page(*e.table, e.index) * g_.page_size;
  r.tlb_level = static_cast<int8_t>(e.level());
  r.old = e.value();
  r.val = v;
  log_.push_back(r);
  ++counters_.writes;
  e.value() = v;
}

void KernelPgtable::flush_range(uint64_t start_page, uint64_t end_page, int level_hint) {
  LogRec r{Prim::kFlushRange};
  r.mm = kKernelMm;
  r.sync = true;
  r.tlb_level = static_cast<int8_t>(level_hint);
  r.addr = start_page * g_.page_size;
  r.end = end_page * g_.page_size;
  r.stride = g_.page_size;
  log_.push_back(r);
  counters_.tlbis += end_page - start_page;
  ++counters_.dsbs;
}

void KernelPgtable::flush_all() {
  LogRec r{Prim::kFlushMm};
  r.mm = kKernelMm;
  log_.push_back(r);
  ++counters_.tlbis;
  ++counters_.dsbs;
}

bool KernelPgtable::reserve(uint64_t n2, uint64_t n3, uint32_t failing) {
  if ((n2 != 0 && (failing & (1u << 2))) || (n3 != 0 && (failing & (1u << 3)))) return false;
  for (uint64_t i = 0; i < n2; ++i) reserve_[2].push_back(make_table(kPmdLevel, 0));
  for (uint64_t i = 0; i < n3; ++i) reserve_[3].push_back(make_table(kPteLevel, 0));
  return true;
}

Table* KernelPgtable::take(int level, uint64_t base_page, bool unchecked) {
  std::unique_ptr<Table> t;
  auto& pool = reserve_[level];
  if (!pool.empty()) {
    t = std::move(pool.back());
    pool.pop_back();
    t->va_base = base_page * g_.page_size;
  } else {
    if (!unchecked && violations_.size() < 16)
      violations_.push_back(
          absl::StrFormat("level-%d table allocated without a reservation", level));
    t = make_table(level, base_page);
  }
  tables_.push_back(std::move(t));
  ids_[tables_.back().get()] = tables_.size();
  return tables_.back().get();
}

std::vector<Leaf> KernelPgtable::leaves(std::vector<std::string>* problems,
                                        uint64_t* problem_page) const {
  return leaves(0, g_.window_pages, problems, problem_page);
}

std::vector<Leaf> KernelPgtable::leaves(uint64_t lo, uint64_t hi,
                                        std::vector<std::string>* problems,
                                        uint64_t* problem_page) const {
  std::vector<Leaf> out;
  walk_leaves(*tables_[0], lo, hi, &out, problems, problem_page);
  return out;
}

void KernelPgtable::walk_leaves(const Table& t, uint64_t lo, uint64_t hi, std::vector<Leaf>* out,
                                std::vector<std::string>* problems, uint64_t* problem_page) const {
  const int level = t.level;
  const uint64_t span = g_.span[level];
  const uint32_t n = g_.cont[level];
  auto problem = [&](uint64_t page, std::string what) {
    if (problems->empty()) *problem_page = page;
    problems->push_back(absl::StrFormat("%s at 0x%x", what, page * g_.page_size));
  };
  // Entries intersecting [lo, hi), widened to whole cont groups.
  const uint64_t base = t.va_base / g_.page_size;
  const uint32_t step = n != 0 ? n : 1;
  const uint64_t first = lo > base ? (lo - base) / span / step * step : 0;
  const uint64_t last = hi > base ? ((hi - base + span - 1) / span + step - 1) / step * step : 0;
  for (uint32_t i = static_cast<uint32_t>(first); i < std::min<uint64_t>(last, t.entries.size());
       ++i) {
    const pte_t d = t.entries[i];
    const uint64_t page = entry_page(t, i);
    if (d == 0) continue;
    if (is_table(d, level)) {
      const Table* c = table_of(d);
      if (c == nullptr || c->level != level + 1 || c->va_base != page * g_.page_size) {
        problem(page, "table descriptor names no table for this entry");
        continue;
      }
      walk_leaves(*c, lo, hi, out, problems, problem_page);
      continue;
    }
    Leaf l{page, span, level, false, desc_pa(d), desc_attrs(d)};
    if (level == kPudLevel && !g_.pud_block) problem(page, "level-1 block with this granule");
    if (l.pa % span != 0) problem(page, "block output address not aligned to its size");
    if (pte_cont(d)) {
      // A well-formed group: aligned, every member a CONT leaf with the same
      // attributes and consecutive, group-aligned output addresses.
      bool ok = n != 0 && i % n == 0 && i + n <= t.entries.size() && l.pa % (span * n) == 0;
      for (uint32_t j = 1; ok && j < n; ++j) {
        const pte_t m = t.entries[i + j];
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
