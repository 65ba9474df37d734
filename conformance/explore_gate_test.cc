// ptediff conformance: the built-in backends under mid-op events (docs/DESIGN.md
// §5.7, §5.8). `explore` runs every corpus program of at most 8 ops under
// every schedule of one mid-op event, on the optimized backend and on the
// reference run as O, and the 4K ones under every schedule of two events in
// one op: none may diverge. (The full two-event sweep over every such program,
// all granules, is measured in bench/RESULTS.md; it takes about a minute.)
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "subjects/contpte/backends.h"
#include "subjects/contpte/explore.h"
#include "subjects/contpte/text.h"
#include "testing/shipped.h"

namespace ptediff {
namespace {

struct Small {
  std::string name;
  Program program;
};

// The contpte corpus programs of at most 8 ops.
std::vector<Small> small_corpus() {
  std::vector<Small> out;
  for (const ShippedProgram& p : shipped_programs({ShippedKind::kCorpus})) {
    if (p.subject != find_subject("contpte")) continue;
    Small s{p.path.filename().string(), {}};
    ParseError err;
    if (!parse_repro(p.text, s.name, &s.program, &err)) {
      ADD_FAILURE() << err.str();
      continue;
    }
    if (s.program.ops.size() <= 8) out.push_back(std::move(s));
  }
  return out;
}

void explore_all(bool reference) {
  const std::vector<Small> programs = small_corpus();
  ASSERT_GE(programs.size(), 8u);
  uint64_t schedules = 0;
  for (const Small& s : programs) {
    for (int bound : {1, 2}) {
      if (bound == 2 && s.program.header.granule != PTEDIFF_GRANULE_4K) continue;
      ExploreOptions eo;
      if (reference) eo.run.opt = ptediff_reference_backend();
      eo.run = with_builtin_backends(eo.run);
      eo.bound = bound;
      const ExploreResult r = explore(s.program, eo);
      ASSERT_EQ(r.error, "") << s.name;
      EXPECT_FALSE(r.found) << s.name << " diverges at bound " << bound << ":\n"
                            << (r.found ? r.result.divergences[0].what : "") << "\n"
                            << format_repro(r.failing);
      EXPECT_TRUE(r.complete);
      EXPECT_GT(r.candidates, 0u) << s.name;
      schedules += r.schedules;
    }
  }
  std::printf("%s: %zu programs, %lu schedules, clean\n", reference ? "reference" : "optimized",
              programs.size(), static_cast<unsigned long>(schedules));
}

TEST(ExploreGate, OptimizedIsCleanUnderEverySchedule) { explore_all(false); }
TEST(ExploreGate, ReferenceIsCleanUnderEverySchedule) { explore_all(true); }

}  // namespace
}  // namespace ptediff
