// ptediff hugetlb: systematic exploration of mid-op events (see explore.h).
#include "subjects/hugetlb/explore.h"

#include <algorithm>
#include <span>
#include <utility>

#include "subjects/hugetlb/mutants.h"

namespace ptediff::hugetlb {
namespace {

// Entries and huge pages of one op that events are aimed at: accesses at
// the first and the last entries the op writes (a CONT_PMD range of 16K
// pages has 32, fork and migrate touch both mms), walks at its first pages.
constexpr size_t kEntriesAtEachEnd = 4;
constexpr size_t kMaxPagesPerOp = 2;
// Points per event of one op: a long op gets them spread evenly.
constexpr size_t kMaxPoints = 8;

// The candidates of op `op` from O's log of it.
void op_candidates(const HState& h, const std::vector<LogRec>& log, size_t op,
                   std::vector<Candidate>* out) {
  // The primitives the interleaver numbers: the backend's (fault's racing
  // write goes through the hardware agent's access, no primitive).
  std::vector<const LogRec*> prims;
  for (const LogRec& r : log) {
    if (r.agent == Agent::kBackend && r.prim != Prim::kHw) prims.push_back(&r);
  }
  std::vector<std::pair<uint32_t, uint64_t>> written, pages;
  for (const LogRec* r : prims) {
    if (!touches_entry(*r) || r->prim == Prim::kRead || !r->ok || r->level != h.level) continue;
    const std::pair<uint32_t, uint64_t> e{r->mm, r->addr}, p{r->mm, r->addr / h.bytes * h.bytes};
    if (std::find(written.begin(), written.end(), e) == written.end()) written.push_back(e);
    if (pages.size() < kMaxPagesPerOp && std::find(pages.begin(), pages.end(), p) == pages.end()) {
      pages.push_back(p);
    }
  }
  if (written.size() > 2 * kEntriesAtEachEnd) {
    written.erase(written.begin() + kEntriesAtEachEnd, written.end() - kEntriesAtEachEnd);
  }
  auto at_points = [&](uint32_t mm, uint64_t va, const Event& ev) {
    for (size_t k : interference_points(prims, mm, va, va + h.pgsize, false, kMaxPoints)) {
      // A schedule must replay from its text, which names primitives up to
      // kMaxEventPrim.
      if (k > kMaxEventPrim) continue;
      Candidate& c = out->emplace_back(Candidate{op, ev});
      c.event.prim = static_cast<uint32_t>(k);
      c.event.mm = mm;
      c.event.va = va;
    }
  };
  for (const auto& [mm, va] : written) {
    // The update lands on this entry of its range.
    const auto pick = static_cast<uint32_t>(va % h.bytes / h.pgsize);
    for (AccessKind kind : {AccessKind::kWrite, AccessKind::kRead}) {
      at_points(mm, va, Event{.kind = HwEventKind::kAccess, .access = kind, .pick = pick});
    }
  }
  for (const auto& [mm, va] : pages) {
    at_points(mm, va, Event{.kind = HwEventKind::kTlbFill, .block = true});
  }
}

// `program` with the events `evs` (sorted by op, then prim) under their ops.
Program with_events(const Program& program, std::span<const Candidate* const> evs) {
  Program p = program;
  for (const Candidate* c : evs) p.ops[c->op].events.push_back(c->event);
  return p;
}

}  // namespace

std::vector<Candidate> explore_candidates(const Program& program, const RunOptions& run,
                                          RunResult* base) {
  RunOptions o = run;
  o.stop_at_first = true;
  std::vector<std::vector<LogRec>> logs;
  o.on_step = [&](size_t, const Side&, const Side& opt) { logs.push_back(opt.machine().log()); };
  *base = run_program(program, o);
  std::vector<Candidate> out;
  const HState h = hstate_of(program.granule, program.size);
  for (size_t i = 0; i < logs.size(); ++i) op_candidates(h, logs[i], i, &out);
  return out;
}

ExploreResult explore(const Program& program, const ExploreOptions& opts) {
  ExploreResult res;
  Program bare = program;
  for (Op& op : bare.ops) op.events.clear();
  // The failing schedule's repro names the mutant it ran under.
  if (Mutant m; !opts.run.mutant.empty() && find_mutant(opts.run.mutant, &m)) {
    bare.mutant = opts.run.mutant;
  }
  RunResult base;
  const std::vector<Candidate> cands = explore_candidates(bare, opts.run, &base);
  if (res.start(bare, std::move(base), cands.size())) return res;
  RunOptions o = opts.run;
  o.stop_at_first = true;
  const SearchEnd end = run_schedules(
      std::span<const Candidate>(cands), opts.bound, opts.max_schedules, &res.schedules,
      [](const Candidate& c) { return c.op; }, [](const Candidate& c) { return c.event.prim; },
      [&](std::span<const Candidate* const> evs) {
        Program p = with_events(bare, evs);
        RunResult r = run_program(p, o);
        if (!r.diverged()) return false;
        res.found = true;
        res.failing = std::move(p);
        res.result = std::move(r);
        return true;
      });
  res.complete = end == SearchEnd::kComplete;
  return res;
}

}  // namespace ptediff::hugetlb
