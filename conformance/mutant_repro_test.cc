// ptediff: every mutant of every subject is caught by a hand-written program
// (conformance/mutants/NAME.repro, `# expect: CLASS`), and the same program
// is clean on the fixed implementation; minimizing it is a fixed point. The
// program of an interleaving-only mutant (MutantRow::needs_events, as its
// subject says) carries a schedule of mid-op events, and without the events
// it runs clean even under its mutant: the interleavings are what catch it.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "conformance/replay.h"
#include "subjects/subject.h"
#include "testing/shipped.h"

namespace ptediff {
namespace {

// The hand-written program of mutant `name`; nullptr after a test failure.
const ShippedProgram* program_of(const std::string& name) {
  const ShippedProgram* p = shipped_mutant(name);
  EXPECT_NE(p, nullptr) << "no hand-written program for mutant " << name;
  return p;
}

class MutantRepro : public ::testing::TestWithParam<std::string> {};

TEST_P(MutantRepro, CaughtWithItsClassAndCleanWhenFixed) {
  const ShippedProgram* f = program_of(GetParam());
  ASSERT_NE(f, nullptr);
  ASSERT_FALSE(f->expect.empty()) << f->path << " lacks '# expect: CLASS'";
  EXPECT_EQ(replay_divergence_class(f->text, GetParam()), f->expect);
  EXPECT_EQ(replay_divergence_class(f->text, "none"), "none");
}

// minimize is a fixed point: the minimized program runs as written (what
// `ptediff minimize -o` writes) and minimizing it again returns it unchanged.
TEST_P(MutantRepro, MinimizingTheMinimizedProgramIsTheIdentity) {
  const ShippedProgram* f = program_of(GetParam());
  ASSERT_NE(f, nullptr);
  const std::unique_ptr<Case> p = f->load();
  ASSERT_NE(p, nullptr);
  const Subject* s = f->subject;
  ParseError err;
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

// `text` without its mid-op events (`@` lines).
std::string without_events(const std::string& text) {
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line)) {
    if (line.find('@') == std::string::npos) out += line + "\n";
  }
  return out;
}

class InterleavingMutant : public ::testing::TestWithParam<std::string> {};

TEST_P(InterleavingMutant, NeedsTheEventsOfItsProgram) {
  const ShippedProgram* f = program_of(GetParam());
  ASSERT_NE(f, nullptr);
  const std::string bare = without_events(f->text);
  ASSERT_NE(bare.size(), f->text.size()) << f->path << " has no event";
  EXPECT_EQ(replay_divergence_class(bare, GetParam()), "none")
      << GetParam() << " is caught without interleavings: it is not interleaving-only";
}

// "split_to_ptes": the test-name suffix of a mutant name parameter.
std::string MutantName(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  for (char& ch : n) ch = ch == '-' ? '_' : ch;
  return n;
}

// Every subject's mutants.
std::vector<std::string> mutant_names() {
  std::vector<std::string> out;
  for (const Subject* s : all_subjects()) {
    for (const MutantRow& m : s->mutants()) out.push_back(m.name);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, MutantRepro, ::testing::ValuesIn(mutant_names()), MutantName);

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
                         ::testing::ValuesIn(interleaving_only_names()), MutantName);

TEST(MutantRepro, EveryFileNamesAMutant) {
  std::set<std::string> names;
  for (const std::string& n : mutant_names()) names.insert(n);
  const std::vector<ShippedProgram> programs = shipped_programs({ShippedKind::kMutant});
  EXPECT_FALSE(programs.empty());
  for (const ShippedProgram& p : programs) EXPECT_TRUE(names.count(p.mutant)) << p.path;
}

}  // namespace
}  // namespace ptediff
