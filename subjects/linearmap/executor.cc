// ptediff linear map: the differential executor (executor.h).
#include "subjects/linearmap/executor.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "subjects/linearmap/checks.h"

namespace ptediff::linearmap {
namespace {

constexpr size_t kMaxLogEvidence = 64;

}  // namespace

std::vector<PageRange> Session::regions(const Op& op, bool bbml2_during) const {
  const uint64_t unit = bbml2_during ? g_.kinds.front().pages : 1;
  const uint64_t page = op.va / g_.page_size;
  std::vector<PageRange> r;
  auto add = [&](uint64_t lo, uint64_t hi) {
    r.push_back({lo / unit * unit, std::min(g_.window_pages, (hi + unit - 1) / unit * unit)});
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
  for (const LogRec& w : opt_.tables().log()) {
    if (w.prim != Prim::kWrite) continue;
    const uint64_t p = w.addr / g_.page_size;
    r.push_back({p, p + g_.span[std::clamp<int>(w.level, 1, 3)]});
  }
  std::sort(r.begin(), r.end());
  std::vector<PageRange> merged;
  for (const PageRange& x : r) {
    const PageRange c{std::min(x.first, g_.window_pages), std::min(x.second, g_.window_pages)};
    if (c.first >= c.second) continue;
    if (!merged.empty() && c.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, c.second);
    } else {
      merged.push_back(c);
    }
  }
  return merged;
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
    const auto& log = pt.log();
    d.opt_log.assign(log.begin(), log.begin() + std::min(log.size(), kMaxLogEvidence));
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
