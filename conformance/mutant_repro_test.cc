// ptediff: every mutant of every subject is caught by a hand-written program
// (conformance/mutants/NAME.repro, `# expect: CLASS`), and the same program
// is clean on the fixed implementation; minimizing it is a fixed point. The
// program of an interleaving-only mutant (MutantRow::needs_events, as its
// subject says) carries a schedule of mid-op events, and without the events
// it runs clean even under its mutant: the interleavings are what catch it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "conformance/replay.h"
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

// The program of `name` without its mid-op events (`@` lines).
std::string without_events(const std::filesystem::path& f) {
  std::ifstream in(f);
  std::string out, line;
  while (std::getline(in, line)) {
    if (line.find('@') == std::string::npos) out += line + "\n";
  }
  return out;
}

class InterleavingMutant : public ::testing::TestWithParam<std::string> {};

TEST_P(InterleavingMutant, NeedsTheEventsOfItsProgram) {
  const std::filesystem::path f = kDir / (GetParam() + ".repro");
  const std::string bare = without_events(f);
  ASSERT_NE(bare.size(), std::filesystem::file_size(f)) << f << " has no event";
  EXPECT_EQ(replay_divergence_class(bare, GetParam()), "none")
      << GetParam() << " is caught without interleavings: it is not interleaving-only";
}

// Every subject's mutants.
std::vector<std::string> mutant_names() {
  std::vector<std::string> out;
  for (const Subject* s : all_subjects()) {
    for (const MutantRow& m : s->mutants()) out.push_back(m.name);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, MutantRepro, ::testing::ValuesIn(mutant_names()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n) ch = ch == '-' ? '_' : ch;
                           return n;
                         });

// Every subject's interleaving-only mutants.
std::vector<std::string> interleaving_only_names() {
  std::vector<std::string> out;
  for (const Subject* s : all_subjects()) {
    for (const MutantRow& m : s->mutants()) {
      if (m.needs_events) out.push_back(m.name);
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, InterleavingMutant,
                         ::testing::ValuesIn(interleaving_only_names()), [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n) ch = ch == '-' ? '_' : ch;
                           return n;
                         });

TEST(MutantRepro, EveryFileNamesAMutant) {
  std::set<std::string> names;
  for (const std::string& n : mutant_names()) names.insert(n);
  for (const auto& e : std::filesystem::directory_iterator(kDir)) {
    EXPECT_TRUE(names.count(e.path().stem().string())) << e.path();
  }
}

}  // namespace
}  // namespace ptediff
