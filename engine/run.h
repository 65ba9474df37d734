// ptediff: what a run of a program returns, and the options every subject's
// run takes.
//
// Each subject's executor runs a program on R and O and returns a
// RunResultBase, extended with what only that subject reports (the contpte
// subject's repaired program, costs, fold statistics, trace). Its options
// extend RunOptionsBase with its backends and callbacks.
#ifndef PTEDIFF_ENGINE_RUN_H_
#define PTEDIFF_ENGINE_RUN_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "oracle/divergence.h"

namespace ptediff {

// The result of one run, whatever the subject.
struct RunResultBase {
  std::vector<Divergence> divergences;
  size_t ops_run = 0;  // ops executed on both sides and judged
  // A digest of the run (docs/DESIGN.md §2.9), stable across builds. A
  // subject whose Case hashes the run itself (linear-map: O's leaves after
  // each op, from its on_step) leaves it 0 here.
  uint64_t trace_hash = 0;
  // A setup failure (an unknown mutant, a backend refusing its options):
  // nothing ran, exit status 2.
  std::string error;
  bool diverged() const { return !divergences.empty(); }
};

// The options of one run, whatever the subject.
struct RunOptionsBase {
  // O's mutant: overrides the program header's when non-empty (subjects say
  // what a backend other than their built-in one is told).
  std::string mutant;
  bool stop_at_first = true;  // stop after the first op that diverges
};

}  // namespace ptediff

#endif  // PTEDIFF_ENGINE_RUN_H_
