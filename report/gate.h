// ptediff: what `ptediff gate` found on a kernel tree, as every output format
// renders it (report/gate_format.h): per subject, what each phase did, and
// every finding with its classification.
//
// The gate (tools/gate_command.cc, docs/DESIGN.md §6.7) fills one GateReport;
// the formats only render it, so the text table, KTAP, JUnit and JSON always
// say the same thing.
#ifndef PTEDIFF_REPORT_GATE_H_
#define PTEDIFF_REPORT_GATE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ptediff {

// How a phase ended.
enum class GatePhaseResult {
  kPass,  // ran to its end, nothing wrong
  kFail,  // found something (a divergence, a mutant the programs cannot see
          // is not a failure: see GateSubject::mutants_*)
  kCut,   // ran out of its share of the budget: what it did counts, `note` says where it stopped
  kSkip,  // did not run (`note` says why)
  kError  // could not run (a build that failed, a backend that did not load)
};

// One phase of one subject: build, programs, race, mutants, fuzz, base.
struct GatePhase {
  std::string name;
  GatePhaseResult result = GatePhaseResult::kPass;
  uint64_t items = 0;  // what it counted: programs run, schedules, mutants built, execs
  double seconds = 0;  // wall time it took
  std::string note;    // one line: why it was cut, skipped or failed ("" when passed)
};

// How a finding compares with the base tree (`--base`).
enum class GateStatus {
  kFound,        // no base given: a divergence of this tree
  kNew,          // diverges on this tree, not on the base: the patch's doing
  kPreExisting,  // diverges on both trees
  kFixed,        // diverges on the base, not on this tree
};

// One divergence the gate found, minimized.
struct GateFinding {
  std::string phase;   // where it was found: programs, race, fuzz, base
  std::string origin;  // the program or input it came from ("corpus/zap_64k.repro")
  std::string cls;     // its divergence class ("flush-missing")
  std::string at;      // the op it shows at ("mprotect")
  std::string repro;   // the minimized program, DIR/<subject>/<name>.repro ("" if none)
  std::string report;  // its divergence report, a few lines (text, no trailing newline)
  GateStatus status = GateStatus::kFound;
  // A known upstream bug the tree carries and this finding is (by replay:
  // the finding runs clean once that bug's fix is applied to the tree).
  std::string known_commit;  // "eed6bfa8b282" ("" when not known)
  std::string known_title;   // the fix's title
  bool known() const { return !known_commit.empty(); }
  // Whether it fails the gate: new over a base (even a known bug: the patch
  // brought it back), or, without a base, any finding that is not known.
  bool fails() const {
    return status == GateStatus::kNew || (status == GateStatus::kFound && !known());
  }
};

// One subject the gate ran.
struct GateSubject {
  std::string name;          // "contpte"
  std::string source;        // what was built: "arch/arm64/mm/contpte.c + ..."
  std::string version;       // the tree's version ("6.12.117")
  std::string base_version;  // the base's ("" without --base)
  uint64_t programs = 0;     // shipped programs run
  uint64_t schedules = 0;    // race-pass schedules run
  uint64_t mutants = 0;      // kernel source mutants of the subject
  uint64_t mutants_applied = 0, mutants_caught = 0;
  std::vector<std::string> mutants_missed;  // applied but not caught
  uint64_t fuzz_execs = 0;
  std::vector<GatePhase> phases;
  std::vector<GateFinding> findings;
  std::string note;  // why it did not run at all ("" when it ran)

  // Whether one of its phases could not run (GatePhaseResult::kError).
  bool errored() const;
  // Whether one of its findings fails the gate (GateFinding::fails).
  bool fails() const;
};

// The whole verdict.
struct GateReport {
  std::string tree, base;  // as given (base "" without --base)
  std::string out_dir;     // -o
  int seconds = 0;         // the fuzzing budget
  double elapsed = 0;      // wall time of the whole gate
  std::vector<GateSubject> subjects;
  std::string error;  // why the gate could not run ("" when it ran)

  // 0: no finding fails the gate; 1: one does; 2: the gate could not run
  // (`error`, or a subject whose build failed).
  int exit_status() const;
};

// The names the formats print.
const char* gate_phase_result_name(GatePhaseResult r);  // "pass", "fail", "cut", ...
const char* gate_status_name(GateStatus s);             // "found", "new", ...

// `s` (text from a tree: names, notes, reports; any bytes) as every format can
// hold it: valid UTF-8, an invalid byte replaced by U+FFFD, a control character
// (C0, DEL, C1, U+FFFE, U+FFFF) by '?'; '\n' and '\t' stay, or become ' ' when
// `one_line`.
std::string gate_printable(std::string_view s, bool one_line);

}  // namespace ptediff

#endif  // PTEDIFF_REPORT_GATE_H_
