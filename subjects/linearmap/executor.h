// ptediff linear map: the differential executor of the linear-map subject.
//
// Runs a program on the reference (R) and the optimized implementation (O)
// one op at a time and hands each op to the subject's oracle (oracle.h),
// which checks it.
#ifndef PTEDIFF_SUBJECTS_LINEARMAP_EXECUTOR_H_
#define PTEDIFF_SUBJECTS_LINEARMAP_EXECUTOR_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/run.h"
#include "oracle/divergence.h"
#include "subjects/linearmap/optimized.h"
#include "subjects/linearmap/oracle.h"
#include "subjects/linearmap/program.h"
#include "subjects/linearmap/reference.h"
#include "subjects/linearmap/side.h"

namespace ptediff::linearmap {

// R and O side by side, one op at a time.
class Session {
 public:
  // `program` supplies the header (granule, BBML2); O is `backend` (nullptr:
  // the built-in one) set up with `options` (init), to which the boot CPU's
  // BBML2 is added; error() says why when it refuses them.
  Session(const Program& program, const ptediff_backend_v3* backend, const std::string& options);
  // The built-in O with `mutant`.
  Session(const Program& program, Mutant mutant);

  const std::string& error() const { return opt_.error(); }

  // Runs `op` (index `index` of the program) on both sides, appends every
  // divergence found after it to *out, and returns O's error code.
  int step(const Op& op, size_t index, std::vector<Divergence>* out);

  const Geometry& geometry() const { return g_; }
  const Reference& ref() const { return ref_; }
  const OptSide& opt() const { return opt_; }
  int last_ref_ret() const { return last_ref_ret_; }
  // O's current leaves (structural problems ignored).
  std::vector<Leaf> opt_leaves() const;

 private:
  const Geometry& g_;
  Reference ref_;
  OptSide opt_;
  Oracle oracle_;
  int last_ref_ret_ = 0;
};

// RunOptionsBase::mutant overrides the program's header when non-empty.
struct RunOptions : RunOptionsBase {
  // Another O (an external v3 backend), nullptr for the built-in one. It is
  // told a mutant only when `mutant` names one (a program's header names a
  // mutant of the built-in O), and the words of $PTEDIFF_BACKEND_OPTIONS.
  const ptediff_backend_v3* opt = nullptr;
  // Called after every op with O's and R's error codes.
  std::function<void(size_t index, int opt_ret, int ref_ret, const Session&)> on_step;
};

// error: an unknown mutant, a backend refusing its options. trace_hash stays 0: the subject's Case
// hashes O's leaves after every op (on_step).
using RunResult = RunResultBase;

RunResult run_program(const Program& program, const RunOptions& opts = {});

// A readable report: one line per divergence with the op's text, then the
// program as a .repro.
std::string format_report(const RunResult& result, const Program& program);

}  // namespace ptediff::linearmap

#endif  // PTEDIFF_SUBJECTS_LINEARMAP_EXECUTOR_H_
