// ptediff: a subject's Subject and Case, written once over the subject's
// traits (subject.h says what each method promises).
//
// ProgramSubject<T> is the Subject of every subject and ProgramCase<T> the
// base of every Case: a loaded program with its text, binary, mutant and
// explore. RunProgramCase<T> is the whole Case of a subject whose programs run
// as written through one run_program call (linear-map, hugetlb): run,
// explain, effective and minimize are the same glue around the subject's
// run, report and minimizer (engine/shrink.h); the contpte subject, whose
// binary inputs are repaired and whose reports are its own, derives its Case
// from ProgramCase<T> directly. A subject's subject.cc holds only its traits
// T and what its reports show:
//
//   using Program, RunOptions;  // Program has `std::vector<Op> ops`
//   using Case;                 // the Case class (RunProgramCase<T>, or its own)
//   static constexpr const char* kName, kTitle, kFuzzTarget;
//   static constexpr bool kTakesBackend, kTakesBackendV2;
//   static constexpr KernelSource kKernelSource;  // optional: the tree's file it runs
//   static bool parse(text, file, Program*, ParseError*);  // ProgramFunctions gives
//   static Program decode(std::span<const uint8_t>);       // the usual names
//   static std::string format(const Program&);
//   static std::vector<uint8_t> encode(const Program&);
//   static std::string mutant(const Program&);
//   using Mutant;               // its bugs' enum (subjects/mutant_catalogue.h)
//   static const FuzzFace& fuzz();
//   static Subject::FormatLimits limits();
//   static bool refuse_backend(const CaseOptions&, std::string* err);  // true: refused
//   static RunOptions run_options(const CaseOptions&);
//   static void reference_as_o(CaseOptions*);               // optional
//   static auto explore(const Program&, const ExploreOptionsOf<RunOptions>&);  // optional,
//   static std::string explore_report(const ExploreResult&, bool color);      // together
//
// and for RunProgramCase, besides run_program, format_report, op_spec,
// op_field, set_op_field and validate_op found in the subject's namespace:
//
//   static std::string label(const Program&);  // "linear-map", "hugetlb 2M": summaries
//   static RunResult run_watched(const Program&, RunOptions, std::string* state,
//                                uint64_t* trace_hash);   // the final state, the hash
//   static RunResult run_explained(const Program&, RunOptions, bool color,
//                                  std::string* out);     // each op's trace into *out
//   static Geometry geometry(const Program&);             // what validate_op takes
//   static std::vector<uint64_t> lower(const Geometry&, Field, uint64_t v);  // shrinking
//   static void json_header(const Program&, nlohmann::json*);  // optional: more keys
//   static constexpr bool kDivergenceMm;                  // optional: "mm" in JSON rows
#ifndef PTEDIFF_SUBJECTS_PROGRAM_CASE_H_
#define PTEDIFF_SUBJECTS_PROGRAM_CASE_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/explore.h"
#include "engine/shrink.h"
#include "nlohmann/json.hpp"
#include "report/describe.h"
#include "report/json.h"
#include "subjects/mutant_catalogue.h"
#include "subjects/subject.h"

namespace ptediff {

template <typename T>
const Subject& subject_of();

// Log records explain shows per op.
inline constexpr size_t kMaxExplainRecords = 64;

// The run options every subject's take from the command line (the mutant,
// stop_at_first); the subject adds its backends.
template <typename RunOptions>
RunOptions base_run_options(const CaseOptions& opts) {
  RunOptions o;
  o.mutant = opts.mutant;
  o.stop_at_first = opts.stop_at_first;
  return o;
}

// What minimize reports of a Shrunk result whose op kind is called `at`.
template <typename P, typename Kind>
CaseMinimized case_minimized(const Shrunk<P, Kind>& s, std::string_view at) {
  return {s.cls, std::string(at), s.before_ops, s.best.ops.size(), s.runs};
}

// The heading of op `index` in explain (bold with `color`), with a newline.
inline std::string explain_heading(bool color, size_t index, std::string_view op) {
  return absl::StrFormat("%sop %d: %s%s\n", color ? "\033[1m" : "", index, op,
                         color ? "\033[0m" : "");
}

// Appends O's primitive log as explain shows it: reads left out, at most
// kMaxExplainRecords records, each after `tag(rec)` (called for every record,
// reads included, so that it can number them).
template <typename Tag>
void append_log(std::string* out, const std::vector<LogRec>& log, Tag&& tag) {
  size_t shown = 0;
  for (const LogRec& rec : log) {
    const std::string t = tag(rec);
    if (rec.prim == Prim::kRead) continue;
    if (++shown > kMaxExplainRecords) {
      absl::StrAppend(out, "      ... (", log.size(), " records in all)\n");
      break;
    }
    absl::StrAppend(out, "      ", t, describe_log(rec), "\n");
  }
}

// Traits pieces of a subject whose program functions have the usual names,
// found in its namespace: parse_program, format_program, encode_program,
// and a `mutant` header field.
struct ProgramFunctions {
  template <typename P>
  static bool parse(std::string_view text, std::string_view file, P* out, ParseError* err) {
    return parse_program(text, file, out, err);
  }
  template <typename P>
  static std::string format(const P& p) {
    return format_program(p);
  }
  template <typename P>
  static std::vector<uint8_t> encode(const P& p) {
    return encode_program(p);
  }
  template <typename P>
  static std::string mutant(const P& p) {
    return p.mutant;
  }
};

// One loaded program of the subject T.
template <typename T>
class ProgramCase : public Case {
 public:
  using Program = typename T::Program;
  explicit ProgramCase(Program p) : p_(std::move(p)) {}

  const Subject& subject() const override { return subject_of<T>(); }
  size_t size() const override { return p_.ops.size(); }
  std::string format() const override { return T::format(p_); }
  std::vector<uint8_t> encode() const override { return T::encode(p_); }
  std::string mutant() const override { return T::mutant(p_); }

  std::unique_ptr<Case> explore(const CaseOptions& opts, int bound, uint64_t max_schedules,
                                CaseExplored* what, std::string* err) const override {
    using Options = ExploreOptionsOf<typename T::RunOptions>;
    if constexpr (requires(const Options& eo) { T::explore(p_, eo); }) {
      if (T::refuse_backend(opts, err)) return nullptr;
      Options eo;
      eo.run = T::run_options(opts);
      eo.bound = bound;
      eo.max_schedules = max_schedules;
      auto r = T::explore(p_, eo);
      if (!r.error.empty()) {
        *err = r.error;
        return nullptr;
      }
      what->candidates = r.candidates;
      what->schedules = r.schedules;
      what->complete = r.complete;
      if (!r.found) return nullptr;
      what->report = T::explore_report(r, opts.color);
      return make(std::move(r.failing));
    } else {
      return Case::explore(opts, bound, max_schedules, what, err);
    }
  }

 protected:
  // A Case of the subject holding `p`.
  static std::unique_ptr<Case> make(Program p) {
    return std::make_unique<typename T::Case>(std::move(p));
  }

  Program p_;
};

// The shrink traits (engine/shrink.h) of a subject whose programs run as
// written through run_program, and whose ops expose their operands through
// an op table.
template <typename T>
class OpTableShrink {
 public:
  using Program = typename T::Program;
  using Op = typename decltype(Program::ops)::value_type;
  using Kind = decltype(Op::kind);

  OpTableShrink(const Program& p, typename T::RunOptions o)
      : geo_(T::geometry(p)), o_(std::move(o)) {}

  bool valid(const Program& p) const {
    return std::all_of(p.ops.begin(), p.ops.end(),
                       [&](const Op& op) { return validate_op(op, geo_, nullptr); });
  }
  const std::vector<Divergence>& run(const Program& p, std::string* err) {
    last_ = run_program(p, o_);
    *err = last_.error;
    return last_.divergences;
  }
  const Program& ran(const Program& cand) const { return cand; }
  Kind kind_of(const Op& op) const { return op.kind; }
  bool is_event(const Op&) const { return false; }
  auto fields(const Op& op) const { return op_spec(op.kind).fields; }
  template <typename F>
  uint64_t get(const Op& op, F f) const {
    return op_field(op, f);
  }
  template <typename F>
  void set(Op* op, F f, uint64_t v) const {
    set_op_field(op, f, v);
  }
  template <typename F>
  std::vector<uint64_t> lower(const Op&, F f, uint64_t v) const {
    return T::lower(geo_, f, v);
  }
  void set_mutant(Program* p, const std::string& mutant) const { p->mutant = mutant; }

 private:
  decltype(T::geometry(std::declval<const Program&>())) geo_;  // a value or a static table
  typename T::RunOptions o_;
  decltype(run_program(std::declval<const Program&>(),
                       std::declval<const typename T::RunOptions&>())) last_;
};

// The Case of a subject whose programs run as written through run_program.
template <typename T>
class RunProgramCase final : public ProgramCase<T> {
 public:
  using Program = typename T::Program;
  using ProgramCase<T>::ProgramCase;

  CaseRun run(const CaseOptions& opts, std::string_view name) const override {
    CaseRun out;
    if (T::refuse_backend(opts, &out.error)) return out;
    const auto r = T::run_watched(p_, T::run_options(opts), &out.state, &out.trace_hash);
    out.error = r.error;
    out.divergences = r.divergences;
    out.ops = r.ops_run;
    out.report = format_report(r, p_);
    out.summary = absl::StrFormat("%s, %s, ops %d, divergences %d, trace hash %016x",
                                  r.diverged() ? "DIVERGED" : "ok", T::label(p_), r.ops_run,
                                  r.divergences.size(), out.trace_hash);
    out.json = json(r, name, out.trace_hash);
    return out;
  }

  std::string explain(const CaseOptions& opts, int* status) const override {
    std::string out;
    if (T::refuse_backend(opts, &out)) {
      *status = 2;
      return out;
    }
    const auto r = T::run_explained(p_, T::run_options(opts), opts.color, &out);
    if (!r.error.empty()) {
      *status = 2;
      return r.error;
    }
    absl::StrAppend(&out, format_report(r, p_));
    absl::StrAppendFormat(&out, "%s, %s, ops %d, divergences %d\n",
                          r.diverged() ? "DIVERGED" : "ok", T::label(p_), r.ops_run,
                          r.divergences.size());
    *status = r.diverged() ? 1 : 0;
    return out;
  }

  std::unique_ptr<Case> effective(const CaseOptions& opts, std::string* comment,
                                  std::string* err) const override {
    if (T::refuse_backend(opts, err)) return nullptr;
    *comment = absl::StrFormat("%d ops (%s programs run as written)", p_.ops.size(), T::kName);
    return this->make(p_);
  }

  std::unique_ptr<Case> minimize(const CaseOptions& opts, CaseMinimized* what,
                                 std::string* err) const override {
    if (T::refuse_backend(opts, err)) return nullptr;
    typename T::RunOptions o = T::run_options(opts);
    o.stop_at_first = true;
    OpTableShrink<T> m(p_, std::move(o));
    Shrunk<Program, typename OpTableShrink<T>::Kind> s;
    if (!shrink_program(p_, m, opts.mutant, kMaxShrinkRuns, &s, err)) return nullptr;
    // The diverging op is the last one kept; its text name when the subject
    // has one (set_memory_ro: the change is part of the name).
    if constexpr (requires { op_name(s.best.ops.back()); }) {
      *what = case_minimized(s, op_name(s.best.ops.back()));
    } else {
      *what = case_minimized(s, op_spec(s.kind).name);
    }
    return this->make(std::move(s.best));
  }

 private:
  using ProgramCase<T>::p_;

  template <typename Result>
  std::string json(const Result& r, std::string_view name, uint64_t hash) const {
    nlohmann::json j;
    j["input"] = std::string(name);
    j["subject"] = T::kName;
    if constexpr (requires { T::json_header(p_, &j); }) T::json_header(p_, &j);
    j["ops"] = r.ops_run;
    j["trace_hash"] = absl::StrFormat("%016x", hash);
    const auto row = [](const Divergence& d) {
      nlohmann::json row = {{"class", div_class_name(d.cls)},
                            {"op_index", d.op_index},
                            {"va", absl::StrFormat("%#x", d.va)},
                            {"what", d.what}};
      if constexpr (requires { requires T::kDivergenceMm; }) row["mm"] = d.mm;
      return row;
    };
    put_divergence_rows(std::span<const Divergence>(r.divergences), row, &j);
    return json_line(j);
  }
};

// The Subject of the subject T.
template <typename T>
class ProgramSubject final : public Subject {
 public:
  const char* name() const override { return T::kName; }
  const char* title() const override { return T::kTitle; }
  std::unique_ptr<Case> parse(std::string_view text, std::string_view file,
                              ParseError* err) const override {
    typename T::Program p;
    if (!T::parse(text, file, &p, err)) return nullptr;
    return std::make_unique<typename T::Case>(std::move(p));
  }
  std::unique_ptr<Case> decode(std::span<const uint8_t> bytes) const override {
    return std::make_unique<typename T::Case>(T::decode(bytes));
  }
  std::vector<MutantRow> mutants() const override {
    return mutant_catalogue(typename T::Mutant{}).rows();
  }
  bool takes_backend() const override { return T::kTakesBackend; }
  bool takes_backend_v2() const override { return T::kTakesBackendV2; }
  bool takes_backend_v3() const override {
    if constexpr (requires { T::kTakesBackendV3; }) return T::kTakesBackendV3;
    return false;
  }
  void reference_as_o(CaseOptions* opts) const override {
    if constexpr (requires { T::reference_as_o(opts); }) T::reference_as_o(opts);
  }
  const KernelSource* kernel_source() const override {
    if constexpr (requires { T::kKernelSource; }) return &T::kKernelSource;
    return nullptr;
  }
  const char* fuzz_target() const override { return T::kFuzzTarget; }
  const FuzzFace& fuzz() const override { return T::fuzz(); }
  FormatLimits limits() const override { return T::limits(); }
};

// The most operands a spec of `specs` writes in the literal form
// (formats/op_table.h: 8 bytes each, the suffix operand included).
template <typename Spec>
size_t most_literal_operands(std::span<const Spec> specs) {
  size_t most = 0;
  for (const Spec& s : specs) most = std::max(most, s.operands().size() + (s.suffix() ? 1 : 0));
  return most;
}

// The limits of a subject whose binary input is a literal form of at most
// `max_ops` ops (a kind byte and 8 bytes per operand, then at most
// `events_per_op` events of `event_bytes` each) after a header of
// `header_bytes` and the mutant name, and whose text holds those ops and
// events one a line (one op more is refused at its line).
template <typename Spec>
Subject::FormatLimits literal_form_limits(std::span<const Spec> specs, size_t max_ops,
                                          size_t header_bytes, size_t events_per_op = 0,
                                          size_t event_bytes = 0) {
  const size_t op_bytes = 1 + 8 * most_literal_operands(specs) + events_per_op * event_bytes;
  return {.text_lines = max_ops * (1 + events_per_op) + 1,
          .binary_bytes = header_bytes + 1 + kMaxMutantNameLen + max_ops * op_bytes};
}

// The one Subject object of T.
template <typename T>
const Subject& subject_of() {
  static const ProgramSubject<T> kSubject;
  return kSubject;
}

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_PROGRAM_CASE_H_
