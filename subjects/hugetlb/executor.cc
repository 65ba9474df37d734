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

// R and O of one granule and O backend, built once per thread and set to
// a run's hstate (Side::set_hstate), and the index of a run's pages.
struct Pair {
  std::unique_ptr<Side> ref, opt;
  PageIndex pages;
};

Pair& sides_for(const HState& h, const ptediff_backend_v2* opt) {
  thread_local std::map<std::pair<int, const ptediff_backend_v2*>, Pair> cache;
  Pair& p = cache[{h.geo.page_shift, opt}];
  if (p.ref == nullptr) {
    p.ref = std::make_unique<Side>(h, hugetlb_reference_backend());
    p.opt = std::make_unique<Side>(h, opt);
  }
  p.ref->set_hstate(h);
  p.opt->set_hstate(h);
  return p;
}

// What another O backend is told besides hsize: a mutant only when the
// command line asks for one (a program's header names a mutant of the
// built-in backend, as for the contpte subject's external backends).
std::string external_options(const RunOptions& opts) {
  return opts.mutant.empty() || opts.mutant == "none" ? "" : absl::StrCat("mutant=", opts.mutant);
}

// The trace hash: FNV-1a over O's observations, the entries of every named
// page and the op's record count, after every op.
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;
uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * kFnvPrime; }
// mix(h, 0) n times: h * kFnvPrime^n.
uint64_t mix_zeros(uint64_t h, uint64_t n) {
  for (uint64_t p = kFnvPrime; n != 0; n >>= 1, p *= p) {
    if (n & 1) h *= p;
  }
  return h;
}

// The entries of every named page on O, for the trace hash, knowing which
// pages hold anything: a none page mixes as zeros, in one multiplication.
class HeldPages {
 public:
  void reset() { held_.clear(); }
  // Looks again at the pages of `changed` on O.
  void update(const Machine& o, const PageIndex& pages, const PosSet& changed) {
    const HState& h = pages.hstate();
    changed.for_each([&](size_t i) {
      const PageRef& p = pages.refs()[i];
      bool any = false;
      for (uint32_t j = 0; j < h.ncontig && !any; ++j) {
        any = o.peek_level(p.mm, p.va + j * h.pgsize, h.level) != 0;
      }
      if (any) {
        held_.insert(i);
      } else {
        held_.erase(i);
      }
    });
  }
  // Mixes every entry of every named page into `hash`, in page order.
  uint64_t mix_into(uint64_t hash, const Machine& o, const PageIndex& pages) const {
    const HState& h = pages.hstate();
    size_t next = 0;  // the first page not mixed yet
    held_.for_each([&](size_t i) {
      hash = mix_zeros(hash, (i - next) * h.ncontig);
      const PageRef& p = pages.refs()[i];
      // A PTE-level page is an array of its table.
      const pte_t* e = h.level == kPteLevel ? o.entries(p.mm, p.va, h.ncontig) : nullptr;
      for (uint32_t j = 0; j < h.ncontig; ++j) {
        hash = mix(hash, e != nullptr ? e[j] : o.peek_level(p.mm, p.va + j * h.pgsize, h.level));
      }
      next = i + 1;
    });
    return mix_zeros(hash, (pages.size() - next) * h.ncontig);
  }

 private:
  PosSet held_;  // the pages with an entry that is not none
};

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
  Pair& p = sides_for(hstate_of(program.granule, program.size),
                      builtin ? hugetlb_optimized_backend() : opts.opt);
  Side& r = *p.ref;
  Side& o = *p.opt;
  const bool log_reads = opts.log_reads || opts.on_step || opts.on_events || opts.on_end;
  r.machine().set_log_reads(log_reads);
  o.machine().set_log_reads(log_reads);
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
  PageIndex& pages = p.pages;
  pages.reset(h);
  Oracle oracle(opts.every_page);
  HeldPages held;
  PosSet changed;  // O's pages the op may have changed (new ones included)
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < program.ops.size(); ++i) {
    const Op& op = program.ops[i];
    const size_t named = pages.size();
    for (uint64_t page : {op.page, op.to}) pages.name(page);
    std::vector<Divergence> found;
    // The pages O's op may have changed: those it wrote (its log holds
    // every write of its op; its events fire inside it) and the new ones.
    auto find_changed = [&] {
      changed.clear();
      for (size_t k = named; k < pages.size(); ++k) changed.insert(k);
      pages.add_written(o.machine().log(), &changed);
    };
    if (op.events.empty()) {
      const OpView v{r, o, op, pages, &changed};
      r.run_flow(op);
      oracle.before_op(v);
      o.run_flow(op);
      find_changed();
      oracle.after_op(v, {r.machine().log(), o.machine().log()}, &found);
    } else {
      std::vector<EventRecord> records;
      run_op_with_events(r, o, op, pages, &oracle, &records, &found);
      if (opts.on_events) opts.on_events(i, records);
      find_changed();
    }
    ++res.ops_run;
    for (Divergence& d : found) {
      d.op_index = i;
      keep_log_evidence({r.machine().log(), o.machine().log()}, &d);
    }
    for (const Observation& x : o.observations()) hash = mix(hash, x.value);
    if (opts.every_page) {
      for (const PageRef& pr : pages.refs()) {
        for (uint32_t j = 0; j < h.ncontig; ++j) {
          hash = mix(hash, o.machine().peek_level(pr.mm, pr.va + j * h.pgsize, h.level));
        }
      }
    } else {
      held.update(o.machine(), pages, changed);
      hash = held.mix_into(hash, o.machine(), pages);
    }
    hash = mix(hash, o.machine().op_records());
    if (oracle.reads_missing()) {  // (no callback ran: they ask for reads)
      RunOptions with_reads = opts;
      with_reads.log_reads = true;
      return run_program(program, with_reads);
    }
    if (opts.on_step) opts.on_step(i, r, o);
    res.divergences.insert(res.divergences.end(), found.begin(), found.end());
    if (opts.stop_at_first && !found.empty()) break;
  }
  if (opts.on_end && res.ops_run > 0) opts.on_end(r, o);
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
