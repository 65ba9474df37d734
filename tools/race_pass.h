// ptediff: the race pass of `ptediff fuzz`: systematic exploration of one
// mid-op event (explore --bound 1, docs/DESIGN.md §5.8) over every corpus
// input, so a race one event away from any seed or any input the engine adds
// is found in seconds rather than by the chance of a mutation placing the
// event just right.
#ifndef PTEDIFF_TOOLS_RACE_PASS_H_
#define PTEDIFF_TOOLS_RACE_PASS_H_

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "subjects/subject.h"

namespace ptediff {

// The most schedules the pass explores per input (explore --max).
inline constexpr uint64_t kRaceSchedulesPerInput = 2000;

// One diverging schedule the pass wrote.
struct RaceFinding {
  std::filesystem::path repro;  // OUT/race-<input>.repro
  std::string cls;              // its divergence class
};

// What the pass did, as it last recorded it.
struct RacePassStats {
  uint64_t inputs = 0, schedules = 0, candidates = 0;
  // Diverging schedules whose text did not diverge when parsed back and run
  // (never reported: a harness defect to look into).
  uint64_t unreplayable = 0;
  int64_t first_found_ms = -1;  // since the pass started; -1 when nothing was found
  std::vector<RaceFinding> findings;
  std::string note;  // why the pass did not run (a subject without mid-op events)
};

// The regular files of `dir` not in `seen`, in the order the pass explores
// them: smallest first, then by name. A short program is explored in a
// fraction of a long one's time, so the small seeds that each put one flow
// under one race are done within the first second (before the long seeds of
// one granule or huge page size each), and every kind of op the engine finds
// gets its turn early.
std::vector<std::filesystem::path> race_pass_order(const std::filesystem::path& dir,
                                                   const std::set<std::filesystem::path>& seen);

// Starts the pass in a forked child (a backend crash cannot take ptediff
// down): it explores every input of `corpus`, those there at the start first
// (the seeds), then each one the engine adds, each round in race_pass_order,
// until `seconds` have passed. It records what it did in
// OUT/race-pass.stats after every input. Returns the child's pid, or -1 when
// it could not start.
pid_t start_race_pass(const Subject& subject, const CaseOptions& opts,
                      const std::filesystem::path& corpus, const std::filesystem::path& out,
                      int seconds);

// Waits up to `grace_seconds` for the pass to end, then stops it; returns
// what it recorded.
RacePassStats finish_race_pass(pid_t pid, const std::filesystem::path& out, int grace_seconds);

}  // namespace ptediff

#endif  // PTEDIFF_TOOLS_RACE_PASS_H_
