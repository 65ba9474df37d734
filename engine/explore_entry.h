// ptediff engine: the entry points every subject with mid-op events declares
// for `ptediff explore` (docs/DESIGN.md §5.8), in its own program and run
// types, written once.
//
// A subject's explore.h names its types from ExploreEntry and declares its
// two functions with the signatures given here (subjects/NAME/explore.cc
// defines them on engine/explore.h):
//
//   using Explore = ExploreEntry<Program, RunOptions, RunResult, Event>;
//   Explore::Candidates explore_candidates;
//   Explore::Search explore;
#ifndef PTEDIFF_ENGINE_EXPLORE_ENTRY_H_
#define PTEDIFF_ENGINE_EXPLORE_ENTRY_H_

#include <vector>

#include "engine/explore.h"

namespace ptediff {

template <typename Program, typename RunOptions, typename RunResult, typename Event>
struct ExploreEntry {
  using Options = ExploreOptionsOf<RunOptions>;
  // `failing` is the diverging schedule's program, events included.
  using Result = ExploreResultOf<Program, RunResult>;
  // A candidate's op indexes the program without events.
  using Candidate = CandidateOf<Event>;
  // explore_candidates: the candidate events of `program` (a program without
  // events) from one run of it; *base receives that run.
  using Candidates = std::vector<Candidate>(const Program& program, const RunOptions& run,
                                            RunResult* base);
  // explore: explores `program` (its own events are dropped first).
  using Search = Result(const Program& program, const Options& opts);
};

}  // namespace ptediff

#endif  // PTEDIFF_ENGINE_EXPLORE_ENTRY_H_
