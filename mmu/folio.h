// ptediff: physical folios.
//
// A folio is 2^order physically contiguous, naturally aligned pages. The
// allocator is a deterministic bump allocator with two arenas (low memory and
// the top of the physical address space, to exercise high PAs, including
// PA[51:48] with the 64K granule). It never frees: a fuzz input is short.
#ifndef PTEDIFF_MMU_FOLIO_H_
#define PTEDIFF_MMU_FOLIO_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ptediff/backend.h"

namespace ptediff {

inline constexpr uint32_t kMaxFolioOrder = 13;  // PMD order with the 64K granule

enum class Placement : uint8_t {
  kLow = 0,   // from low physical memory
  kHigh = 1,  // from the top of the physical address space (PA >= 2^47, or >= 2^48 at 52 bits)
  kGap = 2,   // low memory, after a hole of one page-order-sized gap
};

// Special mappings (VM_PFNMAP / VM_MIXEDMAP: remap_pfn_range, vmf_insert_pfn)
// map pfns without a memmap: no struct page, so no folio (vm_normal_page
// returns NULL for them). The model gives them an arena of their own, the
// pfn of a folio page with one high bit set, which no folio ever covers.
uint64_t pfnmap_pfn(const ptediff_geometry& geo, uint64_t pfn);
bool is_pfnmap_pfn(const ptediff_geometry& geo, uint64_t pfn);

class FolioMap {
 public:
  explicit FolioMap(const ptediff_geometry& geo);

  // Allocates a folio of `order` pages (clamped to kMaxFolioOrder).
  ptediff_folio alloc(uint32_t order, Placement where);
  // The folio containing `pfn`, if any.
  bool lookup(uint64_t pfn, ptediff_folio* out) const;
  size_t size() const { return folios_.size(); }
  const std::vector<ptediff_folio>& all() const { return folios_; }
  void clear();

 private:
  ptediff_geometry geo_;
  uint64_t low_next_;
  uint64_t high_next_;
  std::vector<ptediff_folio> folios_;  // sorted by start_pfn within each arena
};

}  // namespace ptediff

#endif  // PTEDIFF_MMU_FOLIO_H_
