// ptediff: replays every minimized regression (conformance/regressions/*.repro):
// each was a divergence once, found and fixed; it must stay clean.
#include <gtest/gtest.h>

#include "conformance/replay.h"
#include "subjects/contpte/reference.h"
#include "testing/shipped.h"

namespace ptediff {
namespace {

TEST(Regressions, AllReplayClean) {
  const std::vector<ShippedProgram> regressions = shipped_programs({ShippedKind::kRegression});
  for (const ShippedProgram& p : regressions) {
    EXPECT_EQ(replay_divergence_class(p.text), "none") << p.path;
  }
  EXPECT_GT(regressions.size(), 0u) << "no regressions found";
}

// The reference run as O must be clean on them too (several were found by
// fuzzing the reference against itself under mid-op events).
TEST(Regressions, AllReplayCleanWithTheReferenceAsO) {
  size_t n = 0;
  for (const ShippedProgram& p : shipped_programs({ShippedKind::kRegression})) {
    // Subjects without a v1 backend ABI (the linear map, hugetlb) do not take one.
    if (p.subject != nullptr && !p.subject->takes_backend()) continue;
    ++n;
    EXPECT_EQ(replay_divergence_class(p.text, "", ptediff_reference_backend()), "none") << p.path;
  }
  EXPECT_GT(n, 10u);
}

}  // namespace
}  // namespace ptediff
