// ptediff: the hugetlb subject: arm64's contiguous hugetlb (CONT_PTE, PMD,
// CONT_PMD and PUD huge pages, hugetlbpage.c) against a per-entry reference,
// both over the level-generic machine (docs/DESIGN.md §10).
//
// The traits of subjects/program_case.h over subjects/hugetlb/program.h and
// subjects/hugetlb/executor.h, and what its reports show: the huge pages of
// R and O, O's primitives numbered as mid-op events count them, and where
// each event fired. Hugetlb programs are never repaired: every op is valid in
// every state.
#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "subjects/fuzz_session.h"
#include "subjects/hugetlb/executor.h"
#include "subjects/hugetlb/explore.h"
#include "subjects/hugetlb/flows.h"  // hugetlb_reference_backend
#include "subjects/hugetlb/mutants.h"
#include "subjects/hugetlb/program.h"
#include "subjects/program_case.h"

namespace ptediff {
namespace {

namespace ht = hugetlb;

// The huge pages `p` names, in address order.
std::vector<uint64_t> named_pages(const ht::Program& p) {
  std::vector<uint64_t> pages;
  for (const ht::Op& op : p.ops) pages.insert(pages.end(), {op.page, op.to});
  std::sort(pages.begin(), pages.end());
  pages.erase(std::unique(pages.begin(), pages.end()), pages.end());
  return pages;
}

// The huge pages `pages` (named_pages) as R and O hold them after an op
// (young and dirty gathered over each range, as huge_ptep_get reads them).
std::string page_states(const std::vector<uint64_t>& pages, const ht::Side& r, const ht::Side& o,
                        const char* indent) {
  const ht::HState& h = r.hstate();
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

struct HugetlbTraits : ProgramFunctions {
  using Program = ht::Program;
  using RunOptions = ht::RunOptions;
  using Mutant = ht::Mutant;
  using Case = RunProgramCase<HugetlbTraits>;
  static constexpr const char* kName = "hugetlb";
  static constexpr const char* kTitle = "arm64 contiguous hugetlb (subject hugetlb)";
  static constexpr const char* kFuzzTarget = "hugetlb_diff_fuzzer";
  static constexpr bool kTakesBackend = false, kTakesBackendV2 = true;
  static constexpr KernelSource kKernelSource{
      "hugetlb", "libhugetlb", "hugetlbpage.c",
      "arch/arm64/mm/hugetlbpage.c + flush_hugetlb_tlb_range() + huge_pte_lockptr()"};
  static constexpr bool kDivergenceMm = true;

  static Program decode(std::span<const uint8_t> bytes) { return ht::decode_program(bytes); }
  static const FuzzFace& fuzz() { return ht::fuzz_face(); }
  // The literal form: the header and features bytes, then ops with at most
  // kMaxEventsPerOp events each (a kind byte and 8 bytes per operand).
  static Subject::FormatLimits limits() {
    return literal_form_limits(ht::all_op_specs(), ht::kMaxOps, 2, ht::kMaxEventsPerOp,
                               1 + 8 * most_literal_operands(ht::all_event_specs()));
  }
  static void reference_as_o(CaseOptions* opts) {
    opts->backend_v2 = ht::hugetlb_reference_backend();
  }
  // A v1 backend cannot run hugetlb programs (`--backend reference` names a
  // v2 one too).
  static bool refuse_backend(const CaseOptions& opts, std::string* err) {
    if (opts.backend == nullptr || opts.backend_v2 != nullptr) return false;
    *err =
        "--backend: a v1 backend does not apply to the hugetlb subject (it needs a v2 backend "
        "exporting ptediff_backend_v2_get())";
    return true;
  }
  static RunOptions run_options(const CaseOptions& opts) {
    RunOptions o = base_run_options<RunOptions>(opts);
    o.opt = opts.backend_v2;
    return o;
  }
  static std::string label(const Program& p) {
    return absl::StrCat("hugetlb ", ht::hsize_name(p.size));
  }
  static void json_header(const Program& p, nlohmann::json* j) {
    (*j)["size"] = ht::hsize_name(p.size);
  }

  static ht::RunResult run_watched(const Program& p, RunOptions o, std::string* state,
                                   uint64_t* trace_hash) {
    // The final state only: built after every op, it made a run quadratic.
    o.on_end = [&](const ht::Side& r, const ht::Side& opt) {
      *state = page_states(named_pages(p), r, opt, "  ");
    };
    ht::RunResult r = ht::run_program(p, o);
    *trace_hash = r.trace_hash;
    return r;
  }

  static ht::RunResult run_explained(const Program& p, RunOptions o, bool color, std::string* out) {
    std::vector<ht::EventRecord> events;
    const std::vector<uint64_t> pages = named_pages(p);
    o.on_events = [&](size_t, const std::vector<ht::EventRecord>& e) { events = e; };
    o.on_step = [&](size_t i, const ht::Side& r, const ht::Side& opt) {
      absl::StrAppend(out, explain_heading(color, i, ht::format_op(p.ops[i])),
                      describe_events(p.ops[i], events));
      events.clear();
      for (const ht::Observation& x : opt.observations()) {
        absl::StrAppendFormat(out, "    O %s mm=%u va=%#x -> %#x\n", x.what, x.mm, x.va, x.value);
      }
      absl::StrAppend(out, page_states(pages, r, opt, "    "));
      // O's primitives numbered as mid-op events count them (reads are
      // counted, not shown); the hardware's updates tagged.
      size_t prim = 0;
      append_log(out, opt.machine().log(), [&](const LogRec& rec) -> std::string {
        if (rec.agent != Agent::kBackend || rec.prim == Prim::kHw) return "hw     ";
        return absl::StrFormat("O @%-3d ", prim++);
      });
    };
    return ht::run_program(p, o);
  }

  static ht::HState geometry(const Program& p) { return ht::hstate_of(p.granule, p.size); }
  static std::vector<uint64_t> lower(const ht::HState&, ht::Field, uint64_t v) {
    return {0, v / 2, v - 1};
  }

  static ht::ExploreResult explore(const Program& p, const ht::ExploreOptions& eo) {
    return ht::explore(p, eo);
  }
  static std::string explore_report(const ht::ExploreResult& r, bool) {
    return ht::format_report(r.result, r.failing, /*with_program=*/false);
  }
};

}  // namespace

const Subject& hugetlb_subject() { return subject_of<HugetlbTraits>(); }

}  // namespace ptediff
