// ptediff linear map: the optimized implementation and its mutants.
#include "linearmap/optimized.h"

#include <algorithm>

namespace ptediff::linearmap {
namespace {

// Where the linear map's split and block rules come from (docs/DESIGN.md §8.4).
constexpr const char* kLargeBlocks =
    "a166563e7ec3 \"arm64: mm: support large block mapping when rodata=full\"";

constexpr MutantInfo kMutants[] = {
    {Mutant::kNone, "none", "no fault injected", ""},
#define PTEDIFF_LM_MUTANT(e, name, what, source) {Mutant::e, name, what, source},
#include "linearmap/mutants.def"
#undef PTEDIFF_LM_MUTANT
};
static_assert(std::size(kMutants) == static_cast<size_t>(Mutant::kCount), "one row per mutant");

// Above this many pages a kernel-range flush becomes a full flush
// (flush_tlb_kernel_range's MAX_DVM_OPS cut-off).
constexpr uint64_t kMaxFlushPages = 512;

}  // namespace

std::span<const MutantInfo> linearmap_mutants() { return kMutants; }

bool find_mutant(std::string_view name, Mutant* out) {
  for (const MutantInfo& m : kMutants) {
    if (name == m.name) {
      *out = m.id;
      return true;
    }
  }
  return false;
}

Optimized::Optimized(const Geometry& g, bool bbml2, Mutant mutant)
    : g_(g), pt_(g), bbml2_(bbml2), mutant_(mutant) {}

int Optimized::apply(const Op& op) {
  pt_.begin_op();
  if (alloc_.begin(op)) return kOk;
  const uint64_t page = op.va / g_.page_size;
  int r = kEinval;
  switch (op.kind) {
    case OpKind::kMap:
      r = map(page, op.pa / g_.page_size, op.size / g_.page_size, op.flags);
      break;
    case OpKind::kSplit:
      r = split(page);
      break;
    case OpKind::kSetMemory:
      r = set_memory(op.change, page, op.nr);
      break;
    case OpKind::kSetAlias:
      r = kOk;
      for (uint64_t k = 0; k < op.nr && r == kOk; ++k) {
        const uint64_t p = page + k * op.stride;
        r = p < g_.window_pages ? set_memory(op.change, p, 1) : kEinval;
      }
      break;
    case OpKind::kRepaint:
      r = repaint();
      break;
    default:
      break;
  }
  pt_.drop_reserve();
  return r;
}

// Contract: [page, page + nr) lies in the window and is wholly unmapped, else
// -EINVAL. Reserves every table the painting needs (-ENOMEM, nothing
// written, when that fails), then writes the largest leaves that fit.
int Optimized::map(uint64_t page, uint64_t pa, uint64_t nr, uint32_t flags) {
  if (nr == 0 || page + nr > g_.window_pages) return kEinval;
  if (any_leaf(pt_.root(), page, page + nr)) return kEinval;
  if (!bbml2_ && !mutant(Mutant::kLiveSizeChangeWithoutBbml2)) flags |= kAllFlags;
  uint64_t need[4] = {0, 0, 0, 0};
  const uint64_t delta = pa - page;
  paint(&pt_.root(), kPudLevel, 0, page, page + nr, delta, kPageKernel, flags, true, need);
  if (!pt_.reserve(need[2], need[3], alloc_.failing)) return kEnomem;
  paint(&pt_.root(), kPudLevel, 0, page, page + nr, delta, kPageKernel, flags, false, need);
  return kOk;
}

void Optimized::paint(Table* t, int level, uint64_t base, uint64_t p, uint64_t end, uint64_t delta,
                      pte_t attrs, uint32_t flags, bool dry, uint64_t need[4]) {
  const uint64_t span = g_.span[level];
  const uint64_t group = g_.group_pages(level);
  const bool block =
      level == kPteLevel || (!(flags & kNoBlock) && (level == kPmdLevel || g_.pud_block));
  const bool cont = block && g_.cont[level] != 0 && !(flags & kNoCont);
  while (p < end) {
    const uint32_t i = static_cast<uint32_t>((p - base) / span);
    const uint64_t entry_end = base + (i + uint64_t{1}) * span;
    if (cont && p % group == 0 && end - p >= group && (p + delta) % group == 0) {
      for (uint32_t j = 0; j < g_.cont[level] && !dry; ++j)
        pt_.write({t, i + j}, pt_.leaf_desc(level, p + delta + j * span, attrs, true));
      p += group;
      continue;
    }
    if (block && p % span == 0 && end - p >= span && (p + delta) % span == 0) {
      if (!dry) pt_.write({t, i}, pt_.leaf_desc(level, p + delta, attrs, false));
      p += span;
      continue;
    }
    const uint64_t stop = std::min(entry_end, end);
    const pte_t d = t != nullptr ? t->entries[i] : 0;
    Table* child = KernelPgtable::is_table(d, level) ? pt_.table_of(d) : nullptr;
    if (child == nullptr) {
      ++need[level + 1];
      if (!dry) {
        child = pt_.take(level + 1, entry_end - span);
        pt_.write({t, i}, pt_.table_desc(*child));
      }
    }
    paint(child, level + 1, entry_end - span, p, stop, delta, attrs, flags, dry, need);
    p = stop;
  }
}

bool Optimized::any_leaf(const Table& t, uint64_t s, uint64_t e) const {
  const uint64_t base = t.va_base / g_.page_size;
  const uint64_t span = g_.span[t.level];
  const uint64_t lo = std::max(s, base);
  const uint64_t hi = std::min(e, base + t.entries.size() * span);
  for (uint64_t i = (lo - base) / span; lo < hi && i < (hi - base + span - 1) / span; ++i) {
    const pte_t d = t.entries[i];
    if (d == 0) continue;
    if (!KernelPgtable::is_table(d, t.level)) return true;
    if (any_leaf(*pt_.table_of(d), s, e)) return true;
  }
  return false;
}

Table* Optimized::fill(int level, uint64_t base, uint64_t pa, pte_t attrs, bool cont, bool deep) {
  Table* t = pt_.take(level, base, mutant(Mutant::kSplitToPtes));
  const uint64_t span = g_.span[level];
  for (uint32_t i = 0; i < t->entries.size(); ++i) {
    const uint64_t p = base + i * span;
    if (deep && level < kPteLevel) {
      const Table* c = fill(level + 1, p, pa + i * span, attrs, cont, deep);
      pt_.write({t, i}, pt_.table_desc(*c));
    } else {
      pt_.write({t, i}, pt_.leaf_desc(level, pa + i * span, attrs, cont && g_.cont[level] != 0));
    }
  }
  return t;
}

void Optimized::uncont(Table* t, uint32_t i) {
  const uint32_t n = g_.cont[t->level];
  uint32_t first = i / n * n, last = first + n;
  if (mutant(Mutant::kSplitDropsCont)) first = 0, last = static_cast<uint32_t>(t->entries.size());
  for (uint32_t j = first; j < last; ++j) {
    const pte_t d = t->entries[j];
    if (d != 0 && !KernelPgtable::is_table(d, t->level) && pte_cont(d))
      pt_.write({t, j}, pte_mknoncont(d));
  }
}

// Contract: `page` is mapped, else -EINVAL. On return `page` starts a leaf;
// each leaf that contained it was broken into the largest aligned pieces
// (new tables get CONT groups), all live, which needs BBML2. Tables are
// reserved first: -ENOMEM leaves the tables untouched.
int Optimized::split(uint64_t page) {
  const EntryRef leaf = pt_.find_leaf(page);
  if (leaf.table == nullptr) return kEinval;
  // Tables needed: one per level below the leaf's until `page` is aligned.
  uint64_t need[4] = {0, 0, 0, 0};
  for (int l = leaf.level(); l < kPteLevel && page % g_.span[l] != 0; ++l) ++need[l + 1];
  const bool aligned =
      page % (pte_cont(leaf.value()) ? g_.group_pages(leaf.level()) : g_.span[leaf.level()]) == 0;
  if (aligned) return kOk;
  if (!pt_.reserve(need[2], need[3], alloc_.failing)) {
    return mutant(Mutant::kSplitIgnoresEnomem) ? kOk : kEnomem;
  }
  Table* t = leaf.table;
  uint32_t i = leaf.index;
  for (;;) {
    const int level = t->level;
    if (pte_cont(t->entries[i])) {
      if (page % g_.group_pages(level) == 0) return kOk;
      uncont(t, i);
    }
    if (page % g_.span[level] == 0) return kOk;
    const pte_t d = t->entries[i];
    const bool to_ptes = mutant(Mutant::kSplitToPtes);
    Table* c = fill(level + 1, pt_.entry_page(*t, i), pt_.desc_pa(d), KernelPgtable::desc_attrs(d),
                    !to_ptes, to_ptes);
    pt_.write({t, i}, pt_.table_desc(*c));
    if (to_ptes) return kOk;
    t = c;
    i = pt_.index_of(*t, page);
  }
}

// Contract: nr == 0 is a no-op; otherwise every page of [page, page + nr)
// must be mapped (else -EINVAL, nothing changed). Splits at both ends, then
// rewrites each leaf in the range whole and flushes the range.
int Optimized::set_memory(Change c, uint64_t page, uint64_t nr) {
  if (nr == 0) return kOk;
  const uint64_t end = page + nr;
  if (end > g_.window_pages) return kEinval;
  for (uint64_t p = page; p < end;) {
    const EntryRef e = pt_.find_leaf(p);
    if (e.table == nullptr) return kEinval;
    p = pt_.entry_page(*e.table, e.index) + g_.span[e.level()];
  }
  if (int r = split(page); r != kOk) return r;
  if (end < g_.window_pages && pt_.find_leaf(end).table != nullptr) {
    if (int r = split(end); r != kOk) return r;
  }
  if (!change_range(&pt_.root(), page, end, c)) return kOk;
  const bool pte_walker = mutant(Mutant::kWalkerAssumesPte);
  if (end - page > kMaxFlushPages) {
    pt_.flush_all();
  } else {
    pt_.flush_range(page, end, pte_walker ? kPteLevel : 0);
  }
  return kOk;
}

bool Optimized::change_range(Table* t, uint64_t s, uint64_t e, Change c) {
  const int level = t->level;
  const uint64_t base = t->va_base / g_.page_size;
  const uint64_t span = g_.span[level];
  const uint64_t lo = std::max(s, base);
  const uint64_t hi = std::min(e, base + t->entries.size() * span);
  bool wrote = false;
  for (uint64_t i = (lo - base) / span; lo < hi && i < (hi - base + span - 1) / span; ++i) {
    const pte_t d = t->entries[i];
    if (d == 0) continue;
    if (KernelPgtable::is_table(d, level)) {
      wrote |= change_range(pt_.table_of(d), s, e, c);
      continue;
    }
    if (level != kPteLevel && mutant(Mutant::kWalkerAssumesPte)) continue;
    // The whole leaf: every entry of its cont group.
    const uint32_t n = pte_cont(d) ? g_.cont[level] : 1;
    const uint64_t first = i / n * n;
    for (uint64_t j = first; j < first + n && j < t->entries.size(); ++j) {
      const pte_t old = t->entries[j];
      const pte_t next = (old & ~kAttrMask) | apply_change(c, KernelPgtable::desc_attrs(old));
      if (next == old) continue;
      pt_.write({t, static_cast<uint32_t>(j)}, next);
      wrote = true;
    }
    i = first + n - 1;
  }
  return wrote;
}

// Contract: with BBML2 lost to a late CPU, every block and cont group becomes
// plain pages (boot CPU, BBML2, others parked: live rewrites are safe), then
// the whole TLB is flushed. All tables are reserved first (-ENOMEM: nothing
// changed, BBML2 still in use). Without BBML2 the map is already pages: 0.
int Optimized::repaint() {
  if (!bbml2_) return kOk;
  std::vector<std::string> unused;
  uint64_t unused_page = 0;
  uint64_t need[4] = {0, 0, 0, 0};
  for (const Leaf& l : pt_.leaves(&unused, &unused_page)) {
    const uint64_t entries = l.level == kPteLevel ? 0 : l.pages / g_.span[l.level];
    if (l.level == kPudLevel) need[2] += entries, need[3] += entries * g_.table_entries;
    if (l.level == kPmdLevel) need[3] += entries;
  }
  if (!pt_.reserve(need[2], need[3], alloc_.failing)) return kEnomem;
  std::vector<Table*> work = {&pt_.root()};
  while (!work.empty()) {
    Table* t = work.back();
    work.pop_back();
    for (uint32_t i = 0; i < t->entries.size(); ++i) {
      if (pte_cont(t->entries[i])) uncont(t, i);
    }
    for (uint32_t i = 0; i < t->entries.size(); ++i) {
      const pte_t d = t->entries[i];
      if (d == 0) continue;
      if (KernelPgtable::is_table(d, t->level)) {
        work.push_back(pt_.table_of(d));
      } else if (t->level < kPteLevel) {
        const Table* c = fill(t->level + 1, pt_.entry_page(*t, i), pt_.desc_pa(d),
                              KernelPgtable::desc_attrs(d), false, true);
        pt_.write({t, i}, pt_.table_desc(*c));
      }
    }
  }
  pt_.flush_all();
  bbml2_ = false;
  return kOk;
}

}  // namespace ptediff::linearmap
