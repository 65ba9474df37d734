// ptediff: the steps `ptediff gate` runs on a kernel backend, each in a forked
// child, so that a tree's code that crashes or hangs (a NULL dereference, a
// retry loop that never ends) is a finding of the gate, never the gate's end.
#ifndef PTEDIFF_TOOLS_GATE_RUN_H_
#define PTEDIFF_TOOLS_GATE_RUN_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "subjects/subject.h"

namespace ptediff {

// What a forked child answered.
struct ChildAnswer {
  bool answered = false;  // it exited normally
  std::string out;        // what it wrote
  std::string death;      // "killed by signal 11", "no answer after 20 s" ("" when answered)
};

// Runs `body` in a forked child, which writes its return value back through
// a pipe; the child is killed after `timeout_seconds`.
ChildAnswer run_in_child(const std::function<std::string()>& body, int timeout_seconds);

// Runs each of `bodies` like run_in_child, at most `jobs` at a time; a body
// not started by `deadline_seconds` (from the call) is not run (its answer's
// death says so). Answers in the order of `bodies`.
std::vector<ChildAnswer> run_in_children(const std::vector<std::function<std::string()>>& bodies,
                                         int jobs, int timeout_seconds, int deadline_seconds);

// The outcome of running one program on a backend.
struct GateReplay {
  bool diverged = false;   // a divergence, a crash or a hang of the backend
  std::string cls;         // its class ("crash" and "hang" for a backend that died)
  std::string report;      // the first lines of its report
  std::string error;       // the program did not run (setup): not a finding
  uint64_t schedules = 0;  // explore: the schedules run
  std::string program;     // explore: the diverging schedule's program (.repro text)
  bool timed_out = false;  // the child was stopped after its timeout (class "hang")
};

// Runs `text` (a .repro of `subject`) with O from `opts`.
GateReplay gate_replay(const Subject& subject, const std::string& text, const std::string& name,
                       const CaseOptions& opts, int timeout_seconds);

// Runs `text` under every schedule of one mid-op event (explore --bound 1),
// at most `max_schedules` of them.
GateReplay gate_explore(const Subject& subject, const std::string& text, const std::string& name,
                        const CaseOptions& opts, uint64_t max_schedules, int timeout_seconds);

// A minimized diverging program.
struct GateMinimized {
  bool ok = false;
  std::string text;  // the minimal program (.repro text)
  std::string cls, at;
  std::string why;  // why there is none ("" when ok)
};

// Minimizes `text`, which diverges with O from `opts`, keeping its class and
// the op it shows at.
GateMinimized gate_minimize(const Subject& subject, const std::string& text,
                            const std::string& name, const CaseOptions& opts, int timeout_seconds);

}  // namespace ptediff

#endif  // PTEDIFF_TOOLS_GATE_RUN_H_
