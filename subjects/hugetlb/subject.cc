// ptediff: the hugetlb subject: arm64's contiguous hugetlb (CONT_PTE, PMD,
// CONT_PMD and PUD huge pages, hugetlbpage.c) against a per-entry reference,
// both over the level-generic machine (docs/DESIGN.md §10).
//
// Adapts subjects/hugetlb/program.h and subjects/hugetlb/executor.h to the Subject interface.
// Hugetlb programs are never repaired: every op is valid in every state.
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/shrink.h"
#include "subjects/hugetlb/executor.h"
#include "subjects/hugetlb/explore.h"
#include "subjects/hugetlb/mutants.h"
#include "subjects/hugetlb/program.h"
#include "nlohmann/json.hpp"
#include "report/describe.h"
#include "subjects/hugetlb/flows.h"  // hugetlb_reference_backend
#include "subjects/hugetlb/fuzz.h"
#include "subjects/subject.h"

namespace ptediff {
namespace {

namespace ht = hugetlb;

inline constexpr size_t kMaxMinimizeRuns = 20000;
inline constexpr size_t kMaxExplainRecords = 64;

class HugetlbSubject final : public Subject {
 public:
  const char* name() const override { return "hugetlb"; }
  const char* title() const override { return "arm64 contiguous hugetlb (subject hugetlb)"; }
  std::unique_ptr<Case> parse(std::string_view text, std::string_view file,
                              ParseError* err) const override;
  std::unique_ptr<Case> decode(std::span<const uint8_t> bytes) const override;
  std::vector<MutantRow> mutants() const override {
    std::vector<MutantRow> rows;
    for (const ht::MutantInfo& m : ht::hugetlb_mutants()) {
      if (m.id != ht::Mutant::kNone) {
        rows.push_back({m.name, m.what, m.source, ht::interleaving_only(m.id)});
      }
    }
    return rows;
  }
  bool takes_backend() const override { return false; }
  bool takes_backend_v2() const override { return true; }
  const char* fuzz_target() const override { return "hugetlb_diff_fuzzer"; }
  const FuzzFace& fuzz() const override { return hugetlb::fuzz_face(); }
  void reference_as_o(CaseOptions* opts) const override {
    opts->backend_v2 = ht::hugetlb_reference_backend();
  }
};

const HugetlbSubject kHugetlb;

// A v1 backend cannot run hugetlb programs (`--backend reference` names a
// v2 one too).
bool refuse_backend(const CaseOptions& opts, std::string* err) {
  if (opts.backend == nullptr || opts.backend_v2 != nullptr) return false;
  *err =
      "--backend: a v1 backend does not apply to the hugetlb subject (it needs a v2 backend "
      "exporting ptediff_backend_v2_get())";
  return true;
}

ht::RunOptions run_options(const CaseOptions& opts) {
  ht::RunOptions o;
  o.mutant = opts.mutant;
  o.opt = opts.backend_v2;
  o.stop_at_first = opts.stop_at_first;
  return o;
}

// The program's huge pages as R and O hold them after an op (young and
// dirty gathered over each range, as huge_ptep_get reads them).
std::string page_states(const ht::Program& p, const ht::Side& r, const ht::Side& o,
                        const char* indent) {
  const ht::HState& h = r.hstate();
  std::vector<uint64_t> pages;
  for (const ht::Op& op : p.ops) {
    for (uint64_t x : {op.page, op.to}) {
      if (std::find(pages.begin(), pages.end(), x) == pages.end()) pages.push_back(x);
    }
  }
  std::sort(pages.begin(), pages.end());
  std::string out;
  for (uint32_t mm = 0; mm < ht::kNumMms; ++mm) {
    for (uint64_t page : pages) {
      const uint64_t va = page * h.bytes;
      const pte_t re = ht::gathered_entry(r.machine(), h, mm, va);
      const pte_t oe = ht::gathered_entry(o.machine(), h, mm, va);
      if (pte_none(re) && pte_none(oe)) continue;
      absl::StrAppendFormat(&out, "%smm=%u page %d: R %s | O %s\n", indent, mm, page,
                            ht::describe_huge_entry(h.geo, re), ht::describe_huge_entry(h.geo, oe));
    }
  }
  return out.empty() ? absl::StrCat(indent, "(nothing mapped)\n") : out;
}

// What each mid-op event of `op` did on O (numbering O's primitives) and
// where R made it in the placement kept or reported.
std::string describe_events(const ht::Op& op, const std::vector<ht::EventRecord>& records) {
  std::string out;
  for (size_t j = 0; j < op.events.size() && j < records.size(); ++j) {
    const ht::Event& ev = op.events[j];
    const ht::EventRecord& rec = records[j];
    auto what = [&](const HwEventOutcome& x) -> std::string {
      if (ev.kind == HwEventKind::kTlbFill) return x.filled ? "cached" : "cached nothing";
      return access_result_name(x.access);
    };
    absl::StrAppend(&out, ht::format_event(ev), "\n      O: ");
    if (!rec.opt.fired) {
      absl::StrAppend(&out, "never fired (past the op's last primitive)\n");
      continue;
    }
    absl::StrAppendFormat(&out, "at primitive %d, %s; R: ", rec.opt.fired_at, what(rec.opt));
    absl::StrAppend(&out,
                    rec.place == ht::kNotPlaced
                        ? "not made (it did nothing on O)"
                        : absl::StrCat(ht::place_name(rec.place), ", ", what(rec.ref)),
                    "\n");
  }
  return out;
}

class HugetlbCase final : public Case {
 public:
  explicit HugetlbCase(ht::Program p) : p_(std::move(p)) {}
  const Subject& subject() const override { return kHugetlb; }
  size_t size() const override { return p_.ops.size(); }
  std::string format() const override { return ht::format_program(p_); }
  std::vector<uint8_t> encode() const override { return ht::encode_program(p_); }
  std::string mutant() const override { return p_.mutant; }

  CaseRun run(const CaseOptions& opts, std::string_view name) const override {
    CaseRun out;
    if (refuse_backend(opts, &out.error)) return out;
    ht::RunOptions o = run_options(opts);
    std::string state;
    o.on_step = [&](size_t, const ht::Side& r, const ht::Side& opt) {
      state = page_states(p_, r, opt, "  ");
    };
    const ht::RunResult r = ht::run_program(p_, o);
    out.error = r.error;
    out.divergences = r.divergences;
    out.ops = r.ops_run;
    out.trace_hash = r.trace_hash;
    out.report = ht::format_report(r, p_);
    out.summary = absl::StrFormat("%s, hugetlb %s, ops %d, divergences %d, trace hash %016x",
                                  r.diverged() ? "DIVERGED" : "ok", ht::hsize_name(p_.size),
                                  r.ops_run, r.divergences.size(), r.trace_hash);
    out.state = state;
    nlohmann::json j;
    j["input"] = std::string(name);
    j["subject"] = "hugetlb";
    j["size"] = ht::hsize_name(p_.size);
    j["ops"] = r.ops_run;
    j["trace_hash"] = absl::StrFormat("%016x", r.trace_hash);
    j["divergences"] = nlohmann::json::array();
    for (const Divergence& d : r.divergences) {
      j["divergences"].push_back({{"class", div_class_name(d.cls)},
                                  {"op_index", d.op_index},
                                  {"mm", d.mm},
                                  {"va", absl::StrFormat("%#x", d.va)},
                                  {"what", d.what}});
    }
    out.json = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return out;
  }

  std::string explain(const CaseOptions& opts, int* status) const override {
    std::string out;
    if (refuse_backend(opts, &out)) {
      *status = 2;
      return out;
    }
    ht::RunOptions o = run_options(opts);
    std::vector<ht::EventRecord> events;
    o.on_events = [&](size_t, const std::vector<ht::EventRecord>& e) { events = e; };
    o.on_step = [&](size_t i, const ht::Side& r, const ht::Side& opt) {
      absl::StrAppendFormat(&out, "%sop %d: %s%s\n", opts.color ? "\033[1m" : "", i,
                            ht::format_op(p_.ops[i]), opts.color ? "\033[0m" : "");
      absl::StrAppend(&out, describe_events(p_.ops[i], events));
      events.clear();
      for (const ht::Observation& x : opt.observations()) {
        absl::StrAppendFormat(&out, "    O %s mm=%u va=%#x -> %#x\n", x.what, x.mm, x.va, x.value);
      }
      absl::StrAppend(&out, page_states(p_, r, opt, "    "));
      // O's primitives numbered as mid-op events count them (reads are
      // counted, not shown); the hardware's updates tagged.
      size_t shown = 0, prim = 0;
      for (const LogRec& rec : opt.machine().log()) {
        const bool backend = rec.agent == Agent::kBackend && rec.prim != Prim::kHw;
        const size_t n = backend ? prim++ : 0;
        if (rec.prim == Prim::kRead) continue;
        if (++shown > kMaxExplainRecords) {
          absl::StrAppend(&out, "      ... (", opt.machine().log().size(), " records in all)\n");
          break;
        }
        absl::StrAppend(&out, backend ? absl::StrFormat("      O @%-3d ", n) : "      hw     ",
                        describe_log(rec), "\n");
      }
    };
    const ht::RunResult r = ht::run_program(p_, o);
    if (!r.error.empty()) {
      *status = 2;
      return r.error;
    }
    absl::StrAppend(&out, ht::format_report(r, p_));
    absl::StrAppendFormat(&out, "%s, hugetlb %s, ops %d, divergences %d\n",
                          r.diverged() ? "DIVERGED" : "ok", ht::hsize_name(p_.size), r.ops_run,
                          r.divergences.size());
    *status = r.diverged() ? 1 : 0;
    return out;
  }

  std::unique_ptr<Case> effective(const CaseOptions& opts, std::string* comment,
                                  std::string* err) const override {
    if (refuse_backend(opts, err)) return nullptr;
    *comment = absl::StrFormat("%d ops (hugetlb programs run as written)", p_.ops.size());
    return std::make_unique<HugetlbCase>(p_);
  }

  std::unique_ptr<Case> minimize(const CaseOptions& opts, CaseMinimized* what,
                                 std::string* err) const override;

  std::unique_ptr<Case> explore(const CaseOptions& opts, int bound, uint64_t max_schedules,
                                CaseExplored* what, std::string* err) const override {
    if (refuse_backend(opts, err)) return nullptr;
    ht::ExploreOptions eo;
    eo.run = run_options(opts);
    eo.bound = bound;
    eo.max_schedules = max_schedules;
    ht::ExploreResult r = ht::explore(p_, eo);
    if (!r.error.empty()) {
      *err = r.error;
      return nullptr;
    }
    what->candidates = r.candidates;
    what->schedules = r.schedules;
    what->complete = r.complete;
    if (!r.found) return nullptr;
    what->report = ht::format_report(r.result, r.failing, /*with_program=*/false);
    return std::make_unique<HugetlbCase>(std::move(r.failing));
  }

 private:
  ht::Program p_;
};

std::unique_ptr<Case> HugetlbCase::minimize(const CaseOptions& opts, CaseMinimized* what,
                                            std::string* err) const {
  if (refuse_backend(opts, err)) return nullptr;
  ht::RunOptions o = run_options(opts);
  o.stop_at_first = true;
  const ht::HState h = ht::hstate_of(p_.granule, p_.size);
  Shrunk<ht::Program, ht::OpKind> s;
  const bool found = minimize_program(
      p_, opts.mutant, kMaxMinimizeRuns,
      [&](const ht::Program& cand) {
        return std::all_of(cand.ops.begin(), cand.ops.end(),
                           [&](const ht::Op& op) { return ht::validate_op(op, h, nullptr); });
      },
      [&](const ht::Program& cand, std::string* e) {
        ht::RunResult r = ht::run_program(cand, o);
        *e = r.error;
        return std::move(r.divergences);
      },
      [](const ht::Op& op) { return op.kind; },
      [](const ht::Op& op) { return ht::op_spec(op.kind).fields; },
      [](const ht::Op& op, ht::Field f) { return ht::op_field(op, f); },
      [](ht::Op* op, ht::Field f, uint64_t v) { ht::set_op_field(op, f, v); },
      [](const ht::Op&, ht::Field, uint64_t v) {
        return std::vector<uint64_t>{0, v / 2, v - 1};
      },
      &s, err);
  if (!found) return nullptr;
  *what = {s.cls, ht::op_spec(s.kind).name, s.before_ops, s.best.ops.size(), s.runs};
  return std::make_unique<HugetlbCase>(std::move(s.best));
}

}  // namespace

std::unique_ptr<Case> HugetlbSubject::parse(std::string_view text, std::string_view file,
                                            ParseError* err) const {
  ht::Program p;
  if (!ht::parse_program(text, file, &p, err)) return nullptr;
  return std::make_unique<HugetlbCase>(std::move(p));
}

std::unique_ptr<Case> HugetlbSubject::decode(std::span<const uint8_t> bytes) const {
  return std::make_unique<HugetlbCase>(ht::decode_program(bytes));
}

const Subject& hugetlb_subject() { return kHugetlb; }

}  // namespace ptediff
