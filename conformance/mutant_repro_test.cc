// ptediff: every mutant of every subject is caught by a hand-written program
// (conformance/mutants/NAME.repro, `# expect: CLASS`), and the same program
// is clean on the fixed implementation; minimizing it is a fixed point. The
// interleaving-only mutants (interleaving_only_mutant()) have no such program.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "conformance/replay.h"
#include "optimized/contpte.h"
#include "subjects/subject.h"

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
  ParseError err;
  const Subject* s = subject_for_text(text.str(), f.string(), &err);
  ASSERT_NE(s, nullptr) << err.str();
  const std::unique_ptr<Case> p = s->parse(text.str(), f.string(), &err);
  ASSERT_NE(p, nullptr) << err.str();
  CaseOptions opts;
  opts.mutant = GetParam();
  CaseMinimized once, twice;
  std::string why;
  const std::unique_ptr<Case> min = p->minimize(opts, &once, &why);
  ASSERT_NE(min, nullptr) << why;
  const std::string out = min->format();
  const std::unique_ptr<Case> back = s->parse(out, "minimized.repro", &err);
  ASSERT_NE(back, nullptr) << err.str() << "\n" << out;
  const std::unique_ptr<Case> again = back->minimize(opts, &twice, &why);
  ASSERT_NE(again, nullptr) << out;
  EXPECT_EQ(again->format(), out);
  EXPECT_EQ(twice.cls, once.cls);
  EXPECT_EQ(twice.at, once.at);
}

// Every subject's mutants; with `sequential_only`, not the interleaving-only
// ones, which no sequential program can catch.
std::vector<std::string> mutant_names(bool sequential_only) {
  std::vector<std::string> out;
  for (const Subject* s : all_subjects()) {
    for (const MutantRow& m : s->mutants()) {
      if (!sequential_only || !interleaving_only_mutant(m.name)) out.push_back(m.name);
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, MutantRepro,
                         ::testing::ValuesIn(mutant_names(/*sequential_only=*/true)),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n) ch = ch == '-' ? '_' : ch;
                           return n;
                         });

TEST(MutantRepro, EveryFileNamesAMutant) {
  std::set<std::string> names;
  for (const std::string& n : mutant_names(/*sequential_only=*/false)) names.insert(n);
  for (const auto& e : std::filesystem::directory_iterator(kDir)) {
    EXPECT_TRUE(names.count(e.path().stem().string())) << e.path();
  }
}

}  // namespace
}  // namespace ptediff
