// ptediff: the access/dirty envelope (docs/DESIGN.md §5.3).
//
// R (the reference) is exact. O (the optimized backend) may spread access and
// dirty state inside a region it could have folded, and may clear young on a
// whole block when asked to clear it on one entry. The envelope tracks, per
// entry, `must` and `may` bits for young and dirty, from R's state and each
// op's semantics; O's logical bit (gathered over its block when the entry is
// valid+CONT) must satisfy must => logical => may after every op, and values
// O returns obey the same rule against the pre-op bits.
#ifndef PTEDIFF_HARNESS_ENVELOPE_H_
#define PTEDIFF_HARNESS_ENVELOPE_H_

#include <cstdint>
#include <vector>

#include "harness/flows.h"
#include "mmu/machine.h"

namespace ptediff {

// A block of one mm: the unit of touched-state tracking.
struct BlockRef {
  uint32_t mm;
  uint64_t index;  // va / CONT_PTE_SIZE
  auto operator<=>(const BlockRef&) const = default;
};

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
  bool any(const Range& r, Bit bit) const;

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

  // Whether block `b` of R could be folded by O: a user mm, every entry
  // valid and not special, pfns consecutive from a CONT-aligned pfn, equal
  // protection modulo access/dirty, one folio covering the block.
  bool foldable(const Machine& ref, const BlockRef& b) const;

 private:
  uint8_t& at(uint32_t mm, uint64_t va) { return bits_[mm * pages_ + (va >> geo_.page_shift)]; }

  ptediff_geometry geo_;
  uint64_t pages_;
  std::vector<uint8_t> bits_;  // kNumMms * pages_
};

// O's logical young/dirty of an entry: gathered over its block when valid+CONT
// (check_state computes it once per block, docs/DESIGN.md §5.3).
struct LogicalAD {
  bool young, dirty;
};

}  // namespace ptediff

#endif  // PTEDIFF_HARNESS_ENVELOPE_H_
