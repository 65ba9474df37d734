// ptediff: `ptediff gate` (the pre-merge verdict on a Linux tree: builds the
// tree's own page-table code of every subject it holds, runs every shipped
// program, a race pass, the source-level mutants and a fuzzing budget on it,
// minimizes what it finds and classifies it against a base tree and the known
// upstream bugs; docs/DESIGN.md §6.7).
#ifndef PTEDIFF_TOOLS_GATE_COMMAND_H_
#define PTEDIFF_TOOLS_GATE_COMMAND_H_

#include <string>

namespace ptediff {

struct GateArgs {
  std::string tree;                      // --tree: the patched tree (folder or tarball)
  std::string base;                      // --base: the tree it is based on ("" none)
  int seconds = 60;                      // --seconds: the fuzzing budget, split across subjects
  int jobs = 1;                          // --jobs: parallel fuzz jobs and mutant builds
  std::string out_dir = "ptediff-gate";  // -o: where minimized findings and reports go
  std::string format = "text";           // --format: text, ktap, junit or json
  std::string subject;                   // --subject: only this one ("" every subject)
  // --phases: the optional phases to run, of programs, race, mutants and
  // fuzz (building, the base and the known bugs always run; the race pass
  // and the mutants need the programs' verdicts, so they run programs too).
  std::string phases = "programs,race,mutants,fuzz";
  std::string self_path;  // argv[0], to find the shim and the fuzz targets
};

// Runs the gate and prints its report in args.format on stdout (progress on
// stderr). Returns 0 (no finding fails the gate), 1 (one does: new over the
// base, or without a base one that is not a known upstream bug) or 2 (the
// gate could not run: a bad flag or tree, a build that failed; one line says
// why).
int run_gate(const GateArgs& args);

}  // namespace ptediff

#endif  // PTEDIFF_TOOLS_GATE_COMMAND_H_
