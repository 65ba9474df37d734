// ptediff: the TLB model.
//
// Entries are {mm, va range (one page or a whole contiguous block), level,
// descriptor snapshot}, created by hardware walks. Invalidation by VA hits an
// entry only if one of the invalidated addresses falls inside it (so a
// per-page entry of a contiguous block survives a flush of a sibling page),
// and only entries of the hinted level. An unsynced invalidation leaves the
// entry usable ("pending") until the next DSB or synced flush.
#ifndef PTEDIFF_MMU_TLB_H_
#define PTEDIFF_MMU_TLB_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ptediff/pte.h"

namespace ptediff {

// Level hints of invalidate_range: any level, and the level-0 hint of an LPA2
// machine (no entry here lives at level 0, so it invalidates nothing).
inline constexpr int kTlbAnyLevel = 0;
inline constexpr int kTlbLevelZero = -1;

struct TlbEntry {
  uint32_t mm = 0;
  int level = 3;
  bool pending = false;  // invalidated but not yet synced: still usable
  uint64_t va = 0;       // start of the cached range
  uint64_t size = 0;     // bytes: one page or one contiguous block
  pte_t pte = 0;         // the descriptor as walked

  bool contains(uint64_t a) const { return a >= va && a - va < size; }
};

class Tlb {
 public:
  static constexpr size_t kCapacity = 64;

  // Caches a translation (replacing any entry for the same range; the oldest
  // entry is evicted when full).
  void fill(const TlbEntry& e);
  // The most recently filled entry of `mm` containing `va`, or nullptr.
  const TlbEntry* lookup(uint32_t mm, uint64_t va) const;
  // TLBI by VA for start + k*stride < end, of entries at tlb_level
  // (kTlbAnyLevel: every level).
  void invalidate_range(uint32_t mm, uint64_t start, uint64_t end, uint64_t stride, int tlb_level,
                        bool sync);
  void invalidate_mm(uint32_t mm);
  void sync();  // DSB: pending invalidations complete
  void clear() { entries_.clear(); }
  const std::vector<TlbEntry>& entries() const { return entries_; }

 private:
  std::vector<TlbEntry> entries_;  // oldest first
};

// True when the arithmetic progression start + k*stride (< end) hits [va, va+size).
bool range_hits(uint64_t start, uint64_t end, uint64_t stride, uint64_t va, uint64_t size);

}  // namespace ptediff

#endif  // PTEDIFF_MMU_TLB_H_
