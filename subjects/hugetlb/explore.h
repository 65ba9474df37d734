// ptediff hugetlb: systematic exploration of mid-op events (docs/DESIGN.md
// §10.4.1, §5.8).
//
// `ptediff explore FILE --bound N` on a hugetlb program: one run without
// events, then every schedule of up to N events (engine/explore.h). From O's
// log of each op, the candidates are a hardware write and read access to each
// entry the op writes (the first and last four), whose update lands on that
// entry, and a walk caching each of the first two huge pages the op writes;
// each tried only right before the primitives touching that entry (reads
// included) or invalidating its translation, at most eight points, spread
// evenly.
#ifndef PTEDIFF_SUBJECTS_HUGETLB_EXPLORE_H_
#define PTEDIFF_SUBJECTS_HUGETLB_EXPLORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/explore.h"
#include "subjects/hugetlb/executor.h"
#include "subjects/hugetlb/program.h"

namespace ptediff::hugetlb {

using ExploreOptions = ExploreOptionsOf<RunOptions>;
using ExploreResult = ExploreResultOf<Program, RunResult>;
using Candidate = CandidateOf<Event>;

// The candidate events of `program` (without events) from one run of it;
// *base receives that run.
std::vector<Candidate> explore_candidates(const Program& program, const RunOptions& run,
                                          RunResult* base);

// Explores `program` (its own events are dropped first).
ExploreResult explore(const Program& program, const ExploreOptions& opts);

}  // namespace ptediff::hugetlb

#endif  // PTEDIFF_SUBJECTS_HUGETLB_EXPLORE_H_
