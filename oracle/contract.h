// ptediff: the oracle contract every subject's checks sit behind
// (docs/DESIGN.md §5.2).
//
// A subject's executor only runs ops; its oracle (subjects/<s>/oracle.h)
// judges them. For every op the executor calls before_op once O is about to
// run it and after_op once both sides ran it, with both sides' primitive logs
// of the op (Machine::log()); after_op appends Divergences. What else an
// oracle needs of the two sides (machines, returns, the op) is the subject's
// View. Checks that mean the same for every subject (break-before-make,
// flush coverage, locks, out-of-window: log_checks.h) are written once, over
// the logs, and report through a Report the subject supplies, which attaches
// its own evidence.
#ifndef PTEDIFF_ORACLE_CONTRACT_H_
#define PTEDIFF_ORACLE_CONTRACT_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "mmu/machine.h"
#include "oracle/divergence.h"

namespace ptediff {

// The primitive logs of one op: R's and O's. A subject whose R is no
// machine (linear-map) passes an empty R log.
struct OpLogs {
  const std::vector<LogRec>& ref;
  const std::vector<LogRec>& opt;
};

// Where a shared check reports a finding: the subject appends a divergence
// of class `cls` at (mm, va) saying `what`, with its evidence (and may keep
// one per class and op).
using Report = absl::FunctionRef<void(DivClass cls, uint32_t mm, uint64_t va, std::string what)>;

// What every subject's oracle implements. `View` is the subject's view of
// one op on both sides. Subjects declare their oracle `final` and executors
// call it through that type, so the calls are direct.
template <class View>
class OracleContract {
 public:
  virtual ~OracleContract() = default;
  // Before O runs the op (R may have run it already; the subject says).
  virtual void before_op(const View& v) = 0;
  // After both sides ran the op: every check, in the subject's order.
  virtual void after_op(const View& v, const OpLogs& logs, std::vector<Divergence>* out) = 0;
};

// Log records a divergence keeps of each side as evidence when a subject
// bounds them (hugetlb, linear-map; the contpte subject keeps whole logs,
// whose flushes its reports list).
inline constexpr size_t kMaxLogEvidence = 64;

// Sets d's logs to the first kMaxLogEvidence records of each side's log.
inline void keep_log_evidence(const OpLogs& logs, Divergence* d) {
  d->ref_log.assign(logs.ref.begin(),
                    logs.ref.begin() + std::min(logs.ref.size(), kMaxLogEvidence));
  d->opt_log.assign(logs.opt.begin(),
                    logs.opt.begin() + std::min(logs.opt.size(), kMaxLogEvidence));
}

}  // namespace ptediff

#endif  // PTEDIFF_ORACLE_CONTRACT_H_
