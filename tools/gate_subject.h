// ptediff: the state of `ptediff gate` for one subject, shared by the files
// that run its phases (gate_phases.cc: build, programs, race, mutants, fuzz)
// and classify its findings (gate_classify.cc: minimize, base, known). Not
// used elsewhere: the interface is gate_phases.h.
#ifndef PTEDIFF_TOOLS_GATE_SUBJECT_H_
#define PTEDIFF_TOOLS_GATE_SUBJECT_H_

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tools/gate_phases.h"

namespace ptediff {

using GateClock = std::chrono::steady_clock;

inline double seconds_since(GateClock::time_point t) {
  return std::chrono::duration<double>(GateClock::now() - t).count();
}

// A divergence before it is minimized.
struct Candidate {
  std::string phase, origin;
  std::string text;  // the diverging program (.repro)
  std::string cls, report;
  bool minimized = false;  // `text` is minimal already (the fuzz command's)
  bool on_base = false;    // found on the base tree (a fixed candidate)
};

// A tree's backend of the subject.
struct TreeBackend {
  KernelExtract e;
  std::filesystem::path lib;
  CaseOptions opts;
};

// The gate of one subject, phase by phase.
class GateSubjectState {
 public:
  // Starts with an empty DIR/<subject>/ (the findings of an earlier gate go).
  GateSubjectState(const GateSubjectRun& run, GateSubject* out);

  // Builds the tree's (and the base's) backend; false when the subject does
  // not run (the tree does not hold its file, or the build failed).
  bool build();
  void run_programs();
  void run_race();
  void run_mutants();
  void run_fuzz();
  void minimize_all();
  void classify_against_base();
  void match_known_bugs();
  // Once the findings are classified: a phase whose findings are all known,
  // pre-existing or fixed passes (with a note counting them); one with a
  // finding that fails the gate fails.
  void settle_phases();

 private:
  void progress(const std::string& msg) const {
    std::fprintf(stderr, "ptediff gate: %s: %s\n", run_.subject.name(), msg.c_str());
  }
  GatePhase& phase(const std::string& name) {
    gs_.phases.push_back({.name = name});
    return gs_.phases.back();
  }
  // Builds the backend of `tree` (a folder; `given` is how the user named
  // it) into *tb; false with *why (and *absent when the tree does not hold
  // the subject's file).
  bool build_one(const std::string& tree, const std::string& given, const std::string& label,
                 TreeBackend* tb, std::string* why, bool* absent);
  // The programs that ran clean on the tree, the mutant's own first.
  std::vector<const ProgramFile*> clean_programs(const std::string& first_mutant) const;
  // The body of one mutant's child: "N|why" not applied, "X|why" applied but
  // not built, "C|class|program" caught, "M" missed.
  std::string try_mutant(const KernelMutant& m, GateClock::time_point deadline) const;
  // Writes a finding's program into DIR/<subject>/; its path ("" on failure).
  std::string write_repro(const Candidate& c, const std::string& text);
  // Minimizes `c` (on the base when it was found there), writes it and adds
  // it as a finding with `status`, unless an earlier finding has the same
  // minimal program.
  void add_finding(const Candidate& c, GateStatus status);
  // Builds the tree with the fix `fix` (fixes.tsv) applied; nullopt-like
  // false with *why when it does not apply or build.
  bool build_fixed(const TreeBackend& tb, const std::string& fix, TreeBackend* fixed,
                   std::string* why);

  const GateSubjectRun& run_;
  GateSubject& gs_;
  std::vector<const ProgramFile*> programs_;  // the subject's shipped programs
  TreeBackend tree_, base_;
  bool have_base_ = false;
  std::set<std::string> diverged_;  // programs that diverged on the tree
  std::vector<Candidate> candidates_;
  std::vector<std::string> finding_texts_;  // each finding's minimal program, for replays
  size_t duplicates_ = 0;                   // findings with the same minimal program
};

}  // namespace ptediff

#endif  // PTEDIFF_TOOLS_GATE_SUBJECT_H_
