// ptediff linear map: the optimized implementation and its mutants.
#include "subjects/linearmap/optimized.h"

#include <algorithm>

namespace ptediff::linearmap {
namespace {

// Where the linear map's split and block rules come from (docs/DESIGN.md §9.5).
constexpr const char* kLargeBlocks =
    "a166563e7ec3 \"arm64: mm: support large block mapping when rodata=full\"";

constexpr MutantInfo kMutants[] = {
    {Mutant::kNone, "none", "no fault injected", ""},
#define PTEDIFF_LM_MUTANT(e, name, what, source) {Mutant::e, name, what, source},
#include "subjects/linearmap/mutants.def"
#undef PTEDIFF_LM_MUTANT
};
static_assert(std::size(kMutants) == static_cast<size_t>(Mutant::kCount), "one row per mutant");
constexpr MutantCatalogue<Mutant> kCatalogue(kMutants, std::span<const Mutant>());

// Above this many pages a kernel-range flush becomes a full flush
// (flush_tlb_kernel_range's MAX_DVM_OPS cut-off).
constexpr uint64_t kMaxFlushPages = 512;

}  // namespace

const MutantCatalogue<Mutant>& mutant_catalogue(Mutant) { return kCatalogue; }

Optimized::Optimized(KernelPgtable& pt, bool bbml2, Mutant mutant)
    : g_(pt.geometry()), pt_(pt), bbml2_(bbml2), mutant_(mutant) {}

// Contract: [page, page + nr) lies in the window and is wholly unmapped, else
// -EINVAL. Reserves every table the painting needs (-ENOMEM, nothing
// written, when that fails), then writes the largest leaves that fit.
int Optimized::map(uint64_t page, uint64_t pa, uint64_t nr, uint32_t flags) {
  if (nr == 0 || page + nr > g_.window_pages) return kEinval;
  if (any_leaf(KernelPgtable::root(), page, page + nr)) return kEinval;
  if (!bbml2_ && !mutant(Mutant::kLiveSizeChangeWithoutBbml2)) flags |= kAllFlags;
  uint64_t need[4] = {0, 0, 0, 0};
  const uint64_t delta = pa - page;
  paint(KernelPgtable::root(), true, page, page + nr, delta, kPageKernel, flags, true, need);
  if (!pt_.reserve(need[2], need[3], failing_)) return kEnomem;
  paint(KernelPgtable::root(), true, page, page + nr, delta, kPageKernel, flags, false, need);
  return kOk;
}

void Optimized::paint(TableRef t, bool exists, uint64_t p, uint64_t end, uint64_t delta,
                      pte_t attrs, uint32_t flags, bool dry, uint64_t need[4]) {
  const int level = t.level;
  if (level == kPteLevel) {  // pages, in cont groups where they fit
    if (dry) return;         // (nothing to allocate below)
    const uint64_t n = g_.cont[kPteLevel];
    const bool cont = !(flags & kNoCont) && is_aligned(delta, n);
    while (p < end) {
      // Pages up to where a group can start, then groups while they fit.
      const uint64_t group_end = cont ? std::max(p, align_down(end, n)) : p;
      const uint64_t pages_end = cont ? std::min(group_end, align_down(p + n - 1, n)) : end;
      if (p < pages_end) {
        pt_.write_ptes(t, pt_.index_of(t, p), pages_end - p, p + delta, attrs, false);
        p = pages_end;
        continue;
      }
      if (p < group_end) {
        pt_.write_ptes(t, pt_.index_of(t, p), group_end - p, p + delta, attrs, true);
        p = group_end;
        continue;
      }
      pt_.write_ptes(t, pt_.index_of(t, p), end - p, p + delta, attrs, false);
      p = end;
    }
    return;
  }
  const uint64_t span = g_.span[level];
  const uint64_t group = g_.group_pages(level);
  const bool block =
      level == kPteLevel || (!(flags & kNoBlock) && (level == kPmdLevel || g_.pud_block));
  const bool cont = block && g_.cont[level] != 0 && !(flags & kNoCont);
  while (p < end) {
    const uint32_t i = pt_.index_of(t, p);
    const uint64_t entry_end = pt_.entry_page(t, i) + span;
    if (cont && is_aligned(p, group) && end - p >= group && is_aligned(p + delta, group)) {
      for (uint32_t j = 0; j < g_.cont[level] && !dry; ++j)
        pt_.write(t, i + j, pt_.leaf_desc(level, p + delta + j * span, attrs, true));
      p += group;
      continue;
    }
    if (block && is_aligned(p, span) && end - p >= span && is_aligned(p + delta, span)) {
      if (!dry) pt_.write(t, i, pt_.leaf_desc(level, p + delta, attrs, false));
      p += span;
      continue;
    }
    const uint64_t stop = std::min(entry_end, end);
    const bool has = exists && pt_.has_table(t, i);
    if (!has) {
      ++need[level + 1];
      if (!dry) pt_.install(t, i);
    }
    paint(pt_.child(t, i), has || !dry, p, stop, delta, attrs, flags, dry, need);
    p = stop;
  }
}

bool Optimized::any_leaf(TableRef t, uint64_t s, uint64_t e) const {
  const uint64_t span = g_.span[t.level];
  const uint64_t lo = std::max(s, t.base);
  const uint64_t hi = std::min(e, t.base + pt_.size(t) * span);
  for (uint64_t i = (lo - t.base) / span; lo < hi && i < (hi - t.base + span - 1) / span; ++i) {
    const uint32_t k = static_cast<uint32_t>(i);
    const pte_t d = pt_.entry(t, k);
    if (d == 0) continue;
    if (!KernelPgtable::is_table(d, t.level)) return true;
    if (any_leaf(pt_.child(t, k), s, e)) return true;
  }
  return false;
}

TableRef Optimized::fill(TableRef t, uint32_t i, uint64_t pa, pte_t attrs, bool cont, bool deep) {
  const TableRef c = pt_.install(t, i, mutant(Mutant::kSplitToPtes));
  const uint64_t span = g_.span[c.level];
  for (uint32_t j = 0; j < pt_.size(c); ++j) {
    if (deep && c.level < kPteLevel) {
      fill(c, j, pa + j * span, attrs, cont, deep);
    } else {
      pt_.write(c, j, pt_.leaf_desc(c.level, pa + j * span, attrs, cont && g_.cont[c.level] != 0));
    }
  }
  return c;
}

void Optimized::uncont(TableRef t, uint32_t i) {
  const uint32_t n = g_.cont[t.level];
  uint32_t first = i / n * n, last = first + n;
  if (mutant(Mutant::kSplitDropsCont)) first = 0, last = pt_.size(t);
  for (uint32_t j = first; j < last; ++j) {
    const pte_t d = pt_.entry(t, j);
    if (d != 0 && !KernelPgtable::is_table(d, t.level) && pte_cont(d))
      pt_.write(t, j, pte_mknoncont(d));
  }
}

// Contract: `page` is mapped, else -EINVAL. On return `page` starts a leaf;
// each leaf that contained it was broken into the largest aligned pieces
// (new tables get CONT groups), all live, which needs BBML2. Tables are
// reserved first: -ENOMEM leaves the tables untouched.
int Optimized::split(uint64_t page) {
  const std::optional<Slot> leaf = pt_.find_leaf(page);
  if (!leaf.has_value()) return kEinval;
  // Tables needed: one per level below the leaf's until `page` is aligned.
  uint64_t need[4] = {0, 0, 0, 0};
  for (int l = leaf->level(); l < kPteLevel && page % g_.span[l] != 0; ++l) ++need[l + 1];
  const bool leaf_cont = pte_cont(pt_.entry(leaf->table, leaf->index));
  if (page % (leaf_cont ? g_.group_pages(leaf->level()) : g_.span[leaf->level()]) == 0) return kOk;
  if (!pt_.reserve(need[2], need[3], failing_)) {
    return mutant(Mutant::kSplitIgnoresEnomem) ? kOk : kEnomem;
  }
  TableRef t = leaf->table;
  uint32_t i = leaf->index;
  for (;;) {
    const int level = t.level;
    if (pte_cont(pt_.entry(t, i))) {
      if (page % g_.group_pages(level) == 0) return kOk;
      uncont(t, i);
    }
    if (page % g_.span[level] == 0) return kOk;
    const pte_t d = pt_.entry(t, i);
    const bool to_ptes = mutant(Mutant::kSplitToPtes);
    t = fill(t, i, pt_.desc_pa(d), KernelPgtable::desc_attrs(d), !to_ptes, to_ptes);
    if (to_ptes) return kOk;
    i = pt_.index_of(t, page);
  }
}

// Contract: nr == 0 is a no-op; otherwise every page of [page, page + nr)
// must be mapped (else -EINVAL, nothing changed). Splits at both ends, then
// rewrites each leaf in the range whole and flushes the range.
int Optimized::set_memory(Change c, uint64_t page, uint64_t nr) {
  if (nr == 0) return kOk;
  const uint64_t end = page + nr;
  if (end > g_.window_pages) return kEinval;
  if (pt_.first_unmapped(page, end) < end) return kEinval;
  if (int r = split(page); r != kOk) return r;
  if (end < g_.window_pages && pt_.find_leaf(end).has_value()) {
    if (int r = split(end); r != kOk) return r;
  }
  if (!change_range(KernelPgtable::root(), page, end, c)) return kOk;
  const bool pte_walker = mutant(Mutant::kWalkerAssumesPte);
  if (end - page > kMaxFlushPages) {
    pt_.flush_all();
  } else {
    pt_.flush_range(page, end, pte_walker ? kPteLevel : 0);
  }
  return kOk;
}

bool Optimized::change_range(TableRef t, uint64_t s, uint64_t e, Change c) {
  const int level = t.level;
  const uint64_t span = g_.span[level];
  const uint32_t size = pt_.size(t);
  const uint64_t lo = std::max(s, t.base);
  const uint64_t hi = std::min(e, t.base + size * span);
  if (level == kPteLevel) return change_ptes(t, lo, hi, c);
  bool wrote = false;
  for (uint64_t i = (lo - t.base) / span; lo < hi && i < (hi - t.base + span - 1) / span; ++i) {
    const pte_t d = pt_.entry(t, static_cast<uint32_t>(i));
    if (d == 0) continue;
    if (KernelPgtable::is_table(d, level)) {
      wrote |= change_range(pt_.child(t, static_cast<uint32_t>(i)), s, e, c);
      continue;
    }
    if (mutant(Mutant::kWalkerAssumesPte)) continue;
    // The whole leaf: every entry of its cont group.
    const uint32_t n = pte_cont(d) ? g_.cont[level] : 1;
    const uint64_t first = align_down(i, n);
    for (uint64_t j = first; j < first + n && j < size; ++j) {
      const uint32_t k = static_cast<uint32_t>(j);
      const pte_t old = pt_.entry(t, k);
      const pte_t next = (old & ~kAttrMask) | apply_change(c, KernelPgtable::desc_attrs(old));
      if (next == old) continue;
      pt_.write(t, k, next);
      wrote = true;
    }
    i = first + n - 1;
  }
  return wrote;
}

// change_range() of PTE table `t` over pages [lo, hi) (inside it).
bool Optimized::change_ptes(TableRef t, uint64_t lo, uint64_t hi, Change c) {
  const pte_t* ptes = pt_.ptes(t);  // read from the array; writes go through write()
  const uint32_t n = g_.cont[kPteLevel];
  const uint32_t size = pt_.size(t);
  // apply_change() on the attribute bits, the others kept: the bits are in kAttrMask.
  const ChangeBits bits = change_bits(c);
  bool wrote = false;
  for (uint32_t i = pt_.index_of(t, lo); i < size && pt_.entry_page(t, i) < hi; ++i) {
    const pte_t d = ptes[i];
    if (d == 0) continue;
    // The whole leaf: every entry of its cont group.
    const uint32_t first = pte_cont(d) ? static_cast<uint32_t>(align_down(i, n)) : i;
    const uint32_t last = std::min(pte_cont(d) ? first + n : i + 1, size);
    for (uint32_t k = first; k < last; ++k) {
      const pte_t old = ptes[k];
      const pte_t next = (old & ~bits.clear) | bits.set;
      if (next == old) continue;
      pt_.write(t, k, next);
      wrote = true;
    }
    i = std::max(i, last - 1);
  }
  return wrote;
}

// Contract: with BBML2 lost to a late CPU, every block and cont group becomes
// plain pages (boot CPU, BBML2, others parked: live rewrites are safe), then
// the whole TLB is flushed. All tables are reserved first (-ENOMEM: nothing
// changed, BBML2 still in use). Without BBML2 the map is already pages: 0.
int Optimized::repaint() {
  if (!bbml2_) return kOk;
  // Tables needed: below every block entry (cont groups count each entry).
  struct Count {
    const Geometry& g;
    uint64_t need[4] = {0, 0, 0, 0};
    bool problem(uint64_t, const char*) { return true; }
    bool leaf(const Leaf& l, uint64_t*) {
      const uint64_t entries = l.level == kPteLevel ? 0 : l.pages / g.span[l.level];
      if (l.level == kPudLevel) need[2] += entries, need[3] += entries * g.table_entries;
      if (l.level == kPmdLevel) need[3] += entries;
      return true;
    }
  } count{g_};
  pt_.visit_leaves(0, g_.window_pages, count);
  const uint64_t* need = count.need;
  if (!pt_.reserve(need[2], need[3], failing_)) return kEnomem;
  std::vector<TableRef> work = {KernelPgtable::root()};
  while (!work.empty()) {
    const TableRef t = work.back();
    work.pop_back();
    const uint32_t size = pt_.size(t);
    for (uint32_t i = 0; i < size; ++i) {
      if (pte_cont(pt_.entry(t, i))) uncont(t, i);
    }
    for (uint32_t i = 0; i < size; ++i) {
      const pte_t d = pt_.entry(t, i);
      if (d == 0) continue;
      if (KernelPgtable::is_table(d, t.level)) {
        work.push_back(pt_.child(t, i));
      } else if (t.level < kPteLevel) {
        fill(t, i, pt_.desc_pa(d), KernelPgtable::desc_attrs(d), false, true);
      }
    }
  }
  pt_.flush_all();
  bbml2_ = false;
  return kOk;
}

}  // namespace ptediff::linearmap
