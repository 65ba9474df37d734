// ptediff hugetlb: the differential executor of the hugetlb subject.
//
// Runs a program's ops on the reference (R) and the optimized backend (O),
// each on its own machine through the same flows (flows.h), and hands every
// op to the subject's oracle (oracle.h), which checks the program's huge
// pages; an op with mid-op events is judged by its linearizations
// (interleave.h).
#ifndef PTEDIFF_SUBJECTS_HUGETLB_EXECUTOR_H_
#define PTEDIFF_SUBJECTS_HUGETLB_EXECUTOR_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/run.h"
#include "oracle/divergence.h"
#include "subjects/hugetlb/flows.h"
#include "subjects/hugetlb/interleave.h"
#include "subjects/hugetlb/program.h"

namespace ptediff::hugetlb {

// RunOptionsBase::mutant overrides the program's header when non-empty.
struct RunOptions : RunOptionsBase {
  // O: the built-in arm64 backend (nullptr), or another v2 backend (an
  // external library, the reference), which is told a mutant only when
  // `mutant` asks for one other than "none" (never the program header's).
  const ptediff_backend_v2* opt = nullptr;
  // Called after every op with both sides.
  std::function<void(size_t index, const Side& ref, const Side& opt)> on_step;
  // Called after an op with mid-op events (before on_step) with what each did.
  std::function<void(size_t index, const std::vector<EventRecord>& events)> on_events;
  // Called once after the run with both sides (their final state), unless
  // no op ran.
  std::function<void(const Side& ref, const Side& opt)> on_end;
  // Look at every named page after every op (the oracle's checks, the trace
  // hash) instead of at those the op may have changed: the same verdicts
  // and hash, slower; for tests that compare the two ways.
  bool every_page = false;
  // Record entry reads in the machines' logs (the evidence of a divergence
  // lists them; explain numbers O's primitives by them). The verdicts and
  // the trace hash are the same either way: a check that needs them
  // (check_bbm, rarely) has the run made again with them. Off is for
  // throughput (the fuzz session); on_step, on_events and on_end imply on.
  bool log_reads = true;
};

// error: an unknown mutant, a backend refusing its options.
using RunResult = RunResultBase;

// Runs `program` (every op valid: parse_program and decode_program make
// sure). Machines are built once per hstate and thread and reset per run,
// so nothing of one run reaches the next. An op costs what it touches, not
// what the program named before it (pages.h).
RunResult run_program(const Program& program, const RunOptions& opts = {});

// One line per divergence with the op's text, then (`with_program`) the
// program as a .repro.
std::string format_report(const RunResult& result, const Program& program,
                          bool with_program = true);

// The huge page at (mm, va) as huge_ptep_get would see it on `m` (no log):
// its first entry, young and dirty gathered over the range when present.
pte_t gathered_entry(const Machine& m, const HState& h, uint32_t mm, uint64_t va);

// A hugetlb entry for people: "valid CONT pfn=0x10 young dirty rw",
// "migration-write pfn=0x10 young", "none".
std::string describe_huge_entry(const ptediff_geometry& g, pte_t e);

}  // namespace ptediff::hugetlb

#endif  // PTEDIFF_SUBJECTS_HUGETLB_EXECUTOR_H_
