// ptediff linear map: the differential executor (executor.h).
#include "subjects/linearmap/executor.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "oracle/contract.h"
#include "subjects/linearmap/checks.h"

namespace ptediff::linearmap {
namespace {

// The union of page ranges clipped to [0, limit), as sorted, disjoint ranges
// that do not touch. Ranges mostly come in address order (an op's writes), so
// each is first merged into the last one when they touch.
class RangeUnion {
 public:
  explicit RangeUnion(uint64_t limit) : limit_(limit) {}
  void add(uint64_t lo, uint64_t hi) {
    lo = std::min(lo, limit_);
    hi = std::min(hi, limit_);
    if (lo >= hi) return;
    if (!r_.empty() && lo <= r_.back().second && hi >= r_.back().first) {
      r_.back().first = std::min(r_.back().first, lo);
      r_.back().second = std::max(r_.back().second, hi);
      return;
    }
    r_.push_back({lo, hi});
  }
  std::vector<PageRange> take() {
    if (!std::is_sorted(r_.begin(), r_.end())) std::sort(r_.begin(), r_.end());
    std::vector<PageRange> merged;
    for (const PageRange& c : r_) {
      if (!merged.empty() && c.first <= merged.back().second) {
        merged.back().second = std::max(merged.back().second, c.second);
      } else {
        merged.push_back(c);
      }
    }
    return merged;
  }

 private:
  uint64_t limit_;
  std::vector<PageRange> r_;
};

// Adds the span of every entry `log` shows written to *u. Spans that touch
// the one before are merged here first: an op writes entries mostly in
// address order.
void add_writes(const std::vector<LogRec>& log, const Geometry& g, RangeUnion* u) {
  const uint32_t shift = g.geo.page_shift;
  uint64_t lo = 0, hi = 0;
  for (const LogRec& w : log) {
    const uint64_t p = w.addr >> shift;
    // The common case: a PTE at or right after the span, lo <= p <= hi.
    if (w.prim == Prim::kWrite && w.level == kPteLevel && p - lo <= hi - lo) {
      hi = std::max(hi, p + 1);
      continue;
    }
    if (w.prim != Prim::kWrite) continue;
    const uint64_t e = p + g.span[std::clamp<int>(w.level, 1, 3)];
    if (p <= hi && e >= lo) {
      lo = std::min(lo, p);
      hi = std::max(hi, e);
      continue;
    }
    if (lo < hi) u->add(lo, hi);
    lo = p;
    hi = e;
  }
  if (lo < hi) u->add(lo, hi);
}

}  // namespace

std::vector<PageRange> Session::regions(const Op& op, bool bbml2_during) const {
  const uint64_t unit = bbml2_during ? g_.kinds.front().pages : 1;
  const uint64_t page = op.va / g_.page_size;
  RangeUnion r(g_.window_pages);
  auto add = [&](uint64_t lo, uint64_t hi) {
    r.add(lo / unit * unit, std::min(g_.window_pages, (hi + unit - 1) / unit * unit));
  };
  switch (op.kind) {
    case OpKind::kMap:
      add(page, page + op.size / g_.page_size);
      break;
    case OpKind::kSplit:
      add(page, page + 1);
      break;
    case OpKind::kSetMemory:
      add(page, page + op.nr + 1);
      break;
    case OpKind::kSetAlias:
      for (uint64_t k = 0; k < op.nr; ++k) add(page + k * op.stride, page + k * op.stride + 1);
      break;
    case OpKind::kRepaint:
      if (bbml2_during) add(0, g_.window_pages);  // without BBML2 it is a no-op
      break;
    default:
      break;
  }
  add_writes(opt_.tables().log(), g_, &r);
  return r.take();
}

bool Session::touched_consistent() const {
  RangeUnion u(g_.window_pages);
  for (const PageRange& r : ref_.touched()) u.add(r.first, r.second);
  add_writes(opt_.tables().log(), g_, &u);
  for (const PageRange& r : u.take()) {
    if (!consistent(ref_, opt_.tables(), r.first, r.second)) return false;
  }
  return true;
}

Session::Session(const Program& program, Mutant mutant)
    : g_(geometry_of(program.granule)), ref_(g_, program.bbml2), opt_(g_, program.bbml2, mutant) {}

std::vector<Leaf> Session::opt_leaves() const {
  std::vector<std::string> problems;
  uint64_t page = 0;
  return opt_.tables().leaves(&problems, &page);
}

int Session::step(const Op& op, size_t index, std::vector<Divergence>* out) {
  const bool bbml2_during = ref_.bbml2();
  const int rr = last_ref_ret_ = ref_.apply(op);
  const int orr = opt_.apply(op);
  const KernelPgtable& pt = opt_.tables();
  std::vector<Divergence> found;
  Divergence d;
  auto add = [&](bool ok) {
    if (ok) return;
    d.op_index = index;
    keep_log_evidence({{}, pt.log()}, &d);
    found.push_back(d);
    d = Divergence{};
  };
  if (rr != orr) {
    d.cls = DivClass::kReturnValue;
    d.mm = kKernelMm;
    d.va = op.va;
    d.what = absl::StrFormat("R returned %d, O returned %d", rr, orr);
    add(false);
  }
  // State is compared where the op could have changed it: its own range
  // (widened to the largest leaf while splits can change structure) and the
  // span of every entry O wrote. Elsewhere both sides are as last checked.
  // When they agreed everywhere before the op, agreement where it changed
  // something is agreement everywhere (executor.h).
  if (!consistent_ || !touched_consistent()) {
    const size_t state_before = found.size();
    for (const PageRange& r : regions(op, bbml2_during)) {
      std::vector<std::string> problems;
      uint64_t problem_page = 0;
      const std::vector<Leaf> leaves = pt.leaves(r.first, r.second, &problems, &problem_page);
      const size_t before = found.size();
      add(check_translation(ref_.runs(), leaves, r.first, r.second, g_, &d));
      add(check_structure(problems, problem_page, g_, &d));
      add(check_minimal(ref_.expected_leaves(r.first, r.second), leaves, g_, &d));
      if (!ref_.bbml2()) add(check_pages_only(leaves, g_, &d));
      if (found.size() > before) break;
    }
    if (found.size() > state_before) consistent_ = false;
  }
  if (!bbml2_during) add(check_bbm(pt.log(), g_, &d));
  add(check_flush(pt.log(), ref_.changed(), g_, &d));
  for (const std::string& v : pt.violations()) {
    d.cls = DivClass::kContract;
    d.mm = kKernelMm;
    d.what = v;
    add(false);
  }
  out->insert(out->end(), found.begin(), found.end());
  return orr;
}

RunResult run_program(const Program& program, const RunOptions& opts) {
  RunResult res;
  Mutant m = Mutant::kNone;
  const std::string& name = opts.mutant.empty() ? program.mutant : opts.mutant;
  if (!find_mutant(name, &m)) {
    res.error = absl::StrCat("unknown linear-map mutant `", name, "`");
    return res;
  }
  Session s(program, m);
  for (size_t i = 0; i < program.ops.size(); ++i) {
    const size_t before = res.divergences.size();
    const int r = s.step(program.ops[i], i, &res.divergences);
    ++res.ops_run;
    if (opts.on_step) opts.on_step(i, r, s.last_ref_ret(), s);
    if (opts.stop_at_first && res.divergences.size() > before) break;
  }
  return res;
}

std::string format_report(const RunResult& result, const Program& program) {
  std::string out;
  if (!result.error.empty()) absl::StrAppend(&out, "error: ", result.error, "\n");
  for (const Divergence& d : result.divergences) {
    const std::string op =
        d.op_index < program.ops.size() ? format_op(program.ops[d.op_index]) : "?";
    absl::StrAppendFormat(&out, "op %d `%s`: %s at 0x%x: %s\n", d.op_index, op,
                          div_class_name(d.cls), d.va, d.what);
  }
  if (result.diverged()) absl::StrAppend(&out, "--- program ---\n", format_program(program));
  return out;
}

}  // namespace ptediff::linearmap
