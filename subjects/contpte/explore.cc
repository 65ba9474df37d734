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

void spread(std::vector<size_t>* points, size_t n) {
  const size_t size = points->size();
  if (size <= n) return;
  std::vector<size_t> out = {(*points)[0], (*points)[1]};
  for (size_t i = 1; i + 2 < n; ++i) out.push_back((*points)[1 + i * (size - 2) / (n - 2)]);
  out.push_back(points->back());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  *points = std::move(out);
}

bool touches_entry(const LogRec& r) {
  return r.prim == Prim::kRead || r.prim == Prim::kWrite || r.prim == Prim::kXchg ||
         r.prim == Prim::kCmpxchg;
}

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
    std::vector<size_t> points;
    bool pending = false;  // a covering invalidation waits for a DSB
    for (size_t k = 0; k < prims_.size(); ++k) {
      const LogRec& r = *prims_[k];
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
      std::vector<size_t> edges;  // (`points` indexes prims_)
      auto kind = [&](size_t j) { return prims_[points[j]]->prim; };
      for (size_t j = 0; j < points.size(); ++j) {
        const bool first = j == 0 || kind(j) != kind(j - 1);
        const bool second = j >= 1 && !first && (j == 1 || kind(j - 1) != kind(j - 2));
        const bool last = j + 1 == points.size() || kind(j) != kind(j + 1);
        if (first || second || last) edges.push_back(points[j]);
      }
      points = std::move(edges);
    }
    spread(&points, run_edges ? kMaxReaderPoints : kMaxPoints);
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

bool before(const Candidate* a, const Candidate* b) {
  if (a->op != b->op) return a->op < b->op;
  return a->event.get(Field::kPrim) < b->event.get(Field::kPrim);
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
  res.candidates = cands.size();
  res.schedules = 1;
  if (!base.error.empty() || base.diverged()) {
    res.error = base.error;
    res.found = base.diverged();
    res.failing = base.effective;
    res.result = std::move(base);
    res.complete = true;
    return res;
  }
  RunOptions o = opts.run;
  o.stop_at_first = true;
  o.keep_trace = false;
  Executor ex(o);
  // Runs one schedule; true when the search stops (found, or out of budget).
  auto run = [&](std::span<const Candidate* const> evs) {
    if (opts.max_schedules != 0 && res.schedules >= opts.max_schedules) return true;
    ++res.schedules;
    RunResult r = ex.run(with_events(base.effective, evs));
    if (!r.diverged()) return false;
    res.found = true;
    res.failing = r.effective;
    res.result = std::move(r);
    return true;
  };
  for (const Candidate& c : cands) {
    const Candidate* one[] = {&c};
    if (run(one)) return res;
  }
  if (opts.bound >= 2) {
    // Pairs of events in one op. Events of different ops interact only
    // through the state between the ops, which single events already reach.
    for (size_t a = 0; a < cands.size(); ++a) {
      for (size_t b = a + 1; b < cands.size() && cands[b].op == cands[a].op; ++b) {
        const Candidate* two[] = {&cands[a], &cands[b]};
        if (before(two[1], two[0])) std::swap(two[0], two[1]);
        if (run(two)) return res;
      }
    }
  }
  res.complete = true;
  return res;
}

}  // namespace ptediff
