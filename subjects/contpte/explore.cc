// ptediff: systematic exploration of mid-op interleavings (see explore.h).
#include "subjects/contpte/explore.h"

#include <algorithm>
#include <span>

#include "subjects/contpte/block.h"

namespace ptediff {
namespace {

// Entries and blocks of one op that events are aimed at: hardware accesses
// at the first and the last entries the op writes (a whole-window flow
// would otherwise give thousands), walks and readers at its first blocks.
constexpr size_t kEntriesAtEachEnd = 4;
constexpr size_t kMaxBlocksPerOp = 2;

// Points per event of one op: a long op (a flow over many entries) gets
// them spread evenly, its first two and last always among them.
constexpr size_t kMaxPoints = 8;
constexpr size_t kMaxReaderPoints = 12;

// The candidates of one op from O's log of it (backend records only).
class OpCandidates {
 public:
  OpCandidates(const ptediff_geometry& g, const TraceStep& step, size_t op,
               std::vector<Candidate>* out)
      : g_(g), op_(op), out_(out) {
    for (const LogRec& r : step.opt_log) {
      if (r.agent == Agent::kBackend) prims_.push_back(&r);
    }
    target_ = step.prepared.op.get(Field::kVa);
  }

  void generate() {
    std::vector<std::pair<uint32_t, uint64_t>> written, blocks;
    for (const LogRec* r : prims_) {
      if (!touches_entry(*r) || r->prim == Prim::kRead || !r->ok) continue;
      const std::pair<uint32_t, uint64_t> e{r->mm, r->addr};
      const std::pair<uint32_t, uint64_t> b{r->mm, r->addr & ~(block_bytes(g_) - 1)};
      if (std::find(written.begin(), written.end(), e) == written.end()) written.push_back(e);
      if (blocks.size() < kMaxBlocksPerOp &&
          std::find(blocks.begin(), blocks.end(), b) == blocks.end()) {
        blocks.push_back(b);
      }
    }
    if (written.size() > 2 * kEntriesAtEachEnd) {
      written.erase(written.begin() + kEntriesAtEachEnd, written.end() - kEntriesAtEachEnd);
    }
    const uint64_t page = page_bytes(g_), bsize = block_bytes(g_);
    for (const auto& [mm, va] : written) {
      const uint32_t pick = static_cast<uint32_t>((va / page) % g_.cont_ptes);
      for (AccessKind kind : {AccessKind::kWrite, AccessKind::kRead}) {
        at_points(
            mm, va, va + page,
            [&](Op* ev) {
              ev->kind = OpKind::kEvAccess;
              ev->set(Field::kKind, static_cast<uint64_t>(kind));
              ev->set(Field::kPick, pick);
            },
            va);
      }
    }
    for (const auto& [mm, b0] : blocks) {
      at_points(
          mm, b0, b0 + page,
          [&](Op* ev) {
            ev->kind = OpKind::kEvTlbFill;
            ev->set(Field::kBlock, 1);
          },
          b0);
      std::vector<uint64_t> readers = {b0, b0 + bsize - page};
      if (target_ >= b0 && target_ < b0 + bsize && target_ != b0 && target_ != b0 + bsize - page) {
        readers.push_back(target_);
      }
      for (uint64_t va : readers) {
        at_points(
            mm, b0, b0 + bsize, [&](Op* ev) { ev->kind = OpKind::kEvLockless; }, va,
            /*run_edges=*/true);
      }
    }
  }

 private:
  // Adds the event `fill` makes at (mm, va), before every primitive touching
  // an entry of [lo, hi) of mm or invalidating a translation of it (and the
  // DSB completing that). (After the op, an event is an op of its own.) With
  // `run_edges` (a reader of a whole block, whose passes see every state of
  // it), only at the edges of runs of one kind of primitive: before its
  // first two and its last (a block half cleared looks alike to a reader
  // whichever entry is cleared next).
  template <typename Fill>
  void at_points(uint32_t mm, uint64_t lo, uint64_t hi, Fill fill, uint64_t va,
                 bool run_edges = false) {
    const std::vector<size_t> points = interference_points(
        prims_, mm, lo, hi, run_edges, run_edges ? kMaxReaderPoints : kMaxPoints);
    for (size_t k : points) {
      // A schedule must replay from its text: a primitive past the last one
      // a .repro can name (kMaxEventPrim) is no point to try.
      if (k > kMaxEventPrim) continue;
      Candidate& c = out_->emplace_back();
      c.op = op_;
      fill(&c.event);
      c.event.set(Field::kPrim, k);
      c.event.set(Field::kMm, mm);
      c.event.set(Field::kVa, va);
    }
  }

  const ptediff_geometry& g_;
  size_t op_;
  std::vector<Candidate>* out_;
  std::vector<const LogRec*> prims_;
  uint64_t target_ = 0;
};

// `program` with the events `evs` (sorted by op, then prim) under their ops.
Program with_events(const Program& program, std::span<const Candidate* const> evs) {
  Program p;
  p.header = program.header;
  p.ops.reserve(program.ops.size() + evs.size());
  size_t e = 0;
  for (size_t i = 0; i < program.ops.size(); ++i) {
    p.ops.push_back(program.ops[i]);
    for (; e < evs.size() && evs[e]->op == i; ++e) p.ops.push_back(evs[e]->event);
  }
  return p;
}

}  // namespace

std::vector<Candidate> explore_candidates(const Program& program, const RunOptions& run,
                                          RunResult* base) {
  RunOptions o = run;
  o.keep_trace = true;
  o.stop_at_first = true;
  Executor ex(o);
  *base = ex.run(program);
  std::vector<Candidate> out;
  const ptediff_geometry g = ptediff_geometry_of(program.header.granule);
  for (size_t i = 0; i < base->trace.size(); ++i)
    OpCandidates(g, base->trace[i], i, &out).generate();
  return out;
}

ExploreResult explore(const Program& program, const ExploreOptions& opts) {
  ExploreResult res;
  Program bare;
  bare.header = program.header;
  for (const Op& op : program.ops) {
    if (!is_event(op.kind)) bare.ops.push_back(op);
  }
  RunResult base;
  const std::vector<Candidate> cands = explore_candidates(bare, opts.run, &base);
  if (res.start(base.effective, std::move(base), cands.size())) return res;
  RunOptions o = opts.run;
  o.stop_at_first = true;
  o.keep_trace = false;
  Executor ex(o);
  const SearchEnd end = run_schedules(
      std::span<const Candidate>(cands), opts.bound, opts.max_schedules, &res.schedules,
      [](const Candidate& c) { return c.op; },
      [](const Candidate& c) { return c.event.get(Field::kPrim); },
      [&](std::span<const Candidate* const> evs) {
        RunResult r = ex.run(with_events(base.effective, evs));
        if (!r.diverged()) return false;
        res.found = true;
        res.failing = r.effective;
        res.result = std::move(r);
        return true;
      });
  res.complete = end == SearchEnd::kComplete;
  return res;
}

}  // namespace ptediff
