// ptediff hugetlb: the subject's oracle, behind the contract every subject's
// oracle implements (oracle/contract.h; docs/DESIGN.md §10.4).
//
// After every op it runs the checks of checks.h in check_op's order over the
// program's huge pages, the shared ones (oracle/log_checks.h: out-of-window,
// break-before-make, locks) among them, and keeps what they carry from op to
// op: the pages whose young state R and O may disagree on. For an op with
// mid-op events, the linearizations (interleave.h) judge each placement
// with check_op over the same state.
#ifndef PTEDIFF_SUBJECTS_HUGETLB_ORACLE_H_
#define PTEDIFF_SUBJECTS_HUGETLB_ORACLE_H_

#include <vector>

#include "oracle/contract.h"
#include "oracle/divergence.h"
#include "subjects/hugetlb/checks.h"
#include "subjects/hugetlb/flows.h"
#include "subjects/hugetlb/program.h"

namespace ptediff::hugetlb {

// One op on both sides, and the huge pages the program names so far.
struct OpView {
  const Side& ref;
  const Side& opt;
  const Op& op;
  const std::vector<PageRef>& pages;
};

class Oracle final : public OracleContract<OpView> {
 public:
  // Forgets everything of the last run.
  void reset() { uncertain_.clear(); }
  // Nothing is judged before O runs: every hugetlb check reads the state
  // after the op and the op's logs.
  void before_op(const OpView&) override {}
  // check_op over both sides (`logs` are their machines' logs).
  void after_op(const OpView& v, const OpLogs& logs, std::vector<Divergence>* out) override;
  // The young-uncertain pages, for the linearizations of an op with events
  // (run_op_with_events), which rewind them with R's op.
  YoungUncertain* uncertain() { return &uncertain_; }

 private:
  YoungUncertain uncertain_;
};

}  // namespace ptediff::hugetlb

#endif  // PTEDIFF_SUBJECTS_HUGETLB_ORACLE_H_
