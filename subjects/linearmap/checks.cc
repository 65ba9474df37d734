// ptediff linear map: conformance checks (checks.h).
#include "subjects/linearmap/checks.h"

#include <algorithm>
#include <iterator>
#include <span>

#include "absl/strings/str_format.h"
#include "subjects/linearmap/pgtable.h"

namespace ptediff::linearmap {
namespace {

// A VA-contiguous, PA-linear piece with uniform attributes.
struct Seg {
  uint64_t start, end, pa;
  pte_t attrs;
  bool operator==(const Seg&) const = default;
};

void push_merged(std::vector<Seg>* v, Seg s) {
  if (!v->empty()) {
    Seg& b = v->back();
    if (b.end == s.start && b.attrs == s.attrs && b.pa + (b.end - b.start) == s.pa) {
      b.end = s.end;
      return;
    }
  }
  v->push_back(s);
}

bool fail(Divergence* d, DivClass c, uint64_t page, const Geometry& g, std::string what) {
  d->cls = c;
  d->mm = kKernelMm;
  d->va = page * g.page_size;
  d->what = std::move(what);
  return false;
}

// Half-open page intervals, coalesced.
class IntervalSet {
 public:
  void add(uint64_t s, uint64_t e) {
    auto it = m_.upper_bound(s);
    if (it != m_.begin() && std::prev(it)->second >= s) s = (--it)->first;
    while (it != m_.end() && it->first <= e) {
      e = std::max(e, it->second);
      it = m_.erase(it);
    }
    m_[s] = e;
  }
  void remove(uint64_t s, uint64_t e) {
    auto it = m_.upper_bound(s);
    if (it != m_.begin()) --it;
    while (it != m_.end() && it->first < e) {
      const uint64_t a = it->first, b = it->second;
      if (b <= s) {
        ++it;
        continue;
      }
      it = m_.erase(it);
      if (a < s) m_[a] = s;
      if (b > e) m_[e] = b;
    }
  }
  // The first page of [s, e) in the set, or e.
  uint64_t first_in(uint64_t s, uint64_t e) const {
    auto it = m_.upper_bound(s);
    if (it != m_.begin() && std::prev(it)->second > s) return s;
    return it != m_.end() && it->first < e ? it->first : e;
  }
  void clear() { m_.clear(); }

 private:
  std::map<uint64_t, uint64_t> m_;
};

// The pending (cached, not yet flushed) pages of one level while the log is
// read: writes mostly come in address order, so touching ones are merged
// before they reach the set.
class Pending {
 public:
  void add(uint64_t s, uint64_t e) {
    if (s >= start_ && s <= end_) {  // the common case: at or after the last
      end_ = std::max(end_, e);
      return;
    }
    if (s <= end_ && e >= start_) {
      start_ = std::min(start_, s);
      end_ = std::max(end_, e);
      return;
    }
    settle();
    start_ = s;
    end_ = e;
  }
  void remove(uint64_t s, uint64_t e) {
    settle();
    set_.remove(s, e);
  }
  void clear() {
    set_.clear();
    start_ = end_ = 0;
  }
  uint64_t first_in(uint64_t s, uint64_t e) {
    settle();
    return set_.first_in(s, e);
  }

 private:
  void settle() {
    if (start_ < end_) set_.add(start_, end_);
    start_ = end_ = 0;
  }
  IntervalSet set_;
  uint64_t start_ = 0, end_ = 0;  // not yet in set_ (empty when equal)
};

// consistent()'s walk: each O leaf against the next expected leaf and R's
// runs over the leaf's pages in [lo, hi). After a PTE leaf that matches, the
// entries of the same table that R expects to hold more leaves of its kind
// are compared with the descriptors those leaves must have, as one array:
// exactly those descriptors are well formed and make the same leaves, so the
// walk goes on after the last one that matched.
class Matcher {
 public:
  Matcher(const Reference& ref, const KernelPgtable& pt, uint64_t lo, uint64_t hi)
      : pt_(pt),
        g_(pt.geometry()),
        want_(ref, lo, hi),
        run_(ref.runs().upper_bound(lo)),
        runs_end_(ref.runs().end()),
        lo_(lo),
        hi_(hi),
        pages_only_(!ref.bbml2()) {
    if (run_ != ref.runs().begin()) --run_;
  }
  bool problem(uint64_t, const char*) { return false; }
  bool leaf(const Leaf& l, uint64_t* next) {
    Leaf e;
    uint64_t same_until = 0;
    if (!want_.next(&e, &same_until) || e.page != l.page || e.pages != l.pages ||
        e.level != l.level || e.cont != l.cont)
      return false;
    if (pages_only_ && (l.level != kPteLevel || l.cont)) return false;
    for (uint64_t a = std::max(l.page, lo_), b = std::min(l.page + l.pages, hi_); a < b;) {
      if (!seek(a)) return false;
      const Reference::Run& r = run_->second;
      if (r.attrs != l.attrs || r.pa + (a - run_->first) != l.pa + (a - l.page)) return false;
      a = std::min(b, r.end);
    }
    if (l.level == kPteLevel && same_until > *next) {
      *next =
          same_pte_leaves(*next, std::min(same_until, align_down(l.page, g_.span[2]) + g_.span[2]),
                          l.pages, l.cont);
      want_.skip_to(*next);
    }
    return true;
  }
  // No expected leaf is left over.
  bool done() {
    Leaf e;
    return !want_.next(&e);
  }

 private:
  // Moves run_ to the run holding `page`; false when R maps no such page.
  bool seek(uint64_t page) {
    while (run_ != runs_end_ && run_->second.end <= page) ++run_;
    return run_ != runs_end_ && run_->first <= page;
  }
  // Compares the PTE entries of pages [p, end) (one table; leaves of n pages
  // from p, CONT when `cont`) with R's records; returns the end of the last
  // whole leaf that matched.
  uint64_t same_pte_leaves(uint64_t p, uint64_t end, uint64_t n, bool cont) {
    const uint64_t base = align_down(p, g_.span[2]);
    const pte_t* table = pt_.ptes(TableRef{kPteLevel, base});
    if (table == nullptr) return p;
    while (p < end && seek(p)) {
      const Reference::Run& r = run_->second;
      const uint64_t b = align_down(std::min(end, r.end), n);
      const uint64_t pa = r.pa + (p - run_->first);
      if (b <= p || !is_aligned(pa, n) || (r.attrs & ~kAttrMask) != 0 || !pt_.descs_step(pa, b - p))
        break;
      // Chunks of 64 entries, each compared as a whole first.
      const pte_t first = pt_.leaf_desc(kPteLevel, pa, r.attrs, cont);
      const uint32_t shift = g_.geo.page_shift;
      const pte_t* at = table + (p - base);
      for (uint64_t q = 0; q < b - p; q += 64) {
        const uint64_t m = std::min<uint64_t>(64, b - p - q);
        pte_t diff = 0;
        for (uint64_t j = 0; j < m; ++j) diff |= at[q + j] ^ (first + ((q + j) << shift));
        if (diff == 0) continue;
        for (uint64_t j = 0;; ++j) {
          if (at[q + j] != first + ((q + j) << shift)) return align_down(p + q + j, n);
        }
      }
      p = b;
    }
    return p;
  }

  const KernelPgtable& pt_;
  const Geometry& g_;
  Reference::LeafCursor want_;
  std::map<uint64_t, Reference::Run>::const_iterator run_, runs_end_;
  uint64_t lo_, hi_;
  bool pages_only_;
};

}  // namespace

bool consistent(const Reference& ref, const KernelPgtable& pt, uint64_t lo, uint64_t hi) {
  Matcher m(ref, pt, lo, hi);
  return pt.visit_leaves(lo, hi, m) && m.done();
}

bool check_translation(const std::map<uint64_t, Reference::Run>& runs,
                       const std::vector<Leaf>& leaves, uint64_t lo, uint64_t hi, const Geometry& g,
                       Divergence* d) {
  std::vector<Seg> r, o;
  auto clipped = [&](std::vector<Seg>* v, uint64_t s, uint64_t e, uint64_t pa, pte_t attrs) {
    const uint64_t a = std::max(s, lo), b = std::min(e, hi);
    if (a < b) push_merged(v, {a, b, pa + (a - s), attrs});
  };
  auto it = runs.upper_bound(lo);
  if (it != runs.begin()) --it;
  for (; it != runs.end() && it->first < hi; ++it)
    clipped(&r, it->first, it->second.end, it->second.pa, it->second.attrs);
  for (const Leaf& l : leaves) clipped(&o, l.page, l.page + l.pages, l.pa, l.attrs);
  if (r == o) return true;
  size_t i = 0;
  while (i < r.size() && i < o.size() && r[i] == o[i]) ++i;
  if (i == r.size()) return fail(d, DivClass::kPteState, o[i].start, g, "O maps a page R does not");
  if (i == o.size()) return fail(d, DivClass::kPteState, r[i].start, g, "O lacks a page R maps");
  const Seg& a = r[i];
  const Seg& b = o[i];
  const uint64_t page = a.start != b.start                     ? std::min(a.start, b.start)
                        : (a.pa != b.pa || a.attrs != b.attrs) ? a.start
                                                               : std::min(a.end, b.end);
  auto at = [&](const std::vector<Seg>& v) {
    for (const Seg& x : v) {
      if (x.start <= page && page < x.end)
        return absl::StrFormat("pa=0x%x attrs=0x%x", (x.pa + page - x.start) * g.page_size,
                               x.attrs);
    }
    return std::string("unmapped");
  };
  return fail(d, DivClass::kPteState, page, g,
              absl::StrFormat("translation differs: R %s, O %s", at(r), at(o)));
}

bool check_structure(const std::vector<std::string>& problems, uint64_t problem_page,
                     const Geometry& g, Divergence* d) {
  if (problems.empty()) return true;
  return fail(d, DivClass::kContMalformed, problem_page, g,
              absl::StrFormat("%s (%d structural problems)", problems.front(), problems.size()));
}

bool check_minimal(const std::vector<Leaf>& expected, const std::vector<Leaf>& leaves,
                   const Geometry& g, Divergence* d) {
  auto same = [](const Leaf& a, const Leaf& b) {
    return a.page == b.page && a.pages == b.pages && a.level == b.level && a.cont == b.cont;
  };
  size_t i = 0;
  while (i < expected.size() && i < leaves.size() && same(expected[i], leaves[i])) ++i;
  if (i == expected.size() && i == leaves.size()) return true;
  const std::string want = i < expected.size() ? leaf_text(expected[i], g) : "nothing";
  const std::string got = i < leaves.size() ? leaf_text(leaves[i], g) : "nothing";
  const uint64_t page = i < leaves.size() ? leaves[i].page : expected[i].page;
  return fail(d, DivClass::kPteState, page, g,
              absl::StrFormat("leaf set is not the minimal one: expected %s, found %s "
                              "(%d leaves expected, %d found)",
                              want, got, expected.size(), leaves.size()));
}

bool check_pages_only(const std::vector<Leaf>& leaves, const Geometry& g, Divergence* d) {
  for (const Leaf& l : leaves) {
    if (l.level != kPteLevel || l.cont)
      return fail(d, DivClass::kBbm, l.page, g,
                  "block or contiguous leaf without BBML2: " + leaf_text(l, g));
  }
  return true;
}

bool check_bbm(const std::vector<LogRec>& log, const Geometry& g, Divergence* d) {
  for (const LogRec& r : log) {
    if (r.prim != Prim::kWrite || !pte_valid(r.old) || !pte_valid(r.val)) continue;
    const int level = r.level;
    const bool size_change =
        KernelPgtable::is_table(r.old, level) != KernelPgtable::is_table(r.val, level) ||
        pte_cont(r.old) != pte_cont(r.val);
    const bool oa_change = pte_pfn(&g.geo, r.old) != pte_pfn(&g.geo, r.val);
    if (size_change || oa_change)
      return fail(d, DivClass::kBbm, r.addr / g.page_size, g,
                  absl::StrFormat("live %s change of a valid level-%d entry without BBML2 "
                                  "(0x%x -> 0x%x)",
                                  size_change ? "size" : "output-address", level, r.old, r.val));
  }
  return true;
}

bool check_flush(const std::vector<LogRec>& log, const std::vector<PageRange>& changed,
                 const Geometry& g, Divergence* d) {
  if (changed.empty()) return true;
  Pending pending[4];  // by level of the cached (old, valid) entry
  // A full flush leaves nothing pending: start after the last one.
  auto from = log.end();
  while (from != log.begin() && std::prev(from)->prim != Prim::kFlushMm) --from;
  for (const LogRec& r : std::span(from, log.end())) {
    if (r.prim == Prim::kWrite && pte_valid(r.old)) {
      const int level = std::clamp<int>(r.level, 1, 3);
      const uint64_t p = r.addr >> g.geo.page_shift;
      pending[level].add(p, p + g.span[level]);
    } else if (r.prim == Prim::kFlushMm) {
      for (Pending& s : pending) s.clear();
    } else if (r.prim == Prim::kFlushRange) {
      const uint64_t s = r.addr / g.page_size, e = (r.end + g.page_size - 1) / g.page_size;
      for (int l = 1; l <= 3; ++l) {
        if (r.tlb_level != 0 && r.tlb_level != l) continue;
        if (r.stride == g.page_size) {
          pending[l].remove(s, e);
        } else {
          for (uint64_t a = r.addr; a < r.end && r.stride != 0; a += r.stride)
            pending[l].remove(a / g.page_size, a / g.page_size + 1);
        }
      }
    }
  }
  for (const PageRange& c : changed) {
    for (int l = 1; l <= 3; ++l) {
      const uint64_t p = pending[l].first_in(c.first, c.second);
      if (p < c.second)
        return fail(d, DivClass::kFlushMissing, p, g,
                    absl::StrFormat("permission changed but a level-%d translation was not "
                                    "flushed after the last write",
                                    l));
    }
  }
  return true;
}

}  // namespace ptediff::linearmap
