// ptediff bench: the fork / munmap workloads of the contpte cost tables.
//
// A workload populates a whole window of user mm 0 with anonymous, written
// (writable + dirty) folios of one order, one `fault` op per folio, then runs
// one measured flow over the whole region: `fork` (copy_pte_range into mm 1
// and the parent flush) or `zap` (munmap: get_and_clear_full_ptes batches and
// the deferred flush). The cost of the measured op alone is the difference of
// each machine's counters just before and just after it, so the faults that
// set the region up never show in the numbers.
#ifndef PTEDIFF_BENCH_WORKLOAD_H_
#define PTEDIFF_BENCH_WORKLOAD_H_

#include <cstdint>
#include <string>

#include "subjects/contpte/program.h"
#include "mmu/machine.h"

namespace ptediff::bench {

enum class Flow : uint8_t { kFork, kZap };
const char* flow_name(Flow f);

struct Workload {
  ptediff_granule granule = PTEDIFF_GRANULE_4K;
  Flow flow = Flow::kFork;
  uint32_t order = 0;   // folio order of the populated region
  uint32_t tables = 2;  // PTE tables in the window (the region is all of it)
};

// Entries in the region of `w` (tables * PTRS_PER_PTE).
uint64_t region_pages(const Workload& w);

// The program: a header (granule, hafdbs, `profile`, mutant none), the faults
// populating the region, then the measured flow as the last op.
Program workload_program(const Workload& w, Profile profile);

// What the measured op cost each side.
struct FlowCost {
  Counters ref, opt;
  uint64_t pages = 0;  // entries the op covered
  uint64_t divergences = 0;
  std::string error;  // set when the run could not measure the op
};

// Runs workload_program(w, profile) with `mutant` ("" = the header's "none")
// and returns the cost of its last op. `opt` replaces the built-in optimized
// backend (an external one, e.g. the kernel's contpte.c).
FlowCost measure(const Workload& w, Profile profile, const std::string& mutant = "",
                 const ptediff_backend* opt = nullptr);

// Sum of every primitive in c.
uint64_t total(const Counters& c);

}  // namespace ptediff::bench

#endif  // PTEDIFF_BENCH_WORKLOAD_H_
