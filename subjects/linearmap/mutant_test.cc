// ptediff conformance: every linear-map mutant is caught by a hand-written
// program, and the same program runs clean on the correct implementation.
#include <gtest/gtest.h>

#include <string>

#include "subjects/linearmap/executor.h"

namespace ptediff::linearmap {
namespace {

struct Case {
  const char* mutant;
  DivClass expect;  // a class the gate must report
  const char* program;
};

constexpr char kExampleSplit[] =
    "ptediff-repro 1\nsubject linear-map\ngranule 4k\nfeatures bbml2\n"
    "map va=0x0 pa=0x40000000 size=0x800000 flags=none\n"
    "split va=0x201000\n";
constexpr char kExamplePermission[] =
    "ptediff-repro 1\nsubject linear-map\ngranule 4k\nfeatures bbml2\n"
    "map va=0x0 pa=0x40000000 size=0x800000 flags=none\n"
    "set_memory_ro va=0x201000 nr=1039\n";
constexpr char kOnePage[] =
    "ptediff-repro 1\nsubject linear-map\ngranule 4k\nfeatures bbml2\n"
    "map va=0x0 pa=0x40000000 size=0x800000 flags=none\n"
    "set_memory_ro va=0x201000 nr=1\n";
constexpr char kEnomem[] =
    "ptediff-repro 1\nsubject linear-map\ngranule 4k\nfeatures bbml2\n"
    "map va=0x0 pa=0x40000000 size=0x800000 flags=none\n"
    "fail_alloc depth=3\n"
    "set_memory_ro va=0x201000 nr=1\n";
constexpr char kNoBbml2[] =
    "ptediff-repro 1\nsubject linear-map\ngranule 4k\nfeatures none\n"
    "map va=0x0 pa=0x40000000 size=0x800000 flags=none\n"
    "set_memory_ro va=0x201000 nr=1\n";

const Case kCases[] = {
    {"split-to-ptes", DivClass::kPteState, kExampleSplit},
    {"split-drops-cont", DivClass::kPteState, kExampleSplit},
    {"walker-assumes-pte", DivClass::kPteState, kExamplePermission},
    {"walker-assumes-pte", DivClass::kFlushMissing, kOnePage},
    {"split-ignores-enomem", DivClass::kReturnValue, kEnomem},
    {"split-ignores-enomem", DivClass::kPteState, kEnomem},
    {"live-size-change-without-bbml2", DivClass::kBbm, kNoBbml2},
};

Program parse(const char* text) {
  Program p;
  ParseError err;
  EXPECT_TRUE(parse_program(text, "case", &p, &err)) << err.str();
  return p;
}

class LinearMapMutant : public ::testing::TestWithParam<Case> {};

TEST_P(LinearMapMutant, CaughtByItsProgram) {
  const Case& c = GetParam();
  const Program p = parse(c.program);
  RunOptions opts;
  opts.stop_at_first = false;
  EXPECT_FALSE(run_program(p, opts).diverged()) << "correct implementation diverges";
  opts.mutant = c.mutant;
  const RunResult r = run_program(p, opts);
  ASSERT_TRUE(r.error.empty()) << r.error;
  bool found = false;
  for (const Divergence& d : r.divergences) found |= d.cls == c.expect;
  EXPECT_TRUE(found) << c.mutant << " not reported as " << div_class_name(c.expect) << ":\n"
                     << format_report(r, p);
}

INSTANTIATE_TEST_SUITE_P(All, LinearMapMutant, ::testing::ValuesIn(kCases));

// Every named mutant has at least one case above.
TEST(LinearMapMutants, EveryMutantHasACase) {
  for (const MutantInfo& m : linearmap_mutants()) {
    if (m.id == Mutant::kNone) continue;
    bool covered = false;
    for (const Case& c : kCases) covered |= std::string(c.mutant) == m.name;
    EXPECT_TRUE(covered) << m.name;
  }
}

TEST(LinearMapMutants, UnknownMutantIsAnError) {
  RunOptions opts;
  opts.mutant = "no-such-mutant";
  EXPECT_FALSE(run_program(parse(kExampleSplit), opts).error.empty());
}

}  // namespace
}  // namespace ptediff::linearmap
