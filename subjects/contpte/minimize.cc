// ptediff: shrinking a diverging program (see minimize.h).
#include "subjects/contpte/minimize.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "subjects/contpte/text.h"

namespace ptediff {
namespace {

// The smaller values to try for operand f of value v: 0, 1 and v / 2, an
// address rounded down to its page (text takes page-aligned addresses only).
std::vector<uint64_t> lower_candidates(Field f, uint64_t v, const ptediff_geometry& geo) {
  std::vector<uint64_t> out = {0, 1, v / 2};
  if (field_codec(f).repr == FieldRepr::kAddress) {
    for (uint64_t& c : out) c &= ~((1ULL << geo.page_shift) - 1);
  }
  if (f == Field::kNr) {
    for (uint64_t& c : out) c = std::max<uint64_t>(c, 1);
  }
  return out;
}

class Shrinker {
 public:
  // Candidates only need the divergence, not its log: one reused Executor,
  // reads unlogged (the result and the effective program are the same).
  static RunOptions fast(RunOptions o) {
    o.stop_at_first = true;
    o.keep_trace = false;
    o.on_step = nullptr;
    o.log_reads = false;
    return o;
  }

  Shrinker(const RunOptions& opts, size_t max_runs, const ptediff_geometry& geo)
      : opts_(fast(opts)), max_runs_(max_runs), ex_(opts_), geo_(geo) {}

  // Runs p; on the target divergence, replaces best_ with its effective
  // form. With `text_only` (every candidate but the input), one text could
  // not state (an operand out of range or unaligned, events out of order) is
  // not tried.
  bool try_candidate(const Program& p, bool text_only = true) {
    if (runs_ >= max_runs_ || (text_only && !validate_program(p, 0, nullptr))) return false;
    ++runs_;
    RunResult r = ex_.run(p);
    if (!r.error.empty() || r.divergences.empty()) return false;
    const Divergence& d = r.divergences.front();
    if (d.op_index >= r.effective.ops.size()) return false;
    const OpKind k = r.effective.ops[d.op_index].kind;
    if (have_target_ && (d.cls != cls_ || k != kind_)) return false;
    cls_ = d.cls;
    kind_ = k;
    have_target_ = true;
    best_ = r.effective;
    // Nothing after the diverging op (and its mid-op events) matters.
    size_t end = d.op_index + 1;
    while (end < best_.ops.size() && is_event(best_.ops[end].kind)) ++end;
    best_.ops.resize(end);
    if (!opts_.mutant.empty()) best_.header.mutant = opts_.mutant;
    if (first_.ops.empty()) first_ = best_;
    return true;
  }

  // Whether `p`, written as text, parses as written and its run shows the
  // target divergence (class and op kind); else why not.
  bool replays(const Program& p, std::string* why) {
    Program parsed;
    ParseError err;
    if (!parse_repro_as_written(format_repro(p), "<minimized>", opts_, &parsed, &err)) {
      *why = err.str();
      return false;
    }
    ++runs_;
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
    if (d.cls != cls_ || k != kind_) {
      *why = absl::StrCat("its text diverges with ", div_class_name(d.cls), " at ", op_spec(k).name,
                          ", not ", div_class_name(cls_), " at ", op_spec(kind_).name);
      return false;
    }
    return true;
  }

  // The minimized program if it replays as written, else the input's
  // effective form if that does; false with why the minimized one does not.
  bool replayable(Program* out, std::string* why) {
    for (const Program* p : {&best_, &first_}) {
      std::string w;
      if (replays(*p, &w)) {
        *out = *p;
        return true;
      }
      if (why->empty()) *why = w;
    }
    return false;
  }

  void shrink_ops() {
    for (size_t chunk = std::max<size_t>(1, best_.ops.size() / 2);; chunk /= 2) {
      size_t start = 0;
      while (start < best_.ops.size() && runs_ < max_runs_) {
        Program cand = best_;
        const size_t end = std::min(start + chunk, cand.ops.size());
        cand.ops.erase(cand.ops.begin() + start, cand.ops.begin() + end);
        if (cand.ops.empty() || !try_candidate(cand)) start += chunk;
      }
      if (chunk <= 1) break;
    }
  }

  void shrink_operands() {
    for (size_t i = 0; i < best_.ops.size() && runs_ < max_runs_; ++i) {
      const OpSpec& spec = op_spec(best_.ops[i].kind);
      for (uint8_t fi = 0; fi < spec.num_fields; ++fi) {
        const Field f = spec.fields[fi];
        for (bool again = true; again && i < best_.ops.size();) {
          again = false;
          const uint64_t v = best_.ops[i].get(f);
          for (uint64_t cand_v : lower_candidates(f, v, geo_)) {
            if (cand_v >= v) continue;
            Program cand = best_;
            cand.ops[i].set(f, cand_v);
            if (cand.ops[i] == best_.ops[i]) continue;
            if (try_candidate(cand)) {
              again = best_.ops.size() > i && best_.ops[i].get(f) < v;
              break;
            }
          }
        }
      }
    }
  }

  void shrink_header() {
    Program cand = best_;
    if (cand.header.bbml2) {
      cand.header.bbml2 = false;
      try_candidate(cand);
    }
    cand = best_;
    if (cand.header.hafdbs) {
      cand.header.hafdbs = false;
      try_candidate(cand);
    }
  }

  const Program& best() const { return best_; }
  size_t runs() const { return runs_; }
  DivClass cls() const { return cls_; }
  OpKind kind() const { return kind_; }

 private:
  RunOptions opts_;
  size_t max_runs_;
  Executor ex_;  // declared after opts_: built from it
  ptediff_geometry geo_;
  Program first_;  // the first program kept: the input's effective form
  size_t runs_ = 0;
  bool have_target_ = false;
  DivClass cls_{};
  OpKind kind_{};
  Program best_;
};

}  // namespace

bool minimize_program(const Program& p, const RunOptions& opts, MinimizeResult* out,
                      size_t max_runs) {
  Shrinker s(opts, max_runs, ptediff_geometry_of(p.header.granule));
  if (!s.try_candidate(p, /*text_only=*/false)) return false;
  out->before_ops = s.best().ops.size();
  // Rounds until one changes nothing: a later shrink (an operand, a feature
  // off) can make an earlier one possible, and only a fixed point makes
  // minimizing the result again return it unchanged.
  Program last;
  do {
    last = s.best();
    s.shrink_ops();
    s.shrink_operands();
    s.shrink_header();
  } while (!(s.best() == last) && s.runs() < max_runs);
  // Only what replays is returned: the text of the result, parsed as written
  // and run again, must show the same class at the same op kind.
  out->cls = s.cls();
  out->kind = s.kind();
  out->error.clear();
  const bool ok = s.replayable(&out->program, &out->error);
  out->after_ops = out->program.ops.size();
  out->runs = s.runs();
  return ok;
}

}  // namespace ptediff
