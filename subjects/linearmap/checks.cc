// ptediff linear map: conformance checks (checks.h).
#include "subjects/linearmap/checks.h"

#include <algorithm>
#include <iterator>
#include <span>

#include "absl/strings/str_format.h"
#include "oracle/flush.h"
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

bool check_flush(const std::vector<LogRec>& log, const std::vector<PageRange>& changed,
                 const Geometry& g, Divergence* d) {
  if (changed.empty()) return true;
  FlushLedger pending(g.geo);
  pending.walk(log, [](const LogRec& r) { return pte_valid(r.old); });
  for (const PageRange& c : changed) {
    for (int l = kPudLevel; l <= kPteLevel; ++l) {
      const uint64_t p = pending.first_pending(kKernelMm, l, c.first, c.second);
      if (p < c.second)
        return fail(d, DivClass::kFlushMissing, p, g,
                    absl::StrFormat("permission changed but a level-%d translation was not "
                                    "flushed (or the flush not completed) after the last write",
                                    l));
    }
  }
  return true;
}

}  // namespace ptediff::linearmap
