// ptediff: physical folios (see folio.h).
#include "mmu/folio.h"

#include <algorithm>

namespace ptediff {
namespace {
constexpr uint64_t kLowBasePfn = 0x10000;

// The bit marking a pfn of the special-mapping arena: just below the high
// arena's, far above the low arena and clear in every high-arena pfn.
uint64_t pfnmap_bit(const ptediff_geometry& geo) {
  return 1ULL << (geo.pa_bits - 2 - geo.page_shift);
}
}  // namespace

uint64_t pfnmap_pfn(const ptediff_geometry& geo, uint64_t pfn) { return pfn | pfnmap_bit(geo); }

bool is_pfnmap_pfn(const ptediff_geometry& geo, uint64_t pfn) {
  return (pfn & pfnmap_bit(geo)) != 0;
}

FolioMap::FolioMap(const ptediff_geometry& geo) : geo_(geo) { clear(); }

void FolioMap::clear() {
  folios_.clear();
  low_next_ = kLowBasePfn;
  // The high arena starts 2^(pa_bits-1) and so covers PA[47] (48-bit) or
  // PA[51:48] (52-bit, 64K granule) being set.
  high_next_ = 1ULL << (geo_.pa_bits - 1 - geo_.page_shift);
}

ptediff_folio FolioMap::alloc(uint32_t order, Placement where) {
  order = std::min(order, kMaxFolioOrder);
  const uint64_t n = 1ULL << order;
  uint64_t& next = where == Placement::kHigh ? high_next_ : low_next_;
  if (where == Placement::kGap) next += n;
  const uint64_t start = (next + n - 1) & ~(n - 1);
  next = start + n;
  ptediff_folio f{folios_.size(), start, n};
  folios_.push_back(f);
  return f;
}

bool FolioMap::lookup(uint64_t pfn, ptediff_folio* out) const {
  for (const ptediff_folio& f : folios_) {
    if (pfn >= f.start_pfn && pfn < f.start_pfn + f.nr_pages) {
      if (out != nullptr) *out = f;
      return true;
    }
  }
  return false;
}

}  // namespace ptediff
