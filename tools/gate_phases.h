// ptediff: the phases `ptediff gate` runs for one subject (build, programs,
// race, mutants, fuzz, base) and the classification of what they found
// (docs/DESIGN.md §6.7).
#ifndef PTEDIFF_TOOLS_GATE_PHASES_H_
#define PTEDIFF_TOOLS_GATE_PHASES_H_

#include <filesystem>
#include <vector>

#include "report/gate.h"
#include "subjects/program_files.h"
#include "tools/gate_command.h"
#include "tools/kernel_build.h"

namespace ptediff {

// The most seconds each phase of one subject may take (a phase that reaches
// its share stops with a note; the fuzz phase has its share of --seconds).
inline constexpr int kGateRaceSeconds = 30;
inline constexpr int kGateMutantSeconds = 300;
// The most schedules the race pass explores per program.
inline constexpr uint64_t kGateSchedulesPerProgram = 2000;
// A single run of a program on the tree's code that takes longer hangs.
inline constexpr int kGateRunTimeout = 20;

// What one subject's gate works with.
struct GateSubjectRun {
  const GateArgs& args;
  std::string tree_dir, base_dir;  // the trees as folders (a tarball unpacked)
  KernelBuilder& builder;
  const Subject& subject;
  const std::vector<ProgramFile>& shipped;  // every shipped program (of every subject)
  std::filesystem::path out;                // DIR/<subject>/
  int fuzz_seconds = 0;
  bool programs = true, race = true, mutants = true;  // the optional phases to run
};

// Runs every phase for `run.subject` and fills *out.
void run_gate_subject(const GateSubjectRun& run, GateSubject* out);

// One row of kernel/known_bugs.tsv.
struct KnownBug {
  std::string subject, cls, commit, title, repro, fix;  // fix: "-" when no fix edit
};
// The known upstream bugs of `subject`, from the table under `root`.
std::vector<KnownBug> known_bugs(const std::filesystem::path& root, const Subject& subject);

}  // namespace ptediff

#endif  // PTEDIFF_TOOLS_GATE_PHASES_H_
