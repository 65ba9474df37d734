// ptediff linear map: the differential executor of the linear-map subject.
//
// Runs a program on the reference (R) and the optimized implementation (O)
// and, after every op, checks: equal error codes; per-page translation and
// permission equality; well-formed tables; the minimal leaf set; pages only
// and break-before-make without BBML2; TLB flush coverage of every page whose
// permission changed. Divergences use oracle/divergence.h classes.
//
// The state checks cover the op's range (widened while splits can change
// structure) and the span of every entry O wrote. While every op so far has
// passed them, the two sides agree everywhere before an op, so they agree
// after it wherever neither side changed: consistent() over what R says the
// op touched and what O wrote decides, with one walk, whether the checks pass
// there; only when it finds a difference (or after an earlier one) do the
// checks run on those ranges and describe it.
#ifndef PTEDIFF_SUBJECTS_LINEARMAP_EXECUTOR_H_
#define PTEDIFF_SUBJECTS_LINEARMAP_EXECUTOR_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/run.h"
#include "oracle/divergence.h"
#include "subjects/linearmap/optimized.h"
#include "subjects/linearmap/program.h"
#include "subjects/linearmap/reference.h"

namespace ptediff::linearmap {

// R and O side by side, one op at a time.
class Session {
 public:
  // `program` supplies the header (granule, BBML2); `mutant` is O's.
  Session(const Program& program, Mutant mutant);

  // Runs `op` (index `index` of the program) on both sides, appends every
  // divergence found after it to *out, and returns O's error code.
  int step(const Op& op, size_t index, std::vector<Divergence>* out);

  const Geometry& geometry() const { return g_; }
  const Reference& ref() const { return ref_; }
  const Optimized& opt() const { return opt_; }
  int last_ref_ret() const { return last_ref_ret_; }
  // O's current leaves (structural problems ignored).
  std::vector<Leaf> opt_leaves() const;

 private:
  // The page ranges `op` (just run) may have changed on either side, as the
  // checks cover them (sorted, disjoint, not touching).
  std::vector<PageRange> regions(const Op& op, bool bbml2_during) const;
  // Whether the state checks pass where the last op changed R (its
  // touched()) or O (the spans of the entries it wrote).
  bool touched_consistent() const;

  const Geometry& g_;
  Reference ref_;
  Optimized opt_;
  int last_ref_ret_ = 0;
  bool consistent_ = true;  // every op so far passed the state checks
};

// RunOptionsBase::mutant overrides the program's header when non-empty.
struct RunOptions : RunOptionsBase {
  // Called after every op with O's and R's error codes.
  std::function<void(size_t index, int opt_ret, int ref_ret, const Session&)> on_step;
};

// error: an unknown mutant. trace_hash stays 0: the subject's Case hashes
// O's leaves after every op (on_step).
using RunResult = RunResultBase;

RunResult run_program(const Program& program, const RunOptions& opts = {});

// A readable report: one line per divergence with the op's text, then the
// program as a .repro.
std::string format_report(const RunResult& result, const Program& program);

}  // namespace ptediff::linearmap

#endif  // PTEDIFF_SUBJECTS_LINEARMAP_EXECUTOR_H_
