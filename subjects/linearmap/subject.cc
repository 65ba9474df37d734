// ptediff: the linear-map subject: the kernel linear map with FEAT_BBM level 2
// (block and contiguous mappings, minimal splits, permission changes,
// repaint), a per-page reference against the multi-level implementation in
// linearmap/.
//
// Adapts subjects/linearmap/program.h and subjects/linearmap/executor.h to the Subject
// interface. Linear-map programs are never repaired: text runs as written,
// and every byte string decodes to a valid program.
#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/shrink.h"
#include "subjects/linearmap/executor.h"
#include "subjects/linearmap/program.h"
#include "nlohmann/json.hpp"
#include "report/describe.h"
#include "subjects/linearmap/fuzz.h"
#include "subjects/subject.h"

namespace ptediff {
namespace {

namespace lm = linearmap;

// Minimize's execution budget.
inline constexpr size_t kMaxMinimizeRuns = 20000;
// Log records shown per op by explain.
inline constexpr size_t kMaxExplainRecords = 64;

class LinearMapSubject final : public Subject {
 public:
  const char* name() const override { return "linear-map"; }
  const char* title() const override { return "kernel linear map (subject linear-map)"; }
  std::unique_ptr<Case> parse(std::string_view text, std::string_view file,
                              ParseError* err) const override;
  std::unique_ptr<Case> decode(std::span<const uint8_t> bytes) const override;
  std::vector<MutantRow> mutants() const override {
    std::vector<MutantRow> rows;
    for (const lm::MutantInfo& m : lm::linearmap_mutants()) {
      if (m.id != lm::Mutant::kNone) rows.push_back({m.name, m.what, m.source});
    }
    return rows;
  }
  bool takes_backend() const override { return false; }
  const char* fuzz_target() const override { return "linearmap_diff_fuzzer"; }
  const FuzzFace& fuzz() const override { return linearmap::fuzz_face(); }
};

const LinearMapSubject kLinearMap;

lm::RunOptions run_options(const CaseOptions& opts) {
  lm::RunOptions o;
  o.mutant = opts.mutant;
  o.stop_at_first = opts.stop_at_first;
  return o;
}

// The external-backend refusal every entry point shares.
bool refuse_backend(const CaseOptions& opts, std::string* err) {
  if (opts.backend == nullptr) return false;
  *err = "--backend applies to the contpte subject; the linear-map subject has no backend ABI";
  return true;
}

// O's leaves as the seed-style summary lines ("2M x4 [0K, 8192K)").
std::string leaf_summary(const lm::Session& s, const char* indent) {
  std::string out;
  for (const std::string& line : lm::summarize(s.opt_leaves(), s.geometry())) {
    absl::StrAppend(&out, indent, line, "\n");
  }
  return out.empty() ? absl::StrCat(indent, "(nothing mapped)\n") : out;
}

class LinearMapCase final : public Case {
 public:
  explicit LinearMapCase(lm::Program p) : p_(std::move(p)) {}
  const Subject& subject() const override { return kLinearMap; }
  size_t size() const override { return p_.ops.size(); }
  std::string format() const override { return lm::format_program(p_); }
  std::vector<uint8_t> encode() const override { return lm::encode_program(p_); }
  std::string mutant() const override { return p_.mutant; }

  CaseRun run(const CaseOptions& opts, std::string_view name) const override {
    CaseRun out;
    if (refuse_backend(opts, &out.error)) return out;
    lm::RunOptions o = run_options(opts);
    std::string state;
    uint64_t hash = 0xcbf29ce484222325ULL;
    o.on_step = [&](size_t, int opt_ret, int ref_ret, const lm::Session& s) {
      hash = (hash ^ static_cast<uint32_t>(opt_ret)) * 0x100000001b3ULL;
      hash = (hash ^ static_cast<uint32_t>(ref_ret)) * 0x100000001b3ULL;
      for (const lm::Leaf& l : s.opt_leaves()) {
        hash =
            (hash ^ (l.page * 131 + l.pages * 7 + l.level + (l.cont ? 1 : 0))) * 0x100000001b3ULL;
        hash = (hash ^ (l.pa ^ l.attrs)) * 0x100000001b3ULL;
      }
      state = leaf_summary(s, "  O ");
    };
    const lm::RunResult r = lm::run_program(p_, o);
    out.error = r.error;
    out.divergences = r.divergences;
    out.ops = r.ops_run;
    out.trace_hash = hash;
    out.report = lm::format_report(r, p_);
    out.summary =
        absl::StrFormat("%s, linear-map, ops %d, divergences %d, trace hash %016x",
                        r.diverged() ? "DIVERGED" : "ok", r.ops_run, r.divergences.size(), hash);
    out.state = state;
    out.json = json(r, name, hash);
    return out;
  }

  std::string explain(const CaseOptions& opts, int* status) const override {
    std::string out;
    if (refuse_backend(opts, &out)) {
      *status = 2;
      return out;
    }
    lm::RunOptions o = run_options(opts);
    o.on_step = [&](size_t i, int opt_ret, int ref_ret, const lm::Session& s) {
      absl::StrAppendFormat(&out, "%sop %d: %s%s\n    returns: R %d | O %d\n    O leaves:\n%s",
                            opts.color ? "\033[1m" : "", i, lm::format_op(p_.ops[i]),
                            opts.color ? "\033[0m" : "", ref_ret, opt_ret,
                            leaf_summary(s, "      "));
      const auto& log = s.opt().tables().log();
      size_t shown = 0;
      for (const LogRec& rec : log) {
        if (rec.prim == Prim::kRead) continue;
        if (++shown > kMaxExplainRecords) {
          absl::StrAppend(&out, "      ... (", log.size(), " records in all)\n");
          break;
        }
        absl::StrAppend(&out, "      O ", describe_log(rec), "\n");
      }
    };
    const lm::RunResult r = lm::run_program(p_, o);
    if (!r.error.empty()) {
      *status = 2;
      return r.error;
    }
    absl::StrAppend(&out, lm::format_report(r, p_));
    absl::StrAppendFormat(&out, "%s, linear-map, ops %d, divergences %d\n",
                          r.diverged() ? "DIVERGED" : "ok", r.ops_run, r.divergences.size());
    *status = r.diverged() ? 1 : 0;
    return out;
  }

  std::unique_ptr<Case> effective(const CaseOptions& opts, std::string* comment,
                                  std::string* err) const override {
    if (refuse_backend(opts, err)) return nullptr;
    *comment = absl::StrFormat("%d ops (linear-map programs run as written)", p_.ops.size());
    return std::make_unique<LinearMapCase>(p_);
  }

  std::unique_ptr<Case> minimize(const CaseOptions& opts, CaseMinimized* what,
                                 std::string* err) const override;

 private:
  static std::string json(const lm::RunResult& r, std::string_view name, uint64_t hash) {
    nlohmann::json j;
    j["input"] = std::string(name);
    j["subject"] = "linear-map";
    j["ops"] = r.ops_run;
    j["trace_hash"] = absl::StrFormat("%016x", hash);
    j["divergences"] = nlohmann::json::array();
    for (const Divergence& d : r.divergences) {
      j["divergences"].push_back({{"class", div_class_name(d.cls)},
                                  {"op_index", d.op_index},
                                  {"va", absl::StrFormat("%#x", d.va)},
                                  {"what", d.what}});
    }
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  lm::Program p_;
};

// Smaller operand values to try, best first, each still page aligned.
std::vector<uint64_t> lower_candidates(const lm::Geometry& g, lm::Field f, uint64_t v) {
  const uint64_t ps = g.page_size;
  switch (f) {
    case lm::Field::kVa:
    case lm::Field::kPa:
      return {0, v / 2 / ps * ps, v - ps};
    case lm::Field::kSize:
      return {ps, v / 2 / ps * ps, v - ps};
    case lm::Field::kNr:
    case lm::Field::kStride:
      return {1, v / 2, v - 1};
    case lm::Field::kFlags:
      return {0};
    case lm::Field::kDepth:
      return {lm::kMinFailDepth};
  }
  return {};
}

std::unique_ptr<Case> LinearMapCase::minimize(const CaseOptions& opts, CaseMinimized* what,
                                              std::string* err) const {
  if (refuse_backend(opts, err)) return nullptr;
  lm::RunOptions o = run_options(opts);
  o.stop_at_first = true;
  const lm::Geometry& g = lm::geometry_of(p_.granule);
  Shrunk<lm::Program, lm::OpKind> s;
  const bool found = minimize_program(
      p_, opts.mutant, kMaxMinimizeRuns,
      [&](const lm::Program& cand) {
        return std::all_of(cand.ops.begin(), cand.ops.end(),
                           [&](const lm::Op& op) { return lm::validate_op(op, g, nullptr); });
      },
      [&](const lm::Program& cand, std::string* e) {
        lm::RunResult r = lm::run_program(cand, o);
        *e = r.error;
        return std::move(r.divergences);
      },
      [](const lm::Op& op) { return op.kind; },
      [](const lm::Op& op) { return lm::op_spec(op.kind).fields; },
      [](const lm::Op& op, lm::Field f) { return lm::op_field(op, f); },
      [](lm::Op* op, lm::Field f, uint64_t v) { lm::set_op_field(op, f, v); },
      [&](const lm::Op&, lm::Field f, uint64_t v) { return lower_candidates(g, f, v); }, &s, err);
  if (!found) return nullptr;
  *what = {s.cls, lm::op_spec(s.kind).name, s.before_ops, s.best.ops.size(), s.runs};
  return std::make_unique<LinearMapCase>(std::move(s.best));
}

}  // namespace

std::unique_ptr<Case> LinearMapSubject::parse(std::string_view text, std::string_view file,
                                              ParseError* err) const {
  lm::Program p;
  if (!lm::parse_program(text, file, &p, err)) return nullptr;
  return std::make_unique<LinearMapCase>(std::move(p));
}

std::unique_ptr<Case> LinearMapSubject::decode(std::span<const uint8_t> bytes) const {
  return std::make_unique<LinearMapCase>(lm::decode_program(bytes));
}

const Subject& linearmap_subject() { return kLinearMap; }

}  // namespace ptediff
