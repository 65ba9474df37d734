// ptediff: systematic exploration of mid-op interleavings (docs/DESIGN.md §5.8).
//
// `ptediff explore FILE --bound N` runs a program under every schedule of up
// to N mid-op events (preemption-bounded search, as in CHESS), and stops at
// the first schedule that diverges. The candidates come from one run of the
// program without events: for every op, O's primitive log says which entries
// the op touches and before which primitive each matters. An event commutes
// with every primitive that touches neither the entries it looks at nor the
// TLB, so it is tried only right before the primitives that do: a hardware
// write or read access to each entry the op writes (its update lands on that
// entry), a block walk of each block the op writes, and a lockless reader of
// the first, last and target entry of it.
// A long op gets at most a few points per event, spread evenly over it. With
// a bound of 2, the two events of a schedule fire in the same op.
#ifndef PTEDIFF_SUBJECTS_CONTPTE_EXPLORE_H_
#define PTEDIFF_SUBJECTS_CONTPTE_EXPLORE_H_

#include "engine/explore_entry.h"
#include "subjects/contpte/executor.h"

namespace ptediff {

// The search's types and entry points (engine/explore_entry.h). The program
// explored and `failing` are effective (repaired) programs; an event is an
// event op listed under its op.
using Explore = ExploreEntry<Program, RunOptions, RunResult, Op>;
using ExploreOptions = Explore::Options;
using ExploreResult = Explore::Result;
using Candidate = Explore::Candidate;
Explore::Candidates explore_candidates;
Explore::Search explore;

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_EXPLORE_H_
