// ptediff: replays every minimized regression (conformance/regressions/*.repro):
// each was a divergence once, found and fixed; it must stay clean.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "conformance/replay.h"
#include "subjects/contpte/reference.h"

namespace ptediff {
namespace {

TEST(Regressions, AllReplayClean) {
  const std::filesystem::path dir = PTEDIFF_SOURCE_DIR "/conformance/regressions";
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".repro") continue;
    ++n;
    EXPECT_EQ(replay_file_divergence_class(e.path()), "none") << e.path();
  }
  EXPECT_GT(n, 0u) << "no regressions found in " << dir;
}

// The reference run as O must be clean on them too (several were found by
// fuzzing the reference against itself under mid-op events).
TEST(Regressions, AllReplayCleanWithTheReferenceAsO) {
  const std::filesystem::path dir = PTEDIFF_SOURCE_DIR "/conformance/regressions";
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".repro") continue;
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    // Subjects without a v1 backend ABI (the linear map, hugetlb) do not take one.
    if (text.str().find("subject linear-map") != std::string::npos) continue;
    if (text.str().find("subject hugetlb") != std::string::npos) continue;
    ++n;
    EXPECT_EQ(replay_divergence_class(text.str(), "", ptediff_reference_backend()), "none")
        << e.path();
  }
  EXPECT_GT(n, 10u);
}

}  // namespace
}  // namespace ptediff
