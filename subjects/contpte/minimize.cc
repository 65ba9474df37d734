// ptediff: shrinking a diverging contpte program (see minimize.h) with the
// minimizer every subject shares (engine/shrink.h).
#include "subjects/contpte/minimize.h"

#include <algorithm>
#include <span>

#include "absl/strings/str_cat.h"
#include "engine/shrink.h"
#include "subjects/contpte/text.h"

namespace ptediff {
namespace {

// The contpte side of shrink_program: candidates run on one reused Executor
// with reads unlogged (only the divergence matters; the result and the
// effective program are the same), and what is kept is the effective
// (repaired) program.
class ContpteShrink {
 public:
  using Program = ::ptediff::Program;
  using Kind = OpKind;
  static constexpr size_t kHeaderSteps = 2;  // BBML2 off, then hardware A/D updates off

  static RunOptions fast(RunOptions o) {
    o.stop_at_first = true;
    o.keep_trace = false;
    o.on_step = nullptr;
    o.log_reads = false;
    return o;
  }

  ContpteShrink(const RunOptions& opts, ptediff_granule granule)
      : opts_(fast(opts)), ex_(opts_), geo_(ptediff_geometry_of(granule)) {}

  // Text must be able to state a candidate (operands in range and aligned,
  // events in order).
  bool valid(const Program& p) const { return validate_program(p, 0, nullptr); }
  const std::vector<Divergence>& run(const Program& p, std::string* err) {
    last_ = ex_.run(p);
    *err = last_.error;
    return last_.divergences;
  }
  const Program& ran(const Program&) const { return last_.effective; }
  OpKind kind_of(const Op& op) const { return op.kind; }
  bool is_event(const Op& op) const { return ptediff::is_event(op.kind); }
  std::span<const Field> fields(const Op& op) const {
    const OpSpec& spec = op_spec(op.kind);
    return {spec.fields.data(), spec.num_fields};
  }
  uint64_t get(const Op& op, Field f) const { return op.get(f); }
  void set(Op* op, Field f, uint64_t v) const { op->set(f, v); }
  // 0, 1 and v / 2; an address rounded down to its page (text takes
  // page-aligned addresses only), a count at least 1.
  std::vector<uint64_t> lower(const Op&, Field f, uint64_t v) const {
    std::vector<uint64_t> out = {0, 1, v / 2};
    if (field_codec(f).repr == FieldRepr::kAddress) {
      for (uint64_t& c : out) c &= ~((1ULL << geo_.page_shift) - 1);
    }
    if (f == Field::kNr) {
      for (uint64_t& c : out) c = std::max<uint64_t>(c, 1);
    }
    return out;
  }
  void set_mutant(Program* p, const std::string& mutant) const { p->header.mutant = mutant; }
  bool lower_header(size_t step, Program* p) const {
    bool& feature = step == 0 ? p->header.bbml2 : p->header.hafdbs;
    if (!feature) return false;
    feature = false;
    return true;
  }

  // Whether `p`, written as text, parses as written and its run (counted in
  // *runs) shows class `cls` at an op of kind `kind`; else why not.
  bool replays(const Program& p, DivClass cls, OpKind kind, size_t* runs, std::string* why) {
    Program parsed;
    ParseError err;
    if (!parse_repro_as_written(format_repro(p), "<minimized>", opts_, &parsed, &err)) {
      *why = err.str();
      return false;
    }
    ++*runs;
    const RunResult r = ex_.run(parsed);
    if (!r.error.empty()) {
      *why = r.error;
      return false;
    }
    if (r.divergences.empty()) {
      *why = "its text runs clean";
      return false;
    }
    const Divergence& d = r.divergences.front();
    if (d.op_index >= r.effective.ops.size()) {
      *why = "its divergence names no op";
      return false;
    }
    const OpKind k = r.effective.ops[d.op_index].kind;
    if (d.cls != cls || k != kind) {
      *why = absl::StrCat("its text diverges with ", div_class_name(d.cls), " at ", op_spec(k).name,
                          ", not ", div_class_name(cls), " at ", op_spec(kind).name);
      return false;
    }
    return true;
  }

 private:
  RunOptions opts_;
  Executor ex_;  // declared after opts_: built from it
  ptediff_geometry geo_;
  RunResult last_;
};

}  // namespace

bool minimize_program(const Program& p, const RunOptions& opts, MinimizeResult* out,
                      size_t max_runs) {
  ContpteShrink m(opts, p.header.granule);
  Shrunk<Program, OpKind> s;
  std::string err;  // a setup error is the caller's to report (it probes first)
  if (!shrink_program(p, m, opts.mutant, max_runs, &s, &err)) return false;
  out->before_ops = s.before_ops;
  out->cls = s.cls;
  out->kind = s.kind;
  out->error.clear();
  // Only what replays is returned: the text of the result, parsed as written
  // and run again, must show the same class at the same op kind; else the
  // input's effective form, if that does.
  bool ok = false;
  for (const Program* kept : {&s.best, &s.first}) {
    std::string why;
    if (m.replays(*kept, s.cls, s.kind, &s.runs, &why)) {
      out->program = *kept;
      ok = true;
      break;
    }
    if (out->error.empty()) out->error = why;
  }
  out->after_ops = out->program.ops.size();
  out->runs = s.runs;
  return ok;
}

}  // namespace ptediff
