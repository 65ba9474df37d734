// ptediff bench: the fork / munmap workloads (see workload.h).
#include "bench/workload.h"

#include "absl/strings/str_cat.h"
#include "subjects/contpte/executor.h"
#include "subjects/contpte/backends.h"

namespace ptediff::bench {
namespace {

Counters minus(const Counters& a, const Counters& b) {
  return {a.reads - b.reads, a.writes - b.writes, a.atomics - b.atomics, a.tlbis - b.tlbis,
          a.dsbs - b.dsbs};
}

Op make_op(OpKind kind, std::initializer_list<std::pair<Field, uint64_t>> fields) {
  Op op;
  op.kind = kind;
  for (const auto& [f, v] : fields) op.set(f, v);
  return op;
}

}  // namespace

const char* flow_name(Flow f) { return f == Flow::kFork ? "fork" : "munmap"; }

uint64_t region_pages(const Workload& w) {
  return static_cast<uint64_t>(w.tables) * ptediff_geometry_of(w.granule).ptrs_per_pte;
}

uint64_t total(const Counters& c) { return c.reads + c.writes + c.atomics + c.tlbis + c.dsbs; }

Program workload_program(const Workload& w, Profile profile) {
  const ptediff_geometry geo = ptediff_geometry_of(w.granule);
  const uint64_t pages = region_pages(w);
  const uint64_t folio_pages = 1ULL << w.order;
  Program p;
  p.header.granule = w.granule;
  p.header.hafdbs = true;
  p.header.profile = profile;
  // do_anonymous_page of a write fault: writable, dirty, young, low memory.
  for (uint64_t page = 0; page < pages; page += folio_pages) {
    p.ops.push_back(make_op(OpKind::kFault, {{Field::kMm, kUserMm},
                                             {Field::kVa, page << geo.page_shift},
                                             {Field::kOrder, w.order},
                                             {Field::kWrite, 1}}));
  }
  if (w.flow == Flow::kFork) {
    p.ops.push_back(make_op(OpKind::kFork, {{Field::kVa, 0}, {Field::kNr, pages}}));
  } else {
    // munmap, not exit: the mmu_gather is not fullmm.
    p.ops.push_back(
        make_op(OpKind::kZap,
                {{Field::kMm, kUserMm}, {Field::kVa, 0}, {Field::kNr, pages}, {Field::kFull, 0}}));
  }
  return p;
}

FlowCost measure(const Workload& w, Profile profile, const std::string& mutant,
                 const ptediff_backend* opt_backend) {
  const Program program = workload_program(w, profile);
  const size_t n = program.ops.size();
  FlowCost out;
  Counters ref_before, opt_before;
  RunOptions opts;
  opts.mutant = mutant;
  opts.opt = opt_backend;
  opts.window_tables = w.tables;
  opts.stop_at_first = false;
  opts.on_step = [&](size_t index, const Prepared&, const std::vector<Ret>&,
                     const std::vector<Ret>&, const Machine& ref, const Machine& opt) {
    if (index + 2 == n) {
      ref_before = ref.counters();
      opt_before = opt.counters();
    }
  };
  Executor ex(with_builtin_backends(opts));
  const RunResult res = ex.run(program);
  out.divergences = res.divergences.size();
  if (!res.error.empty()) {
    out.error = res.error;
  } else if (res.skipped != 0 || res.effective.ops.size() != n) {
    out.error = absl::StrCat(res.skipped, " of ", n, " ops skipped: the region is not as built");
  } else {
    out.ref = minus(res.ref_cost, ref_before);
    out.opt = minus(res.opt_cost, opt_before);
    out.pages = res.effective.ops.back().get(Field::kNr);
  }
  return out;
}

}  // namespace ptediff::bench
