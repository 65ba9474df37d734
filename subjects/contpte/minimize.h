// ptediff: shrinking a diverging contpte program (delta debugging, with the
// minimizer every subject shares: engine/shrink.h).
//
// Keeps the divergence class and the kind of the op where it shows, and
// shrinks first the op list (removing chunks of decreasing size), then the
// operands (towards 0 and 1; addresses page-aligned), then the header
// (features off), in rounds until a round changes nothing (within the run
// budget), so minimizing the result again returns it unchanged. Every
// candidate is judged by re-running it, only candidates text can state are
// tried, and what is kept is always an effective (repaired) program. The
// result is written as text, parsed as written and run once more before it
// is returned: it replays as written with the same class at the same op kind
// (else the input's effective form is returned, if that does).
#ifndef PTEDIFF_SUBJECTS_CONTPTE_MINIMIZE_H_
#define PTEDIFF_SUBJECTS_CONTPTE_MINIMIZE_H_

#include <cstddef>
#include <string>

#include "engine/shrink.h"
#include "subjects/contpte/executor.h"

namespace ptediff {

struct MinimizeResult {
  Program program;  // the minimized program (effective form)
  DivClass cls{};   // the divergence class kept
  OpKind kind{};    // the op kind it shows at
  size_t before_ops = 0, after_ops = 0;
  size_t runs = 0;  // executions spent
  // Why no kept program replays as written (minimize_program returned false
  // though `p` diverges); empty otherwise.
  std::string error;
};

// Returns false when `p` does not diverge under `opts` (nothing to minimize),
// or, with out->error, when no program kept replays as written.
bool minimize_program(const Program& p, const RunOptions& opts, MinimizeResult* out,
                      size_t max_runs = kMaxShrinkRuns);

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_MINIMIZE_H_
