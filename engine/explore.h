// ptediff engine: systematic exploration of mid-op events, the parts every
// subject shares (docs/DESIGN.md §5.8).
//
// A subject runs its program once without events and, from O's log of each
// op, lists candidate events. An event commutes with every primitive that
// touches neither the entries it looks at nor their TLB entries, so it is
// tried only right before the primitives that do (interference_points). The
// schedules are then every candidate alone and, with a bound of 2, every
// pair of candidates of one op (run_schedules): events of different ops
// interact only through the state between the ops, which single events
// already reach. A preemption-bounded search in the spirit of CHESS.
#ifndef PTEDIFF_ENGINE_EXPLORE_H_
#define PTEDIFF_ENGINE_EXPLORE_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "mmu/machine.h"
#include "mmu/tlb.h"

namespace ptediff {

// Whether a record reads or writes an entry.
inline bool touches_entry(const LogRec& r) {
  return r.prim == Prim::kRead || r.prim == Prim::kWrite || r.prim == Prim::kXchg ||
         r.prim == Prim::kCmpxchg;
}

// Keeps at most n of the (sorted) points: the first two and the last, the
// others spread evenly between them.
inline void spread_points(std::vector<size_t>* points, size_t n) {
  const size_t size = points->size();
  if (size <= n) return;
  std::vector<size_t> out = {(*points)[0], (*points)[1]};
  for (size_t i = 1; i + 2 < n; ++i) out.push_back((*points)[1 + i * (size - 2) / (n - 2)]);
  out.push_back(points->back());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  *points = std::move(out);
}

// The points (indexes into `prims`, an op's backend primitives in order)
// where an event aimed at the entries [lo, hi) of mm matters: before every
// primitive reading or writing one of them or invalidating a translation of
// them, and before the DSB completing such an invalidation. With
// `run_edges` (a reader of a whole range, whose passes see every state of
// it), only before the first two and the last of each run of one kind of
// primitive: a range half cleared looks alike whichever entry goes next. At
// most `max_points` of them, spread evenly (spread_points).
inline std::vector<size_t> interference_points(std::span<const LogRec* const> prims, uint32_t mm,
                                               uint64_t lo, uint64_t hi, bool run_edges,
                                               size_t max_points) {
  std::vector<size_t> points;
  bool pending = false;  // a covering invalidation waits for a DSB
  for (size_t k = 0; k < prims.size(); ++k) {
    const LogRec& r = *prims[k];
    bool hit = touches_entry(r) && r.mm == mm && r.addr >= lo && r.addr < hi;
    if (r.prim == Prim::kFlushMm || r.prim == Prim::kFlushRange) {
      hit = r.mm == mm &&
            (r.prim == Prim::kFlushMm || range_hits(r.addr, r.end, r.stride, lo, hi - lo));
      pending |= hit && !r.sync;
    } else if (r.prim == Prim::kDsb) {
      hit = pending;
      pending = false;
    }
    if (hit) points.push_back(k);
  }
  if (run_edges) {
    std::vector<size_t> edges;  // (`points` indexes prims)
    auto kind = [&](size_t j) { return prims[points[j]]->prim; };
    for (size_t j = 0; j < points.size(); ++j) {
      const bool first = j == 0 || kind(j) != kind(j - 1);
      const bool second = j >= 1 && !first && (j == 1 || kind(j - 1) != kind(j - 2));
      const bool last = j + 1 == points.size() || kind(j) != kind(j + 1);
      if (first || second || last) edges.push_back(points[j]);
    }
    points = std::move(edges);
  }
  spread_points(&points, max_points);
  return points;
}

// What a search is asked: the subject's run options (backends and mutant;
// stop_at_first is forced on), the bound and a budget.
template <typename RunOptionsT>
struct ExploreOptionsOf {
  RunOptionsT run;
  int bound = 1;  // events per schedule: 1 or 2
  // Stop after this many schedules (0: no limit); the result's `complete`
  // says whether the space was exhausted.
  uint64_t max_schedules = 0;
};

// What a search found, in a subject's program and run types.
template <typename ProgramT, typename RunResultT>
struct ExploreResultOf {
  std::string error;        // setup failure (exit status 2)
  uint64_t candidates = 0;  // single events tried
  uint64_t schedules = 0;   // schedules run (the run without events included)
  bool complete = false;    // every schedule within the bound was run
  bool found = false;       // a schedule diverged
  ProgramT failing;         // its program (events included)
  RunResultT result;        // and its run

  // Takes the run of `program` without events, which gave `n` candidate
  // events: a setup error, or a divergence with no event at all, ends the
  // search before it starts (returns true).
  bool start(const ProgramT& program, RunResultT&& base, uint64_t n) {
    candidates = n;
    schedules = 1;
    if (base.error.empty() && !base.diverged()) return false;
    error = base.error;
    found = base.diverged();
    failing = program;
    result = std::move(base);
    complete = true;
    return true;
  }
};

// One candidate event: the op it fires in (its index in the program without
// events) and the event.
template <typename EventT>
struct CandidateOf {
  size_t op;
  EventT event;
};

// How a search over schedules ended.
enum class SearchEnd : uint8_t {
  kComplete,  // every schedule within the bound ran clean
  kFound,     // a schedule diverged
  kBudget,    // stopped at the schedule budget
};

// Runs the schedules of `cands` (sorted by op): each candidate alone, then,
// with `bound` 2, every pair of candidates of one op, in firing order
// (`op_of(c)`, `prim_of(c)`). `run(std::span<const C* const>)` runs one
// schedule and returns whether it diverged. *schedules counts the runs; no
// run starts once it reaches `max_schedules` (0: no limit).
template <typename C, typename OpOf, typename PrimOf, typename Run>
SearchEnd run_schedules(std::span<const C> cands, int bound, uint64_t max_schedules,
                        uint64_t* schedules, OpOf&& op_of, PrimOf&& prim_of, Run&& run) {
  auto one = [&](std::span<const C* const> evs) {
    if (max_schedules != 0 && *schedules >= max_schedules) return SearchEnd::kBudget;
    ++*schedules;
    return run(evs) ? SearchEnd::kFound : SearchEnd::kComplete;
  };
  for (const C& c : cands) {
    const C* single[] = {&c};
    if (const SearchEnd e = one(single); e != SearchEnd::kComplete) return e;
  }
  if (bound < 2) return SearchEnd::kComplete;
  for (size_t a = 0; a < cands.size(); ++a) {
    for (size_t b = a + 1; b < cands.size() && op_of(cands[b]) == op_of(cands[a]); ++b) {
      const C* two[] = {&cands[a], &cands[b]};
      if (prim_of(cands[b]) < prim_of(cands[a])) std::swap(two[0], two[1]);
      if (const SearchEnd e = one(two); e != SearchEnd::kComplete) return e;
    }
  }
  return SearchEnd::kComplete;
}

}  // namespace ptediff

#endif  // PTEDIFF_ENGINE_EXPLORE_H_
