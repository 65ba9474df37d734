// ptediff: every mutant of the optimized backend is caught by a hand-written
// program (conformance/mutants/NAME.repro, `# expect: CLASS`), and the same
// program is clean on the fixed backend; minimizing it is a fixed point.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "conformance/replay.h"
#include "harness/minimize.h"
#include "optimized/contpte.h"

namespace ptediff {
namespace {

const std::filesystem::path kDir = PTEDIFF_SOURCE_DIR "/conformance/mutants";

std::string expected_class(const std::filesystem::path& f) {
  std::ifstream in(f);
  std::string line;
  const std::regex re("^# expect: ([a-z-]+)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, re)) return m[1];
  }
  return "";
}

class MutantRepro : public ::testing::TestWithParam<std::string> {};

TEST_P(MutantRepro, CaughtWithItsClassAndCleanWhenFixed) {
  const std::filesystem::path f = kDir / (GetParam() + ".repro");
  ASSERT_TRUE(std::filesystem::exists(f)) << "no hand-written program for mutant " << GetParam();
  const std::string want = expected_class(f);
  ASSERT_FALSE(want.empty()) << f << " lacks '# expect: CLASS'";
  EXPECT_EQ(replay_file_divergence_class(f, GetParam()), want);
  EXPECT_EQ(replay_file_divergence_class(f, "none"), "none");
}

// minimize is a fixed point: the minimized program runs as written (what
// `ptediff minimize -o` writes) and minimizing it again returns it unchanged.
TEST_P(MutantRepro, MinimizingTheMinimizedProgramIsTheIdentity) {
  const std::filesystem::path f = kDir / (GetParam() + ".repro");
  std::ifstream in(f);
  std::stringstream text;
  text << in.rdbuf();
  Program p;
  ParseError err;
  ASSERT_TRUE(parse_repro_as_written(text.str(), f.string(), &p, &err)) << err.str();
  RunOptions opts;
  opts.mutant = GetParam();
  MinimizeResult once, twice;
  ASSERT_TRUE(minimize_program(p, opts, &once));
  const std::string out = format_repro(once.program);
  Program back;
  ASSERT_TRUE(parse_repro_as_written(out, "minimized.repro", &back, &err)) << err.str() << "\n"
                                                                           << out;
  ASSERT_TRUE(minimize_program(back, opts, &twice)) << out;
  EXPECT_EQ(format_repro(twice.program), out);
  EXPECT_EQ(twice.cls, once.cls);
  EXPECT_EQ(twice.kind, once.kind);
}

std::vector<std::string> mutant_names() {
  std::vector<std::string> out;
  for (const MutantInfo& m : optimized_mutants()) out.push_back(m.name);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, MutantRepro, ::testing::ValuesIn(mutant_names()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n) ch = ch == '-' ? '_' : ch;
                           return n;
                         });

TEST(MutantRepro, EveryFileNamesAMutant) {
  std::set<std::string> names;
  for (const MutantInfo& m : optimized_mutants()) names.insert(m.name);
  for (const auto& e : std::filesystem::directory_iterator(kDir)) {
    EXPECT_TRUE(names.count(e.path().stem().string())) << e.path();
  }
}

}  // namespace
}  // namespace ptediff
