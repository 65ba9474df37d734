// ptediff: flush coverage, shared by every subject (docs/DESIGN.md §5.4).
//
// An entry change that a cached translation could outlive must be followed,
// before the op returns, by an invalidation that reaches the entry (a range
// flush whose addresses hit it with a level hint of its level, or
// flush_tlb_mm) and by its completion (a synced flush, a DSB, or
// flush_tlb_mm): a translation a TLBI was issued for stays usable until the
// DSB after it (Arm ARM D8.16; "arm64/mm: Split __flush_tlb_range() to elide
// trailing DSB" defers that DSB only to a point before the op returns).
//
// change_needs_flush says which changes; FlushLedger walks a log and keeps
// what is left pending, per mm and level, in entries. The contpte subject's
// per-page tracker (subjects/contpte/check_flush.cc, §8.4.4) extends the same rule
// with what its ops add (young flushes, write upgrades, BBML2 repaints).
#ifndef PTEDIFF_ORACLE_FLUSH_H_
#define PTEDIFF_ORACLE_FLUSH_H_

#include <cstdint>
#include <map>
#include <vector>

#include "absl/functional/function_ref.h"
#include "mmu/machine.h"

namespace ptediff {

// Whether an entry change needs a TLB flush: validity lost, output address
// or memory attributes changed, or write permission / hardware dirty lost.
// Access-flag-only changes never do.
bool change_needs_flush(const ptediff_geometry& geo, pte_t old_pte, pte_t new_pte);

// Half-open intervals of integers (entry numbers), coalesced.
class IntervalSet {
 public:
  void add(uint64_t s, uint64_t e);
  // Removes [s, e); appends the pieces removed to *removed when given.
  void remove(uint64_t s, uint64_t e, std::vector<std::pair<uint64_t, uint64_t>>* removed);
  // The first member of [s, e), or e.
  uint64_t first_in(uint64_t s, uint64_t e) const;
  bool empty() const { return m_.empty(); }
  uint64_t first() const { return m_.begin()->first; }  // !empty()
  void clear() { m_.clear(); }

 private:
  std::map<uint64_t, uint64_t> m_;
};

// The entries of one op's log whose change needed an invalidation that has
// not reached them, or not completed, by the log's end.
class FlushLedger {
 public:
  explicit FlushLedger(const ptediff_geometry& g);

  // Walks `log` from the start: every entry write for which `needs(r)`
  // holds makes its entry pending at r.level; a range flush removes the
  // entries it reaches (issued, until completed by it or a later
  // completing record); flush_tlb_mm clears its mm.
  void walk(const std::vector<LogRec>& log, absl::FunctionRef<bool(const LogRec&)> needs);

  // The first page of [lo, hi) (page numbers) of mm whose entry at `level`
  // is left pending, or hi.
  uint64_t first_pending(uint32_t mm, int level, uint64_t lo, uint64_t hi);
  // Whether any entry is left pending; the first (mm, level, page) if so.
  bool any_pending(uint32_t* mm, int* level, uint64_t* page);

 private:
  // Entries of one (mm, level) not yet reached, or reached and not
  // completed. Writes mostly come in address order: touching ones are
  // merged before they reach the set.
  struct Pending {
    IntervalSet set, issued;
    uint64_t start = 0, end = 0;  // not yet in `set` (empty when equal)
    void add(uint64_t s, uint64_t e);
    void settle();
    void clear();
  };
  // Entries of `level` are numbered by address >> shift_[level].
  Pending& at(uint32_t mm, int level) { return p_[mm % kNumMms][level & 3]; }
  void on_flush(const LogRec& r);
  void complete();

  uint32_t shift_[4] = {0, 0, 0, 0};
  uint32_t page_shift_ = 0;
  Pending p_[kNumMms][4];
  std::vector<std::pair<uint64_t, uint64_t>> removed_;
  bool any_issued_ = false;
};

}  // namespace ptediff

#endif  // PTEDIFF_ORACLE_FLUSH_H_
