// ptediff hugetlb: the subject's oracle, behind the contract every subject's
// oracle implements (oracle/contract.h; docs/DESIGN.md §10.4).
//
// After every op it runs the checks of checks.h in check_op's order over the
// program's huge pages, the shared ones (oracle/log_checks.h: out-of-window,
// break-before-make, locks) among them, and keeps what they carry from op to
// op: the pages whose young state R and O may disagree on. For an op with
// mid-op events (docs/DESIGN.md §10.4.1) it owns the rules too: which events
// are made on R (placed_on_ref), each event as R made it at its place
// (judge_event) and each placement (judge_linearization: check_op over the
// same state); the linearizations (interleave.h) only run them.
#ifndef PTEDIFF_SUBJECTS_HUGETLB_ORACLE_H_
#define PTEDIFF_SUBJECTS_HUGETLB_ORACLE_H_

#include <vector>

#include "oracle/contract.h"
#include "oracle/divergence.h"
#include "subjects/hugetlb/checks.h"
#include "subjects/hugetlb/flows.h"
#include "subjects/hugetlb/interleave.h"
#include "subjects/hugetlb/program.h"

namespace ptediff::hugetlb {

// One op on both sides, and the huge pages the program names so far.
struct OpView {
  const Side& ref;
  const Side& opt;
  const Op& op;
  const PageIndex& pages;
  // The pages O's log wrote when the executor found them already (for the
  // trace hash), or nullptr.
  const PosSet* opt_written = nullptr;
};

class Oracle final : public OracleContract<OpView> {
 public:
  // `every_page`: check_op looks at every named page after every op, not
  // only at those an op may have changed (the definition the faster way
  // must equal; tests compare the two).
  explicit Oracle(bool every_page = false) : every_page_(every_page) {}
  // Forgets everything of the last run.
  void reset() {
    st_ = CheckState{};
    reads_missing_ = false;
  }
  // Whether an op could not be judged for want of the reads O's machine did
  // not log (check_bbm): the run must be made again with them.
  bool reads_missing() const { return reads_missing_; }
  // Nothing is judged before O runs: every hugetlb check reads the state
  // after the op and the op's logs.
  void before_op(const OpView&) override {}
  // check_op over both sides (`logs` are their machines' logs, which
  // check_op reads through the sides).
  void after_op(const OpView& v, const OpLogs& logs, std::vector<Divergence>* out) override;

  // What an op changes in the oracle (the young-uncertain and unsettled
  // pages), to judge one op more than once: run_op_with_events rewinds it
  // with R's op.
  using State = CheckState;
  State save() const { return st_; }
  void restore(const State& s) { st_ = s; }

  // Mid-op events (interleave.h), judged on one placement of them on R.
  //
  // Whether event `ev` that did `o` on O is made on R at all.
  static bool placed_on_ref(const Event& ev, const HwEventOutcome& o);
  // Event `ev`, just made on R at rec.place (what it did there: rec.ref; on
  // O: rec.opt); `ref_mapped`: R's entry there was valid just before it.
  // Appends divergences.
  static void judge_event(const Event& ev, const EventRecord& rec, bool ref_mapped,
                          std::vector<Divergence>* out);
  // After R's op with every event made: check_op over both sides. Returns
  // whether the placement is clean (*out, which holds judge_event's
  // findings too, empty).
  bool judge_linearization(const OpView& v, std::vector<Divergence>* out);

 private:
  bool every_page_;
  CheckState st_;
  bool reads_missing_ = false;  // (kept through restore())
};

}  // namespace ptediff::hugetlb

#endif  // PTEDIFF_SUBJECTS_HUGETLB_ORACLE_H_
