// ptediff linear map: the reference and its structural oracle (reference.h).
#include "subjects/linearmap/reference.h"

namespace ptediff::linearmap {

Reference::Reference(const Geometry& g, bool bbml2) : g_(g), bbml2_(bbml2) {}

int Reference::apply(const Op& op) {
  changed_.clear();
  if (alloc_.begin(op)) return kOk;
  const uint64_t page = op.va / g_.page_size;
  switch (op.kind) {
    case OpKind::kMap:
      return map(page, op.pa / g_.page_size, op.size / g_.page_size, op.flags);
    case OpKind::kSplit:
      return split(page);
    case OpKind::kSetMemory:
      return set_memory(op.change, page, op.nr);
    case OpKind::kSetAlias:
      return set_alias(op.change, page, op.nr, op.stride);
    case OpKind::kRepaint:
      return repaint();
    default:
      return kEinval;
  }
}

const Reference::Extent* Reference::extent_of(uint64_t page) const {
  auto it = extents_.upper_bound(page);
  if (it == extents_.begin()) return nullptr;
  --it;
  return page < it->second.end ? &it->second : nullptr;
}

bool Reference::any_mapped(uint64_t start, uint64_t end) const {
  auto it = extents_.upper_bound(start);
  if (it != extents_.end() && it->first < end) return true;
  return it != extents_.begin() && std::prev(it)->second.end > start;
}

bool Reference::all_mapped(uint64_t start, uint64_t end) const {
  uint64_t p = start;
  while (p < end) {
    const Extent* e = extent_of(p);
    if (e == nullptr) return false;
    p = e->end;
  }
  return true;
}

Leaf Reference::leaf_in(const Extent& e, uint64_t page) const {
  Leaf l;
  size_t k = g_.kinds.size() - 1;  // the page, unless something larger fits
  if (bbml2_) {
    // The map's own leaf: the largest kind its flags allow whose aligned block
    // around `page` lies inside the extent with PA aligned too.
    for (size_t i = 0; i < g_.kinds.size(); ++i) {
      const LeafKind& kind = g_.kinds[i];
      const uint64_t bs = page / kind.pages * kind.pages;
      if (!Geometry::allowed(kind, e.flags) || bs < e.start || bs + kind.pages > e.end ||
          (e.pa + (bs - e.start)) % kind.pages != 0)
        continue;
      k = i;
      break;
    }
    // Broken where a split boundary falls strictly inside: the largest piece
    // around `page` with no boundary inside (splits make cont groups freely).
    for (; k + 1 < g_.kinds.size(); ++k) {
      const uint64_t n = g_.kinds[k].pages;
      const uint64_t bs = page / n * n;
      auto it = bounds_.upper_bound(bs);
      if (it == bounds_.end() || *it >= bs + n) break;
    }
  }
  const LeafKind& kind = g_.kinds[k];
  l.page = page / kind.pages * kind.pages;
  l.pages = kind.pages;
  l.level = kind.level;
  l.cont = kind.cont;
  l.pa = e.pa + (l.page - e.start);
  auto run = runs_.upper_bound(l.page);
  if (run != runs_.begin() && std::prev(run)->second.end > l.page)
    l.attrs = std::prev(run)->second.attrs;
  else
    l.attrs = kPageKernel;  // a map being planned: its records do not exist yet
  return l;
}

std::vector<Leaf> Reference::leaves_of(const Extent& e) const {
  std::vector<Leaf> out;
  for (uint64_t p = e.start; p < e.end;) {
    out.push_back(leaf_in(e, p));
    p = out.back().page + out.back().pages;
  }
  return out;
}

std::vector<Leaf> Reference::expected_leaves() const {
  std::vector<Leaf> out;
  for (const auto& [start, e] : extents_) {
    std::vector<Leaf> l = leaves_of(e);
    out.insert(out.end(), l.begin(), l.end());
  }
  return out;
}

std::vector<Leaf> Reference::expected_leaves(uint64_t lo, uint64_t hi) const {
  std::vector<Leaf> out;
  auto it = extents_.upper_bound(lo);
  if (it != extents_.begin()) --it;
  for (; it != extents_.end() && it->first < hi; ++it) {
    const Extent& e = it->second;
    if (e.end <= lo) continue;
    for (uint64_t p = leaf_in(e, std::max(lo, e.start)).page; p < std::min(hi, e.end);) {
      out.push_back(leaf_in(e, p));
      p = out.back().page + out.back().pages;
    }
  }
  return out;
}

void Reference::cut(uint64_t page) {
  auto it = runs_.upper_bound(page);
  if (it == runs_.begin()) return;
  --it;
  if (it->first == page || it->second.end <= page) return;
  Run tail = it->second;
  tail.pa += page - it->first;
  it->second.end = page;
  runs_[page] = tail;
}

int Reference::map(uint64_t page, uint64_t pa, uint64_t nr, uint32_t flags) {
  if (nr == 0 || page + nr > g_.window_pages || any_mapped(page, page + nr)) return kEinval;
  const Extent e{page, page + nr, pa, flags};
  // A new PMD table wherever a level-2/3 leaf lands in an empty level-1
  // region, a new PTE table wherever a level-3 leaf lands in an empty PMD region.
  uint32_t needs = 0;
  for (const Leaf& l : leaves_of(e)) {
    const uint64_t r1 = l.page / g_.span[1] * g_.span[1];
    const uint64_t r2 = l.page / g_.span[2] * g_.span[2];
    if (l.level >= 2 && !any_mapped(r1, r1 + g_.span[1])) needs |= 1u << 2;
    if (l.level == 3 && !any_mapped(r2, r2 + g_.span[2])) needs |= 1u << 3;
  }
  if (needs & alloc_.failing) return kEnomem;
  extents_[page] = e;
  runs_[page] = Run{page + nr, pa, kPageKernel};
  return kOk;
}

uint32_t Reference::split_needs(uint64_t page) {
  const Extent* e = extent_of(page);
  const Leaf before = leaf_in(*e, page);
  if (before.page == page) return 0;
  const bool inserted = bounds_.insert(page).second;
  const Leaf after = leaf_in(*e, page);
  if (inserted) bounds_.erase(page);
  uint32_t needs = 0;
  for (int d = before.level + 1; d <= after.level; ++d) needs |= 1u << d;
  return needs;
}

int Reference::split(uint64_t page) {
  if (page >= g_.window_pages || !mapped(page)) return kEinval;
  if (split_needs(page) & alloc_.failing) return kEnomem;
  if (bbml2_) bounds_.insert(page);
  return kOk;
}

int Reference::set_memory(Change c, uint64_t page, uint64_t nr) {
  if (nr == 0) return kOk;
  const uint64_t end = page + nr;
  if (end > g_.window_pages || !all_mapped(page, end)) return kEinval;
  if (int r = split(page); r != kOk) return r;
  if (end < g_.window_pages && mapped(end)) {
    if (int r = split(end); r != kOk) return r;
  }
  cut(page);
  cut(end);
  for (auto it = runs_.lower_bound(page); it != runs_.end() && it->first < end; ++it) {
    const pte_t next = apply_change(c, it->second.attrs);
    if (next == it->second.attrs) continue;
    if (it->second.attrs & PTE_VALID) changed_.push_back({it->first, it->second.end});
    it->second.attrs = next;
  }
  return kOk;
}

int Reference::set_alias(Change c, uint64_t page, uint64_t nr, uint64_t stride) {
  for (uint64_t k = 0; k < nr; ++k) {
    const uint64_t p = page + k * stride;
    if (p >= g_.window_pages) return kEinval;
    if (int r = set_memory(c, p, 1); r != kOk) return r;
  }
  return kOk;
}

int Reference::repaint() {
  if (!bbml2_) return kOk;
  uint32_t needs = 0;
  for (const Leaf& l : expected_leaves()) {
    if (l.level == 1) needs |= 1u << 2;
    if (l.level <= 2) needs |= 1u << 3;
  }
  if (needs & alloc_.failing) return kEnomem;
  bbml2_ = false;
  return kOk;
}

}  // namespace ptediff::linearmap
