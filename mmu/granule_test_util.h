// ptediff: the three granules as a GoogleTest parameter (shared by the unit
// tests of mmu/, reference/ and optimized/).
#ifndef PTEDIFF_MMU_GRANULE_TEST_UTIL_H_
#define PTEDIFF_MMU_GRANULE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <string>

#include "ptediff/pte.h"

namespace ptediff {

inline constexpr ptediff_granule kAllGranules[] = {PTEDIFF_GRANULE_4K, PTEDIFF_GRANULE_16K,
                                                   PTEDIFF_GRANULE_64K};

// "4K" / "16K" / "64K": the test-name suffix of a granule parameter.
inline std::string GranuleName(const ::testing::TestParamInfo<ptediff_granule>& info) {
  switch (info.param) {
    case PTEDIFF_GRANULE_4K:
      return "4K";
    case PTEDIFF_GRANULE_16K:
      return "16K";
    case PTEDIFF_GRANULE_64K:
      return "64K";
  }
  return "unknown";
}

}  // namespace ptediff

#endif  // PTEDIFF_MMU_GRANULE_TEST_UTIL_H_
