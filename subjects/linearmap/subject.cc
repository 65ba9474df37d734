// ptediff: the linear-map subject: the kernel linear map with FEAT_BBM level 2
// (block and contiguous mappings, minimal splits, permission changes,
// repaint), a per-page reference against the multi-level implementation in
// linearmap/.
//
// The traits of subjects/program_case.h over subjects/linearmap/program.h and
// subjects/linearmap/executor.h, and what its reports show: O's leaves and
// both sides' return values, hashed op by op. Linear-map programs are never
// repaired: text runs as written, and every byte string decodes to a valid
// program.
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "subjects/fuzz_session.h"
#include "subjects/linearmap/executor.h"
#include "subjects/linearmap/optimized.h"
#include "subjects/linearmap/program.h"
#include "subjects/program_case.h"

namespace ptediff {
namespace {

namespace lm = linearmap;

// O's leaves as the seed-style summary lines ("2M x4 [0K, 8192K)").
std::string leaf_summary(const lm::Session& s, const char* indent) {
  std::string out;
  for (const std::string& line : lm::summarize(s.opt_leaves(), s.geometry())) {
    absl::StrAppend(&out, indent, line, "\n");
  }
  return out.empty() ? absl::StrCat(indent, "(nothing mapped)\n") : out;
}

struct LinearMapTraits : ProgramFunctions {
  using Program = lm::Program;
  using RunOptions = lm::RunOptions;
  using Mutant = lm::Mutant;
  using Case = RunProgramCase<LinearMapTraits>;
  static constexpr const char* kName = "linear-map";
  static constexpr const char* kTitle = "kernel linear map (subject linear-map)";
  static constexpr const char* kFuzzTarget = "linearmap_diff_fuzzer";
  static constexpr bool kTakesBackend = false, kTakesBackendV2 = false, kTakesBackendV3 = true;
  static constexpr KernelSource kKernelSource{
      "linearmap", "liblinearmap", "mmu.c split code",
      "arch/arm64/mm/mmu.c's BBML2 split block + pageattr.c + mm/pagewalk.c's kernel walk",
      /*optional=*/true};

  static Program decode(std::span<const uint8_t> bytes) { return lm::decode_program(bytes); }
  static const FuzzFace& fuzz() { return lm::fuzz_face(); }
  // The literal form: the header byte, then ops.
  static Subject::FormatLimits limits() {
    return literal_form_limits(lm::all_op_specs(), lm::kMaxOps, 1);
  }
  // Only a v3 backend runs linear-map programs (`--backend reference`
  // names none of them: the linear map's reference cannot run as O).
  static bool refuse_backend(const CaseOptions& opts, std::string* err) {
    if (opts.backend_v3 != nullptr) return false;
    if (opts.backend == nullptr && opts.backend_v2 == nullptr) return false;
    *err =
        "--backend: the linear-map subject takes a v3 backend (exporting "
        "ptediff_backend_v3_get(), include/ptediff/backend_v3.h)";
    return true;
  }
  static RunOptions run_options(const CaseOptions& opts) {
    RunOptions o = base_run_options<RunOptions>(opts);
    o.opt = opts.backend_v3;
    return o;
  }
  static std::string label(const Program&) { return "linear-map"; }

  // The trace hash: both return values and O's leaves after every op.
  static lm::RunResult run_watched(const Program& p, RunOptions o, std::string* state,
                                   uint64_t* trace_hash) {
    uint64_t hash = 0xcbf29ce484222325ULL;
    o.on_step = [&](size_t, int opt_ret, int ref_ret, const lm::Session& s) {
      hash = (hash ^ static_cast<uint32_t>(opt_ret)) * 0x100000001b3ULL;
      hash = (hash ^ static_cast<uint32_t>(ref_ret)) * 0x100000001b3ULL;
      for (const lm::Leaf& l : s.opt_leaves()) {
        hash =
            (hash ^ (l.page * 131 + l.pages * 7 + l.level + (l.cont ? 1 : 0))) * 0x100000001b3ULL;
        hash = (hash ^ (l.pa ^ l.attrs)) * 0x100000001b3ULL;
      }
      *state = leaf_summary(s, "  O ");
    };
    lm::RunResult r = lm::run_program(p, o);
    *trace_hash = hash;
    return r;
  }

  static lm::RunResult run_explained(const Program& p, RunOptions o, bool color, std::string* out) {
    o.on_step = [&](size_t i, int opt_ret, int ref_ret, const lm::Session& s) {
      absl::StrAppend(out, explain_heading(color, i, lm::format_op(p.ops[i])));
      absl::StrAppendFormat(out, "    returns: R %d | O %d\n    O leaves:\n%s", ref_ret, opt_ret,
                            leaf_summary(s, "      "));
      append_log(out, s.opt().tables().log(), [](const LogRec&) { return std::string("O "); });
    };
    return lm::run_program(p, o);
  }

  static const lm::Geometry& geometry(const Program& p) { return lm::geometry_of(p.granule); }
  // Smaller operand values to try, best first, each still page aligned.
  static std::vector<uint64_t> lower(const lm::Geometry& g, lm::Field f, uint64_t v) {
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
      case lm::Field::kChange:
      case lm::Field::kFlags:
        return {0};
      case lm::Field::kDepth:
        return {lm::kMinFailDepth};
      default:  // an operand with no smaller value worth trying
        return {};
    }
  }
};

}  // namespace

const Subject& linearmap_subject() { return subject_of<LinearMapTraits>(); }

}  // namespace ptediff
