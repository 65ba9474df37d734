// ptediff linear map: the reference (R).
//
// R keeps one translation record {valid, pa, prot} per base page (stored as
// runs of pages with linear PA and equal attributes) and changes exactly the
// pages of each op's range, run by run. Alongside it R keeps what the split
// rule makes observable about structure: the mapped extents with their flags
// and the set of addresses that some split made a leaf boundary. From these
// it derives the minimal leaf set (expected_leaves, or one leaf at a time
// with a LeafCursor) and, from that, whether an op needs a new page table at
// a given depth, which decides -ENOMEM. Each op also names the page ranges
// where its records or leaf set may have changed (touched), so the checks
// can compare only there.
#ifndef PTEDIFF_SUBJECTS_LINEARMAP_REFERENCE_H_
#define PTEDIFF_SUBJECTS_LINEARMAP_REFERENCE_H_

#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "subjects/linearmap/geometry.h"
#include "subjects/linearmap/program.h"

namespace ptediff::linearmap {

// A page range [first, second) in base pages.
using PageRange = std::pair<uint64_t, uint64_t>;

class Reference {
  struct Extent {
    uint64_t start = 0, end = 0, pa = 0;
    uint32_t flags = 0;
  };

 public:
  struct Run {  // pages [key, end) map pa + (page - key) with attrs
    uint64_t end = 0;
    uint64_t pa = 0;
    pte_t attrs = 0;
  };

  Reference(const Geometry& g, bool bbml2);

  // Runs one op (fail_alloc arms the next op; every other op consumes the
  // arming) and returns its error code.
  int apply(const Op& op);

  // Pages whose record changed in the last op while valid before it (the
  // pages whose cached translations must be flushed).
  const std::vector<PageRange>& changed() const { return changed_; }
  // Page ranges outside which the last op changed neither a record nor an
  // expected leaf (in op order, possibly overlapping).
  const std::vector<PageRange>& touched() const { return touched_; }
  const std::map<uint64_t, Run>& runs() const { return runs_; }
  bool bbml2() const { return bbml2_; }
  bool mapped(uint64_t page) const { return extent_of(page) != nullptr; }

  // The leaf set the split rule implies: each map's largest leaves (within
  // its flags; pages only without BBML2), each broken only where a split
  // boundary falls inside it, into the largest aligned pieces.
  std::vector<Leaf> expected_leaves() const;
  // The expected leaves intersecting pages [lo, hi).
  std::vector<Leaf> expected_leaves(uint64_t lo, uint64_t hi) const;

  // The expected leaves intersecting pages [lo, hi), one at a time in
  // address order (what expected_leaves(lo, hi) lists, without attrs).
  // Invalidated by the next op.
  class LeafCursor {
   public:
    LeafCursor(const Reference& r, uint64_t lo, uint64_t hi);
    // The next leaf (attrs 0); false after the last. With `same_until`, also
    // sets it to the end of the leaves of the same kind that follow without
    // a gap and end by hi (out's own end when there are none).
    bool next(Leaf* out, uint64_t* same_until = nullptr);
    // Passes over the leaves before `page`: a leaf boundary at most the last
    // *same_until, past the last leaf.
    void skip_to(uint64_t page);

   private:
    // Positions the cursor on the extent at ext_, or past the last one.
    void enter();
    // same_until of the leaf at `page` of kind `k` (own kind `own`) whose
    // first boundary above is `bound`.
    uint64_t same_until(uint64_t page, size_t k, size_t own, uint64_t bound) const;

    const Reference& r_;
    uint64_t lo_, hi_;
    std::map<uint64_t, Extent>::const_iterator ext_;
    uint64_t p_ = 0, stop_ = 0;  // the next leaf starts at p_; the extent's leaves stop at stop_
    uint64_t bound_ = 0;         // the first split boundary above p_
    uint32_t allowed_ = 0;       // the leaf kinds the extent's flags allow (bit i: kinds[i])
    uint32_t fitting_ = 0;       // allowed_ kinds the extent's PA alignment admits
  };

 private:
  int map(uint64_t page, uint64_t pa, uint64_t nr, uint32_t flags);
  int split(uint64_t page);
  int set_memory(Change c, uint64_t page, uint64_t nr);
  int set_alias(Change c, uint64_t page, uint64_t nr, uint64_t stride);
  int repaint();

  const Extent* extent_of(uint64_t page) const;
  bool any_mapped(uint64_t start, uint64_t end) const;
  bool all_mapped(uint64_t start, uint64_t end) const;
  // The expected leaf of extent `e` containing `page`.
  Leaf leaf_in(const Extent& e, uint64_t page) const;
  // The same for a `page` where an expected leaf of `e` starts, `bound` the
  // first split boundary above it and `allowed` allowed_kinds(e): no search.
  // Sets *kind and *own to the indices in g_.kinds of the leaf's kind and of
  // the map's own leaf there (before splits broke it).
  Leaf leaf_at(const Extent& e, uint32_t allowed, uint64_t page, uint64_t bound, size_t* kind,
               size_t* own) const;
  uint32_t allowed_kinds(const Extent& e) const;
  // The first split boundary above `page` (UINT64_MAX when none).
  uint64_t bound_after(uint64_t page) const;
  // Table depths (bit d) mapping `e` needs (a new PMD table wherever a
  // level-2/3 leaf lands in an empty level-1 region, a new PTE table wherever
  // a level-3 leaf lands in an empty PMD region).
  uint32_t map_needs(const Extent& e) const;
  // Table depths (bit d) a split at `page` must allocate; `before` is the
  // leaf containing it.
  uint32_t split_needs(const Extent& e, const Leaf& before, uint64_t page);
  // Splits the record run containing `page` so a run starts there.
  void cut(uint64_t page);

  const Geometry& g_;
  bool bbml2_;
  AllocFailures alloc_;
  std::map<uint64_t, Run> runs_;
  std::map<uint64_t, Extent> extents_;
  std::set<uint64_t> bounds_;
  std::vector<PageRange> changed_;
  std::vector<PageRange> touched_;
};

}  // namespace ptediff::linearmap

#endif  // PTEDIFF_SUBJECTS_LINEARMAP_REFERENCE_H_
