// ptediff: the differential executor.
//
// Runs a program on the reference backend (R) and the optimized backend (O),
// each on its own simulated machine over one shared set of folios, repairs
// each op against R's state, runs it on both sides and checks the
// conformance relation after every op. Owns no global state. An Executor
// keeps its machines, folios and envelope per granule and resets them at the
// start of every run (fuzzing runs millions of short programs; building
// machines each time cost more than running most of them), so a run's result
// never depends on what the Executor ran before (executor_test checks this).
#ifndef PTEDIFF_SUBJECTS_CONTPTE_EXECUTOR_H_
#define PTEDIFF_SUBJECTS_CONTPTE_EXECUTOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/run.h"
#include "mmu/machine.h"
#include "oracle/divergence.h"
#include "subjects/contpte/flows.h"
#include "subjects/contpte/interleave.h"
#include "subjects/contpte/oracle.h"
#include "subjects/contpte/program.h"
#include "subjects/contpte/text.h"

namespace ptediff {

// RunOptionsBase::mutant overrides the program header's mutant when
// non-empty; any O but the built-in one gets "none" when it is empty, not the
// header's.
struct RunOptions : RunOptionsBase {
  // The backends run as O and R. Both are required: a run without them is a
  // setup error. with_builtin_backends (subjects/contpte/backends.h) fills
  // the built-in optimized and reference backends.
  const ptediff_backend* opt = nullptr;
  const ptediff_backend* ref = nullptr;
  // Whether O is the built-in contpte backend, whose mutant catalogue the
  // program header's `mutant` names (set by with_builtin_backends).
  bool opt_takes_header_mutant = false;
  uint32_t window_tables = kDefaultWindowTables;
  bool keep_trace = false;  // record per-op rets and logs (explain)
  // Record entry reads in the op logs (divergence reports list them). No
  // check reads them, and the trace hash is the same either way; off is
  // for throughput (fuzz targets, benchmarks), which re-run a diverging
  // input with reads on for its report. keep_trace and on_step imply on.
  bool log_reads = true;
  // Text runs as written: an op the repair step would rewrite or skip stops
  // the run (RunResult::rejected) instead. Binary inputs leave it off.
  bool as_written = false;
  // Called after every executed op (explain's step-by-step trace).
  std::function<void(size_t index, const Prepared& op, const std::vector<Ret>& ref_rets,
                     const std::vector<Ret>& opt_rets, const Machine& ref, const Machine& opt)>
      on_step;
  // Called before on_step for an op with mid-op events: the events as fired,
  // what they did on O and on R in the linearization judged.
  std::function<void(size_t index, std::span<const Op> events,
                     const std::vector<EventOutcome>& opt_events,
                     const std::vector<RefEvent>& ref_events)>
      on_events;
};

// Fold statistics over O's user mms at the end of a run.
struct FoldStats {
  uint64_t eligible = 0;  // blocks foldable in R
  uint64_t folded = 0;    // ... that are valid+CONT in O
};

// One op as executed (kept only with RunOptions::keep_trace).
struct TraceStep {
  Prepared prepared;
  std::vector<Ret> ref_rets, opt_rets;
  std::vector<LogRec> ref_log, opt_log;
  // Mid-op events (as fired: prim is where), what they did on O, and on R
  // in the linearization the op was judged on.
  std::vector<Op> events;
  std::vector<EventOutcome> opt_events;
  std::vector<RefEvent> ref_events;
};

// error: a setup failure (no backends, bad backend options). ops_run counts
// the ops of `effective` that are not mid-op events.
struct RunResult : RunResultBase {
  Program effective;  // the repaired program: its text form replays this run
  size_t decoded_ops = 0;
  size_t skipped = 0;  // ops that could not be made legal
  Counters ref_cost, opt_cost;
  FoldStats folds;
  // With RunOptions::as_written: the first op that does not run as written
  // (index into the input program) and why; rejected_op is SIZE_MAX if none.
  size_t rejected_op = SIZE_MAX;
  std::string rejected;
  std::vector<TraceStep> trace;
};

// Runs `program`. The final machines are kept for inspection (state dumps).
class Executor {
 public:
  explicit Executor(RunOptions opts = {});
  ~Executor();
  RunResult run(const Program& program);

  // The machines of the last run (valid until the next run).
  const Machine* ref_machine() const { return ref_; }
  const Machine* opt_machine() const { return opt_; }

 private:
  // The world of one granule, reused by every run of that granule.
  struct World {
    std::unique_ptr<FolioMap> folios;
    std::unique_ptr<Machine> ref, opt;
    std::unique_ptr<Oracle> oracle;
  };
  // Tears down the last run's backends (their fini) and forgets them.
  void fini_backends();
  // The reset world of `granule`, built on first use.
  World& world(const ptediff_geometry& geo, uint32_t features);
  // Selects and resets the world of `program` and initialises both backends
  // with O's options; false (with res->error) on a setup error.
  bool start_run(const Program& program, const std::string& mutant, RunResult* res);
  // Repairs and runs input op `in_index` on R and O and asks the oracle;
  // returns false when the run stops after it. `events` are the mid-op
  // events listed under it (the input ops after it).
  bool step(const Program& program, size_t in_index, std::span<const Op> events, RunResult* res);
  // The same for an op with mid-op events (docs/DESIGN.md §5.7): O runs once
  // under an Interleaver, R once per linearization until the oracle finds
  // one clean. Returns the op's divergences.
  std::vector<Divergence> step_events(const Prepared& p, std::span<const Op> events, size_t idx,
                                      RunResult* res);
  // Makes linearization `mask` of the op on R (bit j set: event placed[j]
  // placed just after R's op, else just before), running R's op from its
  // state before the op, and hands each step to the oracle, which judges it
  // (Oracle::judge_event, judge_linearization); appends divergences and
  // returns whether the linearization is clean.
  bool run_linearization(const Prepared& p, size_t idx, const EventRun& run,
                         const std::vector<size_t>& placed, uint32_t mask,
                         std::vector<RefEvent>* ref_events, std::vector<Divergence>* divs);
  // Makes event `ev` on R and says what it did there (the oracle judges it).
  RefEvent make_on_ref(const Op& ev, bool after);
  // The trace hash and traces of one executed op.
  void record_step(const Prepared& p, size_t idx, std::span<const Op> events,
                   const std::vector<EventOutcome>* outs, const std::vector<RefEvent>* ref_events,
                   const std::vector<Divergence>& divs, RunResult* res);
  // Fold statistics over O's user mms at the end of a run.
  FoldStats fold_stats() const;

  RunOptions opts_;
  World worlds_[3];         // by ptediff_granule
  World* world_ = nullptr;  // the last run's
  FolioMap* folios_ = nullptr;
  Machine* ref_ = nullptr;
  Machine* opt_ = nullptr;
  const ptediff_backend* ref_be_ = nullptr;
  const ptediff_backend* opt_be_ = nullptr;
  // Per-op buffers reused from op to op, and the running trace hash.
  std::vector<Ret> rrets_, orets_;
  Prepared prepared_;
  uint64_t hash_ = 0;
};

// The backend options string for O from a header ("profile=fold mutant=none").
std::string backend_options(const Header& h, const std::string& mutant_override);

// Parses repro text that must run as written: a parse error, or an op that
// is illegal in the state the ops before it leave (one the repair step of a
// binary input would rewrite or skip), fails with `file:line: message`.
// `backends` supplies R and O (RunOptions::ref, opt); only R's state matters.
bool parse_repro_as_written(std::string_view text, std::string_view file,
                            const RunOptions& backends, Program* out, ParseError* err);

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_EXECUTOR_H_
