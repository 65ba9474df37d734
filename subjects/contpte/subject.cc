// ptediff: the contpte subject: arm64 user page tables with transparent
// contiguous PTEs, the reference backend against the contpte backend (or an
// external backend through include/ptediff/backend.h).
//
// Adapts the harness (subjects/contpte/text.h, subjects/contpte/codec.h, subjects/contpte/executor.h,
// subjects/contpte/report.h, subjects/contpte/minimize.h) to the Subject interface.
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "subjects/contpte/executor.h"
#include "subjects/contpte/explore.h"
#include "subjects/contpte/minimize.h"
#include "subjects/contpte/codec.h"
#include "subjects/contpte/text.h"
#include "subjects/contpte/optimized.h"
#include "subjects/contpte/machine_report.h"
#include "subjects/contpte/report.h"
#include "subjects/contpte/backends.h"
#include "subjects/contpte/fuzz.h"
#include "subjects/subject.h"

namespace ptediff {
namespace {

class ContpteSubject final : public Subject {
 public:
  const char* name() const override { return "contpte"; }
  const char* title() const override { return "user page tables (contpte backend)"; }
  std::unique_ptr<Case> parse(std::string_view text, std::string_view file,
                              ParseError* err) const override;
  std::unique_ptr<Case> decode(std::span<const uint8_t> bytes) const override;
  std::vector<MutantRow> mutants() const override {
    std::vector<MutantRow> rows;
    for (const MutantInfo& m : optimized_mutants())
      rows.push_back({m.name, m.description, m.source, interleaving_only_mutant(m.name)});
    return rows;
  }
  bool takes_backend() const override { return true; }
  const char* fuzz_target() const override { return "contpte_diff_fuzzer"; }
  const FuzzFace& fuzz() const override { return contpte::fuzz_face(); }
  void reference_as_o(CaseOptions* opts) const override {
    opts->backend = ptediff_reference_backend();
  }
};

const ContpteSubject kContpte;

// The executor's options for `opts`.
RunOptions run_options(const CaseOptions& opts) {
  RunOptions o;
  o.opt = opts.backend;
  o.mutant = opts.mutant;
  o.stop_at_first = opts.stop_at_first;
  return with_builtin_backends(o);
}

class ContpteCase final : public Case {
 public:
  explicit ContpteCase(Program p) : p_(std::move(p)) {}
  const Subject& subject() const override { return kContpte; }
  size_t size() const override { return p_.ops.size(); }
  std::string format() const override { return format_repro(p_); }
  std::vector<uint8_t> encode() const override { return encode_program(p_); }
  std::string mutant() const override { return p_.header.mutant; }

  CaseRun run(const CaseOptions& opts, std::string_view name) const override {
    Executor ex(run_options(opts));
    const RunResult r = ex.run(p_);
    CaseRun out;
    out.error = r.error;
    out.divergences = r.divergences;
    out.ops = r.effective.ops.size();
    out.trace_hash = r.trace_hash;
    for (const Divergence& d : r.divergences) {
      absl::StrAppend(&out.report, format_divergence(r, d, opts.color));
    }
    out.summary = absl::StrCat(r.diverged() ? "DIVERGED, " : "ok, ", format_summary(r));
    if (!out.summary.empty() && out.summary.back() == '\n') out.summary.pop_back();
    out.json = format_json(r, name);
    if (ex.ref_machine() != nullptr) {
      out.state = format_state(*ex.ref_machine(), *ex.opt_machine());
    }
    return out;
  }

  std::string explain(const CaseOptions& opts, int* status) const override {
    RunOptions o = run_options(opts);
    std::string out;
    std::string events;  // the events of the op on_step is about to show
    o.on_events = [&](size_t, std::span<const Op> evs, const std::vector<EventOutcome>& oe,
                      const std::vector<RefEvent>& re) { events = explain_events(evs, oe, re); };
    o.on_step = [&](size_t idx, const Prepared& p, const std::vector<Ret>& rr,
                    const std::vector<Ret>& orr, const Machine& ref, const Machine& opt) {
      absl::StrAppend(
          &out, explain_step(idx, format_op(p.op), rr, orr, ref, opt, p.range, opts.color), events);
      events.clear();
    };
    Executor ex(o);
    const RunResult r = ex.run(p_);
    if (!r.error.empty()) {
      *status = 2;
      return r.error;
    }
    absl::StrAppend(&out, kBlockLegend);
    for (const Divergence& d : r.divergences) {
      absl::StrAppend(&out, format_divergence(r, d, opts.color));
    }
    absl::StrAppend(&out, format_summary(r));
    *status = r.diverged() ? 1 : 0;
    return out;
  }

  std::unique_ptr<Case> effective(const CaseOptions& opts, std::string* comment,
                                  std::string* err) const override {
    Executor ex(run_options(opts));
    const RunResult r = ex.run(p_);
    if (!r.error.empty()) {
      *err = r.error;
      return nullptr;
    }
    *comment = absl::StrFormat("%d ops, %d skipped as unrepairable", r.decoded_ops, r.skipped);
    return std::make_unique<ContpteCase>(r.effective);
  }

  std::unique_ptr<Case> explore(const CaseOptions& opts, int bound, uint64_t max_schedules,
                                CaseExplored* what, std::string* err) const override {
    ExploreOptions eo;
    eo.run = run_options(opts);
    eo.bound = bound;
    eo.max_schedules = max_schedules;
    ExploreResult r = ptediff::explore(p_, eo);
    if (!r.error.empty()) {
      *err = r.error;
      return nullptr;
    }
    what->candidates = r.candidates;
    what->schedules = r.schedules;
    what->complete = r.complete;
    if (!r.found) return nullptr;
    for (const Divergence& d : r.result.divergences) {
      absl::StrAppend(&what->report, format_divergence(r.result, d, opts.color));
    }
    return std::make_unique<ContpteCase>(r.failing);
  }

  std::unique_ptr<Case> minimize(const CaseOptions& opts, CaseMinimized* what,
                                 std::string* err) const override {
    MinimizeResult m;
    RunOptions o = run_options(opts);
    {
      Executor probe(o);
      const RunResult r = probe.run(p_);
      if (!r.error.empty()) {
        *err = r.error;
        return nullptr;
      }
    }
    if (!minimize_program(p_, o, &m)) {
      *err = m.error;  // set when no minimized program replays as written
      return nullptr;
    }
    what->cls = m.cls;
    what->at = op_spec(m.kind).name;
    what->before_ops = m.before_ops;
    what->after_ops = m.after_ops;
    what->runs = m.runs;
    return std::make_unique<ContpteCase>(m.program);
  }

 private:
  Program p_;
};

}  // namespace

std::unique_ptr<Case> ContpteSubject::parse(std::string_view text, std::string_view file,
                                            ParseError* err) const {
  // Text runs as written: an op the repair step would rewrite is an error.
  Program p;
  if (!parse_repro_as_written(text, file, with_builtin_backends(), &p, err)) return nullptr;
  return std::make_unique<ContpteCase>(std::move(p));
}

std::unique_ptr<Case> ContpteSubject::decode(std::span<const uint8_t> bytes) const {
  Program p = decode_program(bytes);
  // A binary input decodes totally: a mutant name the catalogue does not
  // know (random bytes) means no mutant rather than an error.
  if (!known_optimized_mutant(p.header.mutant)) p.header.mutant = "none";
  return std::make_unique<ContpteCase>(std::move(p));
}

const Subject& contpte_subject() { return kContpte; }

}  // namespace ptediff
