// ptediff: determinism across builds. conformance/golden_hashes.txt records
// the trace hash of each listed program as computed by one build; every build
// (any optimisation level, sanitizers, compiler) must reproduce it exactly.
// Regenerate with scripts/update_golden_hashes.sh after an intended change.
// Programs of every subject are listed; each runs through its Subject.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "subjects/subject.h"
#include "testing/shipped.h"

namespace ptediff {
namespace {

TEST(GoldenHashes, EveryBuildReproducesTheRecordedTraceHashes) {
  std::ifstream in(PTEDIFF_SOURCE_DIR "/conformance/golden_hashes.txt");
  ASSERT_TRUE(in) << "missing conformance/golden_hashes.txt";
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string path, mutant, want;
    ASSERT_TRUE(ls >> path >> mutant >> want) << line;
    const std::unique_ptr<Case> c = load_source_case(path);
    ASSERT_NE(c, nullptr);
    CaseOptions opts;
    opts.mutant = mutant;
    const CaseRun r = c->run(opts, path);
    ASSERT_TRUE(r.error.empty()) << path << ": " << r.error;
    char got[17];
    std::snprintf(got, sizeof got, "%016llx", static_cast<unsigned long long>(r.trace_hash));
    EXPECT_EQ(want, got) << path << " with mutant " << mutant;
    ++n;
  }
  EXPECT_GT(n, 10u);
}

}  // namespace
}  // namespace ptediff
