// ptediff: the contpte subject: arm64 user page tables with transparent
// contiguous PTEs, the reference backend against the contpte backend (or an
// external backend through include/ptediff/backend.h).
//
// The traits of subjects/program_case.h over the harness (subjects/contpte/
// text.h, codec.h, executor.h, explore.h, report.h, minimize.h) and the Case
// of its own: binary inputs are repaired (the effective program is what ran),
// and its reports are the contpte ones (report.h, machine_report.h).
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "subjects/contpte/backends.h"
#include "subjects/contpte/codec.h"
#include "subjects/contpte/executor.h"
#include "subjects/contpte/explore.h"
#include "subjects/contpte/kernel_flows.h"
#include "subjects/contpte/machine_report.h"
#include "subjects/contpte/minimize.h"
#include "subjects/contpte/optimized.h"
#include "subjects/contpte/report.h"
#include "subjects/contpte/text.h"
#include "subjects/fuzz_session.h"
#include "subjects/program_case.h"

namespace ptediff {
namespace {

class ContpteCase;

struct ContpteTraits {
  using Program = ::ptediff::Program;
  using RunOptions = ::ptediff::RunOptions;
  using Mutant = ::ptediff::Mutant;
  using Case = ContpteCase;
  static constexpr const char* kName = "contpte";
  static constexpr const char* kTitle = "user page tables (contpte backend)";
  static constexpr const char* kFuzzTarget = "contpte_diff_fuzzer";
  static constexpr bool kTakesBackend = true, kTakesBackendV2 = false;
  static constexpr KernelSource kKernelSource{
      "", "libcontpte", "contpte.c", "arch/arm64/mm/contpte.c + CONFIG_ARM64_CONTPTE wrappers"};

  // Text runs as written: an op the repair step would rewrite is an error.
  static bool parse(std::string_view text, std::string_view file, Program* p, ParseError* err) {
    return parse_repro_as_written(text, file, with_builtin_backends(), p, err);
  }
  static Program decode(std::span<const uint8_t> bytes) {
    Program p = decode_program(bytes);
    // A binary input decodes totally: a mutant name the catalogue does not
    // know (random bytes) means no mutant rather than an error.
    if (!known_optimized_mutant(p.header.mutant)) p.header.mutant = "none";
    return p;
  }
  static std::string format(const Program& p) { return format_repro(p); }
  static std::vector<uint8_t> encode(const Program& p) { return encode_program(p); }
  static std::string mutant(const Program& p) { return p.header.mutant; }
  static const FuzzFace& fuzz() { return contpte::fuzz_face(); }
  // Text: kMaxReproOps op and event lines. Binary: the header byte, the
  // mutant's length and name, then at most kMaxEncodedOps ops (codec.h).
  static Subject::FormatLimits limits() {
    return {.text_lines = kMaxReproOps + kMaxEventsPerOp,
            .binary_bytes = 2 + kMaxMutantNameLen + kMaxEncodedOps * max_encoded_op_size()};
  }
  static void reference_as_o(CaseOptions* opts) { opts->backend = ptediff_reference_backend(); }
  static bool refuse_backend(const CaseOptions&, std::string*) { return false; }
  static RunOptions run_options(const CaseOptions& opts) {
    RunOptions o = base_run_options<RunOptions>(opts);
    o.opt = opts.backend;
    o = with_builtin_backends(o);
    o.opt = with_env_kernel_callers(o.opt);  // O's fork and zap: a tree's callers
    return o;
  }
  static ExploreResult explore(const Program& p, const ExploreOptions& eo) {
    return ptediff::explore(p, eo);
  }
  static std::string explore_report(const ExploreResult& r, bool color) {
    std::string out;
    for (const Divergence& d : r.result.divergences) {
      absl::StrAppend(&out, format_divergence(r.result, d, color));
    }
    return out;
  }
};

class ContpteCase final : public ProgramCase<ContpteTraits> {
 public:
  using ProgramCase::ProgramCase;

  CaseRun run(const CaseOptions& opts, std::string_view name) const override {
    Executor ex(ContpteTraits::run_options(opts));
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
    RunOptions o = ContpteTraits::run_options(opts);
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
    Executor ex(ContpteTraits::run_options(opts));
    const RunResult r = ex.run(p_);
    if (!r.error.empty()) {
      *err = r.error;
      return nullptr;
    }
    *comment = absl::StrFormat("%d ops, %d skipped as unrepairable", r.decoded_ops, r.skipped);
    return make(r.effective);
  }

  std::unique_ptr<Case> minimize(const CaseOptions& opts, CaseMinimized* what,
                                 std::string* err) const override {
    MinimizeResult m;
    const RunOptions o = ContpteTraits::run_options(opts);
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
    *what = {m.cls, op_spec(m.kind).name, m.before_ops, m.after_ops, m.runs};
    return make(std::move(m.program));
  }
};

}  // namespace

const Subject& contpte_subject() { return subject_of<ContpteTraits>(); }

}  // namespace ptediff
