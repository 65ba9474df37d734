// ptediff hugetlb: the hstates (hstate.h).
#include "subjects/hugetlb/hstate.h"

namespace ptediff::hugetlb {
namespace {

constexpr const char* kNames[kNumHSizes] = {"cont-pte", "pmd", "cont-pmd", "pud"};

}  // namespace

const char* hsize_name(HSize s) { return kNames[static_cast<uint32_t>(s) % kNumHSizes]; }

bool parse_hsize(std::string_view s, HSize* out) {
  for (uint32_t i = 0; i < kNumHSizes; ++i) {
    if (s == kNames[i]) {
      *out = static_cast<HSize>(i);
      return true;
    }
  }
  return false;
}

bool hsize_supported(ptediff_granule g, HSize s) {
  return s != HSize::kPud || g == PTEDIFF_GRANULE_4K;
}

HState hstate_of(ptediff_granule g, HSize s) {
  if (!hsize_supported(g, s)) s = HSize::kContPte;
  HState h;
  h.geo = ptediff_geometry_of(g);
  h.size = s;
  const uint64_t page = ptediff_page_size(&h.geo), pmd = ptediff_pmd_size(&h.geo);
  const uint64_t ptrs = pmd / page;  // entries per table
  switch (s) {
    case HSize::kContPte:
      h.level = kPteLevel, h.ncontig = h.geo.cont_ptes, h.pgsize = page;
      break;
    case HSize::kPmd:
      h.level = kPmdLevel, h.ncontig = 1, h.pgsize = pmd;
      break;
    case HSize::kContPmd:
      h.level = kPmdLevel, h.ncontig = h.geo.cont_pmds, h.pgsize = pmd;
      break;
    case HSize::kPud:
      h.level = kPudLevel, h.ncontig = 1, h.pgsize = pmd * ptrs;
      break;
  }
  h.bytes = h.pgsize * h.ncontig;
  // Two CONT_PMD ranges of PTE tables; with 4K pages two whole PUDs (the
  // window holds PUD entries only for whole PUDs: TableWindow).
  h.window_tables = g == PTEDIFF_GRANULE_4K ? 2 * static_cast<uint32_t>(ptrs) : 2 * h.geo.cont_pmds;
  h.pages = static_cast<uint64_t>(h.window_tables) * pmd / h.bytes;
  return h;
}

}  // namespace ptediff::hugetlb
