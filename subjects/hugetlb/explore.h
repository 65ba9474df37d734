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

#include "engine/explore_entry.h"
#include "subjects/hugetlb/executor.h"
#include "subjects/hugetlb/program.h"

namespace ptediff::hugetlb {

// The search's types and entry points (engine/explore_entry.h); an event
// stands in its op's `events`.
using Explore = ExploreEntry<Program, RunOptions, RunResult, Event>;
using ExploreOptions = Explore::Options;
using ExploreResult = Explore::Result;
using Candidate = Explore::Candidate;
Explore::Candidates explore_candidates;
Explore::Search explore;

}  // namespace ptediff::hugetlb

#endif  // PTEDIFF_SUBJECTS_HUGETLB_EXPLORE_H_
