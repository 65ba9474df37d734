// ptediff linear map: the reference (R).
//
// R keeps one translation record {valid, pa, prot} per base page (stored as
// runs of pages with linear PA and equal attributes) and changes exactly the
// pages of each op's range. Alongside it R keeps what the split rule makes
// observable about structure: the mapped extents with their flags and the set
// of addresses that some split made a leaf boundary. From these it derives
// the minimal leaf set (expected_leaves) and, from that, whether an op needs
// a new page table at a given depth, which decides -ENOMEM.
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
  const std::map<uint64_t, Run>& runs() const { return runs_; }
  bool bbml2() const { return bbml2_; }
  bool mapped(uint64_t page) const { return extent_of(page) != nullptr; }

  // The leaf set the split rule implies: each map's largest leaves (within
  // its flags; pages only without BBML2), each broken only where a split
  // boundary falls inside it, into the largest aligned pieces.
  std::vector<Leaf> expected_leaves() const;
  // The expected leaves intersecting pages [lo, hi).
  std::vector<Leaf> expected_leaves(uint64_t lo, uint64_t hi) const;

 private:
  struct Extent {
    uint64_t start = 0, end = 0, pa = 0;
    uint32_t flags = 0;
  };

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
  std::vector<Leaf> leaves_of(const Extent& e) const;
  // Table depths (bit d) a split at `page` must allocate.
  uint32_t split_needs(uint64_t page);
  // Splits the record run containing `page` so a run starts there.
  void cut(uint64_t page);

  const Geometry& g_;
  bool bbml2_;
  AllocFailures alloc_;
  std::map<uint64_t, Run> runs_;
  std::map<uint64_t, Extent> extents_;
  std::set<uint64_t> bounds_;
  std::vector<PageRange> changed_;
};

}  // namespace ptediff::linearmap

#endif  // PTEDIFF_SUBJECTS_LINEARMAP_REFERENCE_H_
