// ptediff: the access/dirty envelope (docs/DESIGN.md §8.4.2).
//
// R (the reference) is exact. O (the optimized backend) may spread access and
// dirty state inside a region it could have folded, and may clear young on a
// whole block when asked to clear it on one entry. The envelope tracks, per
// entry, `must` and `may` bits for young and dirty, from R's state and each
// op's semantics; O's logical bit (gathered over its block when the entry is
// valid+CONT) must satisfy must => logical => may after every op, and values
// O returns obey the same rule against the pre-op bits.
#ifndef PTEDIFF_SUBJECTS_CONTPTE_ENVELOPE_H_
#define PTEDIFF_SUBJECTS_CONTPTE_ENVELOPE_H_

#include <cstdint>
#include <vector>

#include "subjects/contpte/block.h"
#include "subjects/contpte/flows.h"
#include "mmu/machine.h"

namespace ptediff {

class Envelope {
 public:
  enum Bit : uint8_t {
    kMustY = 1 << 0,
    kMustD = 1 << 1,
    kMayY = 1 << 2,
    kMayD = 1 << 3,
    kForgiven = 1 << 4,     // young forgiven by a block-wide young clear
    kRefYoung = 1 << 5,     // R's raw young bit at the last boundary
    kRefDirty = 1 << 6,     // R's dirty at the last boundary
    kDirtyExempt = 1 << 7,  // must-dirty exempt until R's dirty rises again (see update)
  };

  Envelope(const ptediff_geometry& geo, uint64_t window_pages);
  void reset();

  // Bits of one entry as of the last op boundary (the pre-op values during an op).
  uint8_t bits(uint32_t mm, uint64_t va) const;
  // The bits of the contiguous block starting at va0 (CONT_PTES entries),
  // or nullptr when it is not inside the window.
  const uint8_t* block_bits(uint32_t mm, uint64_t va0) const {
    const uint64_t i = va0 >> geo_.page_shift;
    if (mm >= kNumMms || i + geo_.cont_ptes > pages_) return nullptr;
    return bits_.data() + mm * pages_ + i;
  }
  // OR of `bit` over a range (pre-op).
  bool any(const Range& r, Bit bit) const { return (or_bits(r.mm, r.va, r.nr) & bit) != 0; }
  // OR of the bits of n entries from va (entries outside the window read 0).
  uint8_t or_bits(uint32_t mm, uint64_t va, uint64_t n) const;

  // Marks a page as accessed by a successful hardware access on either side:
  // the access may set young (and dirty for writes) whatever the TLB did.
  void note_access(uint32_t mm, uint64_t va, bool write);
  // Forgives young on one page (O served an access from its TLB, R walked).
  void forgive_young(uint32_t mm, uint64_t va);
  // Exempts one page's dirty bit until R's next dirtying: O served a write
  // from a cached translation its table no longer grants, whose flush the
  // caller still owes (a deferred flush), so no hardware update happened.
  void exempt_dirty(uint32_t mm, uint64_t va);

  // After an op: brings the bits of the touched blocks up to date with R's
  // state and the op's hints. `blocks` is sorted and unique.
  void update(const Machine& ref, const EnvelopeHints& hints, const std::vector<BlockRef>& blocks);

 private:
  // The steps of update, in order (docs/DESIGN.md §8.4.2).
  void move_bits(const Machine& ref, const EnvelopeHints& hints);
  void follow_ref(const Machine& ref, const std::vector<BlockRef>& blocks);
  void exempt_fork_child_dirty(const EnvelopeHints& hints);
  void forgive_young_clears(const Machine& ref, const EnvelopeHints& hints);
  void spread_foldable(const Machine& ref, const std::vector<BlockRef>& blocks);
  // Applies fn to the bits of every in-window entry of r.
  template <typename Fn>
  void for_each(const Range& r, Fn fn);

  uint8_t& at(uint32_t mm, uint64_t va) { return bits_[mm * pages_ + (va >> geo_.page_shift)]; }

  ptediff_geometry geo_;
  uint64_t pages_;
  std::vector<uint8_t> bits_;  // kNumMms * pages_
};

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_ENVELOPE_H_
