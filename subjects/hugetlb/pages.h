// ptediff hugetlb: the huge pages a program names, and which of them an op
// may have changed.
//
// The checks and the trace hash look at every huge page the program names
// after every op. Looking at all of them every time made a run's cost grow
// with the pages named so far (a 4K cont-pte window holds 32768); instead
// the executor and the oracle keep sets of positions (the pages that may
// differ, those O holds anything in) and update them from what each op
// wrote: the op's log names every entry a backend or the hardware wrote.
#ifndef PTEDIFF_SUBJECTS_HUGETLB_PAGES_H_
#define PTEDIFF_SUBJECTS_HUGETLB_PAGES_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "mmu/machine.h"
#include "subjects/hugetlb/hstate.h"
#include "subjects/hugetlb/program.h"  // kNumMms

namespace ptediff::hugetlb {

// A huge page of one mm: the unit of the state checks.
struct PageRef {
  uint32_t mm;
  uint64_t va;
  bool operator==(const PageRef&) const = default;
};

// A set of positions (indices into PageIndex::refs()), walked in ascending
// order.
class PosSet {
 public:
  void insert(size_t p) {
    if (p / 64 >= words_.size()) words_.resize(p / 64 + 1, 0);
    words_[p / 64] |= 1ULL << (p % 64);
  }
  void erase(size_t p) {
    if (p / 64 < words_.size()) words_[p / 64] &= ~(1ULL << (p % 64));
  }
  bool contains(size_t p) const {
    return p / 64 < words_.size() && (words_[p / 64] >> (p % 64) & 1) != 0;
  }
  // Adds every position below n.
  void insert_below(size_t n) {
    for (size_t p = 0; p < n; ++p) insert(p);
  }
  // Empties the set (keeping its memory).
  void clear() { std::fill(words_.begin(), words_.end(), 0); }
  // fn(position) for each member, in ascending order.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (size_t w = 0; w < words_.size(); ++w) {
      for (uint64_t bits = words_[w]; bits != 0; bits &= bits - 1) {
        fn(w * 64 + static_cast<size_t>(__builtin_ctzll(bits)));
      }
    }
  }

 private:
  std::vector<uint64_t> words_;
};

// The huge pages a program names, in the order it names them: each page
// number once, in mm 0 then mm 1. Built once per hstate and thread and
// reset per run (forgetting costs what was named, not the window).
class PageIndex {
 public:
  // Sentinel of position(): a page the program did not name.
  static constexpr int32_t kUnnamed = -1;

  // Forgets every page; the pages are of hstate `h` from now on.
  void reset(const HState& h);
  // Names huge page number `page` (in both mms) unless it is named already;
  // returns whether it was new.
  bool name(uint64_t page);
  const std::vector<PageRef>& refs() const { return refs_; }
  size_t size() const { return refs_.size(); }
  const HState& hstate() const { return h_; }
  // The position in refs() of the huge page of `mm` holding `va` (any
  // address inside it), or kUnnamed.
  int32_t position(uint32_t mm, uint64_t va) const {
    const uint64_t page = va >> shift_;  // huge page sizes are powers of two
    if (mm >= kNumMms || page >= h_.pages) return kUnnamed;
    return pos_[mm * h_.pages + page];
  }
  // Adds to *out every named page of `mm` overlapping [va, va + bytes).
  void add_overlapping(uint32_t mm, uint64_t va, uint64_t bytes, PosSet* out) const;
  // Adds to *out every named page whose entries of the hstate's level, or
  // the upper entries above them, a write of `log` may have changed: the
  // page an entry write lands in; every page below an upper entry written
  // (re-installing a table gives fresh, zeroed tables below it).
  void add_written(const std::vector<LogRec>& log, PosSet* out) const;

 private:
  HState h_;
  uint32_t shift_ = 0;  // log2(h_.bytes)
  std::vector<PageRef> refs_;
  std::vector<int32_t> pos_;  // mm * h_.pages + page number -> position, or kUnnamed
};

}  // namespace ptediff::hugetlb

#endif  // PTEDIFF_SUBJECTS_HUGETLB_PAGES_H_
