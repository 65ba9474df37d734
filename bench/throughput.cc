// ptediff bench: checked-op throughput of the differential executor.
//
// BM_RandomPrograms/<granule>: random byte strings decoded as programs
// (fixed seed; the header of each is that granule, FEAT_HAFDBS, profile fold,
// mutant none; mid-op events dropped), each run on both backends with every conformance check, as
// a fuzz iteration does (one Executor, reads not logged). Reports checked ops
// per second (ops the repair step made legal and both sides executed),
// programs per second and the entry primitives behind each op: random ops
// include flows over whole folios and windows.
//
// BM_RandomProgramsWithEvents/<granule>: the same inputs keeping the mid-op
// events they decode to (BM_RandomPrograms drops them).
//
// BM_PerEntryOps/<granule>: the same, for programs of ops that act on one
// entry or at most one contiguous block (raw single-entry API calls, set_ptes
// and faults up to one block, accesses, walks): the per-op cost of the
// checking itself.
//
// BM_FixedProgram/<order>/<mutant>: the cost-table fork workload (4K pages, a
// window of written order-0 or order-9 folios, then fork) run again and again
// with mutant=none (0) or with a dormant mutant selected (1: fold-kernel-mm,
// which never fires on a program without kernel-mm ops). Every mutant is
// compiled in; this measures what the `mutant_is` tests cost a run with the
// mutant off, against a run where one is on but never triggers.
//
// Not a test: run `build/bench/throughput` (google-benchmark flags apply).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bench/workload.h"
#include "subjects/contpte/executor.h"
#include "subjects/contpte/codec.h"
#include "subjects/contpte/text.h"
#include "subjects/contpte/backends.h"

namespace ptediff::bench {
namespace {

constexpr uint64_t kSeed = 0x70746564696666ULL;  // "ptediff"
constexpr size_t kPrograms = 256;                // distinct inputs per granule
constexpr size_t kOpBytes = 512;                 // random bytes after the header
constexpr const char* kDormantMutant = "fold-kernel-mm";

// kPrograms inputs for granule g: the encoded header, then random op bytes.
// Without `events`, the mid-op events they decode to are dropped.
std::vector<Program> random_programs(ptediff_granule g, bool events = false) {
  Program empty;
  empty.header.granule = g;
  const std::vector<uint8_t> header = encode_program(empty);
  std::mt19937_64 rng(kSeed + static_cast<uint64_t>(g));
  std::vector<Program> out;
  for (size_t n = 0; n < kPrograms; ++n) {
    std::vector<uint8_t> in = header;
    for (size_t i = 0; i < kOpBytes; ++i) in.push_back(static_cast<uint8_t>(rng()));
    Program p = decode_program(in);
    if (!events) std::erase_if(p.ops, [](const Op& op) { return is_event(op.kind); });
    out.push_back(std::move(p));
  }
  return out;
}

// kPrograms programs for granule g of 64 ops each that act on one entry or
// at most one contiguous block: the single-entry API calls, set_ptes and
// faults of up to one block, hardware accesses and walks. Operands are
// random; the repair step makes them legal as for any input.
std::vector<Program> per_entry_programs(ptediff_granule g) {
  constexpr OpKind kKinds[] = {OpKind::kFolioAlloc,
                               OpKind::kFault,
                               OpKind::kSetPtes,
                               OpKind::kPtepGet,
                               OpKind::kPtepGetLockless,
                               OpKind::kPteClear,
                               OpKind::kPtepGetAndClear,
                               OpKind::kPtepClearFlush,
                               OpKind::kPtepTestAndClearYoung,
                               OpKind::kPtepClearFlushYoung,
                               OpKind::kPtepSetWrprotect,
                               OpKind::kPtepSetAccessFlags,
                               OpKind::kPtepModifyProt,
                               OpKind::kPteBatchHint,
                               OpKind::kAccess,
                               OpKind::kTlbFill,
                               OpKind::kWpFault};
  const ptediff_geometry geo = ptediff_geometry_of(g);
  const uint64_t window = 2ULL * geo.ptrs_per_pte;
  const uint64_t block_order = static_cast<uint64_t>(__builtin_ctz(geo.cont_ptes));
  std::mt19937_64 rng(kSeed ^ (static_cast<uint64_t>(g) << 8));
  std::vector<Program> out(kPrograms);
  for (Program& p : out) {
    p.header.granule = g;
    for (int i = 0; i < 64; ++i) {
      Op op;
      op.kind = kKinds[rng() % std::size(kKinds)];
      for (size_t f = 0; f < kNumFields; ++f) {
        // `prim` (an event's) and the later operands (none of these kinds
        // takes one) draw nothing: the programs stay those measured before
        // the later operands existed.
        if (f >= static_cast<size_t>(Field::kPrim)) continue;
        op.f[f] = rng() % (field_max(static_cast<Field>(f), geo, window) + 1);
      }
      op.set(Field::kNr, 1 + op.get(Field::kNr) % geo.cont_ptes);
      op.set(Field::kOrder, op.get(Field::kOrder) % (block_order + 1));
      p.ops.push_back(op);
    }
  }
  return out;
}

// Runs programs round-robin on one Executor, as the fuzz target does.
void run_programs(benchmark::State& state, ptediff_granule g,
                  const std::vector<Program>& programs) {
  RunOptions fast;
  fast.log_reads = false;  // as the fuzz target runs
  Executor ex(with_builtin_backends(fast));
  uint64_t ops = 0, decoded = 0, diverged = 0, prims = 0;
  size_t next = 0;
  for (auto _ : state) {
    const RunResult r = ex.run(programs[next]);
    ops += r.effective.ops.size();
    decoded += r.decoded_ops;
    diverged += r.diverged() ? 1 : 0;
    for (const Counters& c : {r.ref_cost, r.opt_cost}) prims += c.reads + c.writes + c.atomics;
    next = (next + 1) % programs.size();
  }
  using C = benchmark::Counter;
  const double n = static_cast<double>(state.iterations());
  state.SetLabel(granule_name(g));
  state.counters["ops/s"] = C(static_cast<double>(ops), C::kIsRate);
  state.counters["programs/s"] = C(n, C::kIsRate);
  state.counters["ops/program"] = C(static_cast<double>(ops) / n);
  state.counters["skipped/program"] = C(static_cast<double>(decoded - ops) / n);
  state.counters["diverged"] = C(static_cast<double>(diverged));
  // Entry accesses (reads, writes, atomics) of both backends: the work behind
  // the ops, which operate on up to a whole window of entries each.
  state.counters["entry-prims/op"] = C(static_cast<double>(prims) / std::max<uint64_t>(ops, 1));
  state.counters["entry-prims/s"] = C(static_cast<double>(prims), C::kIsRate);
}

void BM_RandomPrograms(benchmark::State& state) {
  const auto g = static_cast<ptediff_granule>(state.range(0));
  run_programs(state, g, random_programs(g));
}
BENCHMARK(BM_RandomPrograms)
    ->Arg(PTEDIFF_GRANULE_4K)
    ->Arg(PTEDIFF_GRANULE_16K)
    ->Arg(PTEDIFF_GRANULE_64K)
    ->Unit(benchmark::kMicrosecond);

// The same random inputs with the mid-op events they decode to (about one
// op in eleven): what schedules cost (docs/DESIGN.md §5.7).
void BM_RandomProgramsWithEvents(benchmark::State& state) {
  const auto g = static_cast<ptediff_granule>(state.range(0));
  run_programs(state, g, random_programs(g, true));
}
BENCHMARK(BM_RandomProgramsWithEvents)
    ->Arg(PTEDIFF_GRANULE_4K)
    ->Arg(PTEDIFF_GRANULE_16K)
    ->Arg(PTEDIFF_GRANULE_64K)
    ->Unit(benchmark::kMicrosecond);

void BM_PerEntryOps(benchmark::State& state) {
  const auto g = static_cast<ptediff_granule>(state.range(0));
  run_programs(state, g, per_entry_programs(g));
}
BENCHMARK(BM_PerEntryOps)
    ->Arg(PTEDIFF_GRANULE_4K)
    ->Arg(PTEDIFF_GRANULE_16K)
    ->Arg(PTEDIFF_GRANULE_64K)
    ->Unit(benchmark::kMicrosecond);

void BM_FixedProgram(benchmark::State& state) {
  const Workload w{PTEDIFF_GRANULE_4K, Flow::kFork, static_cast<uint32_t>(state.range(0)), 2};
  const std::string mutant = state.range(1) ? kDormantMutant : "";
  // The dormant mutant must really be dormant: same model cost as none.
  const FlowCost off = measure(w, Profile::kFold), sel = measure(w, Profile::kFold, mutant);
  if (!off.error.empty() || !sel.error.empty() || total(off.opt) != total(sel.opt) ||
      sel.divergences != 0) {
    state.SkipWithError("the selected mutant is not dormant on this program");
    return;
  }
  const Program p = workload_program(w, Profile::kFold);
  RunOptions opts;
  opts.mutant = mutant;
  opts.window_tables = w.tables;
  Executor ex(with_builtin_backends(opts));
  uint64_t ops = 0;
  for (auto _ : state) ops += ex.run(p).effective.ops.size();
  using C = benchmark::Counter;
  state.SetLabel(state.range(1) ? std::string("mutant=") + kDormantMutant : "mutant=none");
  state.counters["ops/s"] = C(static_cast<double>(ops), C::kIsRate);
  state.counters["programs/s"] = C(static_cast<double>(state.iterations()), C::kIsRate);
}
BENCHMARK(BM_FixedProgram)
    ->ArgNames({"order", "mutant"})
    ->ArgsProduct({{0, 9}, {0, 1}})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ptediff::bench

BENCHMARK_MAIN();
