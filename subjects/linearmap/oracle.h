// ptediff linear map: the subject's oracle, behind the contract every
// subject's oracle implements (oracle/contract.h; docs/DESIGN.md §9.4).
//
// After every op it checks: equal error codes; per-page translation and
// permission equality; well-formed tables; the minimal leaf set; pages only
// without BBML2 (checks.h); and, shared with the other subjects
// (oracle/log_checks.h, oracle/flush.h), break-before-make over O's log,
// flush coverage of every page R says changed, and O's out-of-window
// primitives and contract errors.
//
// The state checks cover the op's range (widened while splits can change
// structure) and the span of every entry O wrote. While every op so far has
// passed them, the two sides agree everywhere before an op, so they agree
// after it wherever neither side changed: consistent() over what R says the
// op touched and what O wrote decides, with one walk, whether the checks pass
// there; only when it finds a difference (or after an earlier one) do the
// checks run on those ranges and describe it.
#ifndef PTEDIFF_SUBJECTS_LINEARMAP_ORACLE_H_
#define PTEDIFF_SUBJECTS_LINEARMAP_ORACLE_H_

#include <cstddef>
#include <vector>

#include "oracle/contract.h"
#include "oracle/divergence.h"
#include "subjects/linearmap/optimized.h"
#include "subjects/linearmap/program.h"
#include "subjects/linearmap/reference.h"

namespace ptediff::linearmap {

// One op on both sides. The error codes mean something only in after_op.
struct OpView {
  const Reference& ref;
  const KernelPgtable& opt;
  const Op& op;
  size_t index;  // in the program
  int ref_ret = 0, opt_ret = 0;
};

class Oracle final : public OracleContract<OpView> {
 public:
  explicit Oracle(const Geometry& g) : g_(g) {}

  // Before R runs the op: whether BBML2 holds during it (a repaint ends it).
  void before_op(const OpView& v) override { bbml2_during_ = v.ref.bbml2(); }
  // After both ran it: every check; `logs.opt` is O's tables' log (R keeps
  // none).
  void after_op(const OpView& v, const OpLogs& logs, std::vector<Divergence>* out) override;

 private:
  // The page ranges the op may have changed on either side, as the checks
  // cover them (sorted, disjoint, not touching).
  std::vector<PageRange> regions(const OpView& v) const;
  // Whether the state checks pass where the op changed R (its touched()) or
  // O (the spans of the entries it wrote).
  bool touched_consistent(const OpView& v) const;

  const Geometry& g_;
  bool bbml2_during_ = true;
  bool consistent_ = true;  // every op so far passed the state checks
};

}  // namespace ptediff::linearmap

#endif  // PTEDIFF_SUBJECTS_LINEARMAP_ORACLE_H_
