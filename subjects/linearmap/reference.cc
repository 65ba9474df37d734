// ptediff linear map: the reference and its structural oracle (reference.h).
#include "subjects/linearmap/reference.h"

#include <algorithm>
#include <limits>

namespace ptediff::linearmap {

Reference::Reference(const Geometry& g, bool bbml2) : g_(g), bbml2_(bbml2) {}

int Reference::apply(const Op& op) {
  changed_.clear();
  touched_.clear();
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

uint32_t Reference::allowed_kinds(const Extent& e) const {
  uint32_t mask = 0;
  for (size_t i = 0; i < g_.kinds.size(); ++i) {
    if (Geometry::allowed(g_.kinds[i], e.flags)) mask |= 1u << i;
  }
  return mask;
}

uint64_t Reference::bound_after(uint64_t page) const {
  auto it = bounds_.upper_bound(page);
  return it != bounds_.end() ? *it : std::numeric_limits<uint64_t>::max();
}

Leaf Reference::leaf_in(const Extent& e, uint64_t page) const {
  Leaf l;
  size_t k = g_.kinds.size() - 1;  // the page, unless something larger fits
  if (bbml2_) {
    // The map's own leaf: the largest kind its flags allow whose aligned block
    // around `page` lies inside the extent with PA aligned too.
    for (size_t i = 0; i < g_.kinds.size(); ++i) {
      const LeafKind& kind = g_.kinds[i];
      const uint64_t bs = align_down(page, kind.pages);
      if (!Geometry::allowed(kind, e.flags) || bs < e.start || bs + kind.pages > e.end ||
          !is_aligned(e.pa + (bs - e.start), kind.pages))
        continue;
      k = i;
      break;
    }
    // Broken where a split boundary falls strictly inside: the largest piece
    // around `page` with no boundary inside (splits make cont groups freely).
    for (; k + 1 < g_.kinds.size(); ++k) {
      const uint64_t n = g_.kinds[k].pages;
      const uint64_t bs = align_down(page, n);
      if (bound_after(bs) >= bs + n) break;
    }
  }
  const LeafKind& kind = g_.kinds[k];
  l.page = align_down(page, kind.pages);
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

// The leaves of an extent partition it: every page of leaf_in(e, p)'s block
// gets the same block (the kinds' blocks nest, so each test on the way there
// is the same). A leaf starting at `page` is therefore the first kind, from
// the map's own, that is aligned at `page` and has no boundary inside: the
// kinds whose blocks around `page` start before it are the ones leaf_in
// passes over. Attrs are left 0.
Leaf Reference::leaf_at(const Extent& e, uint32_t allowed, uint64_t page, uint64_t bound,
                        size_t* kind, size_t* own) const {
  const size_t last = g_.kinds.size() - 1;
  size_t k = last;
  if (bbml2_) {
    const uint64_t delta = e.pa - e.start;
    for (size_t i = 0; i < last; ++i) {
      const uint64_t n = g_.kinds[i].pages;
      const uint64_t bs = align_down(page, n);
      if ((allowed >> i & 1) != 0 && bs >= e.start && bs + n <= e.end && is_aligned(delta, n)) {
        k = i;
        break;
      }
    }
    *own = k;
    for (; k < last; ++k) {
      const uint64_t n = g_.kinds[k].pages;
      if (is_aligned(page, n) && bound >= page + n) break;
    }
  } else {
    *own = k;
  }
  *kind = k;
  const LeafKind& lk = g_.kinds[k];
  return Leaf{page, lk.pages, lk.level, lk.cont, e.pa + (page - e.start), 0};
}

Reference::LeafCursor::LeafCursor(const Reference& r, uint64_t lo, uint64_t hi)
    : r_(r), lo_(lo), hi_(hi), ext_(r.extents_.upper_bound(lo)) {
  if (ext_ != r.extents_.begin()) --ext_;
  enter();
}

void Reference::LeafCursor::enter() {
  for (; ext_ != r_.extents_.end() && ext_->first < hi_; ++ext_) {
    const Extent& e = ext_->second;
    if (e.end <= lo_) continue;
    p_ = r_.leaf_in(e, std::max(lo_, e.start)).page;
    stop_ = std::min(hi_, e.end);
    if (p_ >= stop_) continue;  // (only when lo >= hi)
    bound_ = r_.bound_after(p_);
    allowed_ = r_.allowed_kinds(e);
    fitting_ = 0;
    for (size_t i = 0; i < r_.g_.kinds.size(); ++i) {
      if (is_aligned(e.pa - e.start, r_.g_.kinds[i].pages)) fitting_ |= allowed_ & (1u << i);
    }
    return;
  }
}

bool Reference::LeafCursor::next(Leaf* out, uint64_t* same_until) {
  if (ext_ == r_.extents_.end() || ext_->first >= hi_) return false;
  size_t k = 0, own = 0;
  *out = r_.leaf_at(ext_->second, allowed_, p_, bound_, &k, &own);
  if (same_until != nullptr) *same_until = this->same_until(p_, k, own, bound_);
  p_ += out->pages;
  if (bound_ <= p_) bound_ = r_.bound_after(p_);
  if (p_ >= stop_) {
    ++ext_;
    enter();
  }
  return true;
}

// Leaves of kind k repeat from `page` (where one starts) until one of: the
// end of the extent or of [lo, hi); the first boundary above (a leaf of k
// must not hold it); the next block of a larger kind that could be chosen
// instead. When the map's own kind is k, that is the smallest larger kind
// its flags and PA alignment admit (its blocks around `page` did not fit the
// extent, and do not until the next such block); when splits broke a larger
// own kind down to k, any larger kind (the kinds above k failed for the same
// blocks, which do not change before the next block of the next larger kind).
uint64_t Reference::LeafCursor::same_until(uint64_t page, size_t k, size_t own,
                                           uint64_t bound) const {
  const uint64_t n = r_.g_.kinds[k].pages;
  uint64_t end = align_down(stop_, n);
  if (r_.bbml2_) {
    uint64_t larger = 0;  // the size of the next larger kind that could be chosen
    if (own < k) {
      larger = r_.g_.kinds[k - 1].pages;
    } else {
      for (size_t i = k; i-- > 0;) {
        if ((fitting_ >> i & 1) != 0) {
          larger = r_.g_.kinds[i].pages;
          break;
        }
      }
    }
    if (larger != 0) end = std::min(end, align_down(page, larger) + larger);
    if (n > 1) end = std::min(end, align_down(bound, n));
  }
  return std::max(end, page + n);
}

void Reference::LeafCursor::skip_to(uint64_t page) {
  if (page <= p_) return;
  p_ = page;
  if (bound_ <= p_) bound_ = r_.bound_after(p_);
  if (p_ >= stop_) {
    ++ext_;
    enter();
  }
}

std::vector<Leaf> Reference::expected_leaves() const { return expected_leaves(0, g_.window_pages); }

std::vector<Leaf> Reference::expected_leaves(uint64_t lo, uint64_t hi) const {
  std::vector<Leaf> out;
  LeafCursor c(*this, lo, hi);
  for (Leaf l; c.next(&l);) {
    // The attributes of the record at the leaf's first page (as leaf_in).
    auto run = runs_.upper_bound(l.page);
    l.attrs = run != runs_.begin() && std::prev(run)->second.end > l.page
                  ? std::prev(run)->second.attrs
                  : kPageKernel;
    out.push_back(l);
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

uint32_t Reference::map_needs(const Extent& e) const {
  const uint32_t allowed = allowed_kinds(e);
  const uint32_t all = (1u << 2) | (1u << 3);
  uint32_t needs = 0;
  // Emptiness of the last level-1 and PMD region looked at (leaves come in order).
  uint64_t r1_seen = std::numeric_limits<uint64_t>::max(), r2_seen = r1_seen;
  bool r1_empty = false, r2_empty = false;
  uint64_t bound = bound_after(e.start);
  for (uint64_t p = e.start; p < e.end && needs != all;) {
    size_t kind = 0, own = 0;
    const Leaf l = leaf_at(e, allowed, p, bound, &kind, &own);
    const uint64_t r1 = align_down(l.page, g_.span[1]);
    const uint64_t r2 = align_down(l.page, g_.span[2]);
    if (l.level >= 2) {
      if (r1 != r1_seen) r1_seen = r1, r1_empty = !any_mapped(r1, r1 + g_.span[1]);
      if (r1_empty) needs |= 1u << 2;
    }
    if (l.level == 3) {
      if (r2 != r2_seen) r2_seen = r2, r2_empty = !any_mapped(r2, r2 + g_.span[2]);
      if (r2_empty) needs |= 1u << 3;
    }
    p += l.pages;
    if (bound <= p) bound = bound_after(p);
  }
  return needs;
}

int Reference::map(uint64_t page, uint64_t pa, uint64_t nr, uint32_t flags) {
  if (nr == 0 || page + nr > g_.window_pages || any_mapped(page, page + nr)) return kEinval;
  const Extent e{page, page + nr, pa, flags};
  // What the map needs matters only when some allocation fails.
  if (alloc_.failing != 0 && (map_needs(e) & alloc_.failing) != 0) return kEnomem;
  extents_[page] = e;
  runs_[page] = Run{page + nr, pa, kPageKernel};
  touched_.push_back({page, page + nr});
  return kOk;
}

uint32_t Reference::split_needs(const Extent& e, const Leaf& before, uint64_t page) {
  if (before.page == page) return 0;
  const bool inserted = bounds_.insert(page).second;
  const Leaf after = leaf_in(e, page);
  if (inserted) bounds_.erase(page);
  uint32_t needs = 0;
  for (int d = before.level + 1; d <= after.level; ++d) needs |= 1u << d;
  return needs;
}

int Reference::split(uint64_t page) {
  if (page >= g_.window_pages) return kEinval;
  const Extent* e = extent_of(page);
  if (e == nullptr) return kEinval;
  const Leaf before = leaf_in(*e, page);
  if (split_needs(*e, before, page) & alloc_.failing) return kEnomem;
  // A new boundary strictly inside a leaf breaks that leaf and nothing else.
  if (bbml2_ && bounds_.insert(page).second && before.page != page)
    touched_.push_back({before.page, before.page + before.pages});
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
    touched_.push_back({it->first, it->second.end});
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
  if (alloc_.failing != 0) {
    uint32_t needs = 0;
    LeafCursor c(*this, 0, g_.window_pages);
    for (Leaf l; c.next(&l);) {
      if (l.level == 1) needs |= 1u << 2;
      if (l.level <= 2) needs |= 1u << 3;
    }
    if (needs & alloc_.failing) return kEnomem;
  }
  bbml2_ = false;
  touched_.push_back({0, g_.window_pages});
  return kOk;
}

}  // namespace ptediff::linearmap
