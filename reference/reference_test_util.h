// ptediff: shared fixture of the reference backend tests: the machine
// fixture of the mmu tests plus the reference backend.
#ifndef PTEDIFF_REFERENCE_REFERENCE_TEST_UTIL_H_
#define PTEDIFF_REFERENCE_REFERENCE_TEST_UTIL_H_

#include "mmu/test_fixture.h"
#include "reference/reference.h"

namespace ptediff {

class ReferenceFixture : public MachineFixture {
 public:
  explicit ReferenceFixture(ptediff_granule g) : MachineFixture(g) {}

  const ptediff_backend* be() const { return ptediff_reference_backend(); }
  // The flush flush_tlb_page / flush_tlb_page_nosync issue for one entry.
  Flush page_flush(uint64_t index, bool sync) const {
    return {va(index), va(index) + page(), page(), true, 3, sync};
  }
};

}  // namespace ptediff

#endif  // PTEDIFF_REFERENCE_REFERENCE_TEST_UTIL_H_
