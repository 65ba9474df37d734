// ptediff linear map: the subject's oracle (oracle.h).
#include "subjects/linearmap/oracle.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "oracle/log_checks.h"
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
    if (!is_entry_write(w)) continue;
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

std::vector<PageRange> Oracle::regions(const OpView& v) const {
  const Op& op = v.op;
  const bool bbml2_during = bbml2_during_;
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
  add_writes(v.opt.log(), g_, &r);
  return r.take();
}

bool Oracle::touched_consistent(const OpView& v) const {
  RangeUnion u(g_.window_pages);
  for (const PageRange& r : v.ref.touched()) u.add(r.first, r.second);
  add_writes(v.opt.log(), g_, &u);
  for (const PageRange& r : u.take()) {
    if (!consistent(v.ref, v.opt, r.first, r.second)) return false;
  }
  return true;
}

void Oracle::after_op(const OpView& v, const OpLogs& logs, std::vector<Divergence>* out) {
  std::vector<Divergence> found;
  Divergence d;
  auto add = [&](bool ok) {
    if (ok) return;
    d.op_index = v.index;
    keep_log_evidence(logs, &d);
    found.push_back(d);
    d = Divergence{};
  };
  auto report = [&](DivClass cls, uint32_t mm, uint64_t va, std::string what) {
    d.cls = cls;
    d.mm = mm;
    d.va = va;
    d.what = std::move(what);
    add(false);
  };
  if (v.ref_ret != v.opt_ret) {
    report(DivClass::kReturnValue, kKernelMm, v.op.va,
           absl::StrFormat("R returned %d, O returned %d", v.ref_ret, v.opt_ret));
  }
  // State is compared where the op could have changed it: its own range
  // (widened to the largest leaf while splits can change structure) and the
  // span of every entry O wrote. Elsewhere both sides are as last checked.
  // When they agreed everywhere before the op, agreement where it changed
  // something is agreement everywhere (oracle.h).
  if (!consistent_ || !touched_consistent(v)) {
    const size_t state_before = found.size();
    for (const PageRange& r : regions(v)) {
      std::vector<std::string> problems;
      uint64_t problem_page = 0;
      const std::vector<Leaf> leaves = v.opt.leaves(r.first, r.second, &problems, &problem_page);
      const size_t before = found.size();
      add(check_translation(v.ref.runs(), leaves, r.first, r.second, g_, &d));
      add(check_structure(problems, problem_page, g_, &d));
      add(check_minimal(v.ref.expected_leaves(r.first, r.second), leaves, g_, &d));
      if (!v.ref.bbml2()) add(check_pages_only(leaves, g_, &d));
      if (found.size() > before) break;
    }
    if (found.size() > state_before) consistent_ = false;
  }
  // Break-before-make, the shared rule: a live size change only under BBML2
  // (a166563e7ec3 "arm64: mm: support large block mapping when rodata=full"
  // splits live only then), an address or memory-type change never; any
  // entry write, not only plain ones.
  check_bbm(g_.geo, logs.opt, bbml2_during_, report);
  add(check_flush(logs.opt, v.ref.changed(), g_, &d));
  check_violations({}, v.opt.violations(), kKernelMm, v.op.va, report);
  out->insert(out->end(), found.begin(), found.end());
}

}  // namespace ptediff::linearmap
