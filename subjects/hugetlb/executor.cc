// ptediff hugetlb: the differential executor (executor.h).
#include "subjects/hugetlb/executor.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "mmu/swp.h"
#include "oracle/contract.h"
#include "subjects/hugetlb/interleave.h"
#include "subjects/hugetlb/mutants.h"
#include "subjects/hugetlb/oracle.h"

namespace ptediff::hugetlb {
namespace {

// R and O of one hstate and O backend, built once per thread.
struct Pair {
  std::unique_ptr<Side> ref, opt;
};

Pair& sides_for(ptediff_granule g, HSize s, const ptediff_backend_v2* opt) {
  thread_local std::map<std::tuple<int, int, const ptediff_backend_v2*>, Pair> cache;
  Pair& p = cache[{static_cast<int>(g), static_cast<int>(s), opt}];
  if (p.ref == nullptr) {
    const HState h = hstate_of(g, s);
    p.ref = std::make_unique<Side>(h, hugetlb_reference_backend());
    p.opt = std::make_unique<Side>(h, opt);
  }
  return p;
}

// What another O backend is told besides hsize: a mutant only when the
// command line asks for one (a program's header names a mutant of the
// built-in backend, as for the contpte subject's external backends).
std::string external_options(const RunOptions& opts) {
  return opts.mutant.empty() || opts.mutant == "none" ? "" : absl::StrCat("mutant=", opts.mutant);
}

uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ULL; }

}  // namespace

pte_t gathered_entry(const Machine& m, const HState& h, uint32_t mm, uint64_t va) {
  pte_t e = m.peek_level(mm, va, h.level);
  if (!pte_present(e)) return e;
  for (uint32_t i = 1; i < h.ncontig; ++i) {
    const pte_t x = m.peek_level(mm, va + i * h.pgsize, h.level);
    if (pte_young(x)) e = pte_mkyoung(e);
    if (pte_dirty(x)) e = pte_mkdirty(e);
  }
  return e;
}

std::string describe_huge_entry(const ptediff_geometry& g, pte_t e) {
  if (pte_none(e)) return "none";
  if (is_migration_pte(e)) {
    const uint64_t t = pte_swp_type(e);
    return absl::StrFormat("migration-%s pfn=%#x%s%s",
                           t == kSwpMigrationWrite           ? "write"
                           : t == kSwpMigrationReadExclusive ? "read-exclusive"
                                                             : "read",
                           migration_pfn(g, e), (e & migration_young_bit(g)) ? " young" : "",
                           (e & migration_dirty_bit(g)) ? " dirty" : "");
  }
  if (!pte_present(e)) return absl::StrFormat("swap-format %#018x", e);
  return absl::StrFormat("%s%s pfn=%#x%s%s %s%s", pte_valid(e) ? "valid" : "PROT_NONE",
                         pte_cont(e) ? " CONT" : "", pte_pfn(&g, e), pte_young(e) ? " young" : "",
                         pte_dirty(e) ? " dirty" : "", pte_write(e) ? "w" : "ro",
                         pte_user(e) ? "" : " kernel-only");
}

RunResult run_program(const Program& program, const RunOptions& opts) {
  RunResult res;
  const std::string& mutant = opts.mutant.empty() ? program.mutant : opts.mutant;
  Mutant m;
  if (!find_mutant(mutant, &m)) {
    res.error = absl::StrCat("unknown hugetlb mutant `", mutant, "`");
    return res;
  }
  const bool builtin = opts.opt == nullptr;
  Pair& p =
      sides_for(program.granule, program.size, builtin ? hugetlb_optimized_backend() : opts.opt);
  Side& r = *p.ref;
  Side& o = *p.opt;
  for (const auto& [side, options] :
       {std::pair<Side*, std::string>{&r, ""},
        {&o, builtin ? absl::StrCat("mutant=", mutant) : external_options(opts)}}) {
    const std::string err = side->reset(program.features, options);
    if (!err.empty()) {
      res.error = absl::StrCat(side->backend_name(), ": ", err);
      return res;
    }
  }
  const HState& h = r.hstate();
  std::vector<uint64_t> vas;  // every huge page the program names
  std::vector<PageRef> pages;
  Oracle oracle;
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < program.ops.size(); ++i) {
    const Op& op = program.ops[i];
    for (uint64_t page : {op.page, op.to}) {
      if (std::find(vas.begin(), vas.end(), page * h.bytes) != vas.end()) continue;
      vas.push_back(page * h.bytes);
      for (uint32_t mm = 0; mm < kNumMms; ++mm) pages.push_back({mm, page * h.bytes});
    }
    std::vector<Divergence> found;
    if (op.events.empty()) {
      const OpView v{r, o, op, pages};
      r.run_flow(op);
      oracle.before_op(v);
      o.run_flow(op);
      oracle.after_op(v, {r.machine().log(), o.machine().log()}, &found);
    } else {
      std::vector<EventRecord> records;
      run_op_with_events(r, o, op, pages, &oracle, &records, &found);
      if (opts.on_events) opts.on_events(i, records);
    }
    ++res.ops_run;
    for (Divergence& d : found) {
      d.op_index = i;
      keep_log_evidence({r.machine().log(), o.machine().log()}, &d);
    }
    for (const Observation& x : o.observations()) hash = mix(hash, x.value);
    for (const PageRef& pr : pages) {
      for (uint32_t j = 0; j < h.ncontig; ++j) {
        hash = mix(hash, o.machine().peek_level(pr.mm, pr.va + j * h.pgsize, h.level));
      }
    }
    hash = mix(hash, o.machine().op_records());
    if (opts.on_step) opts.on_step(i, r, o);
    res.divergences.insert(res.divergences.end(), found.begin(), found.end());
    if (opts.stop_at_first && !found.empty()) break;
  }
  res.trace_hash = hash;
  return res;
}

std::string format_report(const RunResult& result, const Program& program, bool with_program) {
  std::string out;
  if (!result.error.empty()) absl::StrAppend(&out, "error: ", result.error, "\n");
  const ptediff_geometry g = ptediff_geometry_of(program.granule);
  for (const Divergence& d : result.divergences) {
    const std::string op =
        d.op_index < program.ops.size() ? format_op(program.ops[d.op_index]) : "?";
    absl::StrAppendFormat(&out, "op %d `%s`: %s at mm=%u va=%#x: %s\n", d.op_index, op,
                          div_class_name(d.cls), d.mm, d.va, d.what);
    for (size_t j = 0; j < d.ref_block.size(); ++j) {
      absl::StrAppendFormat(&out, "  entry %2d  R %-44s O %s\n", j,
                            describe_huge_entry(g, d.ref_block[j]),
                            describe_huge_entry(g, d.opt_block[j]));
    }
  }
  if (result.diverged() && with_program) {
    absl::StrAppend(&out, "--- program ---\n", format_program(program));
  }
  return out;
}

}  // namespace ptediff::hugetlb
