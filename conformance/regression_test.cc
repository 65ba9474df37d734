// ptediff: replays every minimized regression (conformance/regressions/*.repro):
// each was a divergence once, found and fixed; it must stay clean.
#include <gtest/gtest.h>

#include <filesystem>

#include "conformance/replay.h"

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

}  // namespace
}  // namespace ptediff
