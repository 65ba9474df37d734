// ptediff: the list of shipped programs (testing/shipped.h) holds every kind
// of program with its subject and expectation, and its helpers fail a test
// with a line naming the file when a program cannot be read or parsed.
#include "testing/shipped.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace ptediff {
namespace {

TEST(Shipped, EveryKindAndEverySubjectIsListed) {
  const std::vector<ShippedProgram>& all = shipped_programs();
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(),
                             [](const auto& a, const auto& b) { return a.path < b.path; }));
  for (ShippedKind k : {ShippedKind::kCorpus, ShippedKind::kMutant, ShippedKind::kRegression,
                        ShippedKind::kKernel}) {
    EXPECT_FALSE(shipped_programs({k}).empty()) << static_cast<int>(k);
  }
  std::set<const Subject*> in_corpus;
  for (const ShippedProgram& p : all) {
    ASSERT_NE(p.subject, nullptr) << p.error;
    EXPECT_EQ(p.error, "");
    EXPECT_TRUE(p.path.is_absolute()) << p.rel;
    EXPECT_EQ(p.path.extension(), ".repro");
    EXPECT_NE(p.text, "") << p.rel;
    if (p.kind == ShippedKind::kCorpus) in_corpus.insert(p.subject);
  }
  EXPECT_EQ(in_corpus.size(), all_subjects().size());
}

TEST(Shipped, ExpectationsComeFromTheFileAndItsHeader) {
  for (const ShippedProgram& p : shipped_programs()) {
    if (p.kind != ShippedKind::kMutant) {
      EXPECT_TRUE(p.clean()) << p.rel;
      continue;
    }
    EXPECT_EQ(p.mutant, p.path.stem().string());
    EXPECT_NE(p.expect, "") << p.rel;
    // The subject is the one whose catalogue holds the mutant.
    EXPECT_EQ(p.subject, subject_of_mutant(p.mutant)) << p.rel;
  }
  const ShippedProgram* m = shipped_mutant("split-to-ptes");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->rel, "conformance/mutants/split-to-ptes.repro");
  EXPECT_STREQ(m->subject->name(), "linear-map");
  EXPECT_EQ(shipped_mutant("no-such-bug"), nullptr);
}

TEST(Shipped, TestNamesAreFolderAndStem) {
  const ShippedProgram* m = shipped_mutant("get-no-gather");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(ShippedName({*m, 0}), "mutants_get_no_gather");
}

TEST(Shipped, ALoadedProgramIsItsSubjectsCase) {
  const ShippedProgram* m = shipped_mutant("get-no-gather");
  ASSERT_NE(m, nullptr);
  const std::unique_ptr<Case> c = m->load();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(&c->subject(), m->subject);
  EXPECT_EQ(c->mutant(), "get-no-gather");
  ASSERT_NE(load_source_case(m->rel), nullptr);
  EXPECT_EQ(read_text_file(m->path), m->text);
}

TEST(Shipped, FailuresNameTheFileAndLine) {
  EXPECT_NONFATAL_FAILURE(EXPECT_EQ(read_text_file("/nonexistent/x.repro"), ""),
                          "cannot read /nonexistent/x.repro");
  EXPECT_NONFATAL_FAILURE(EXPECT_EQ(read_text_file(PTEDIFF_SOURCE_DIR "/corpus"), ""),
                          "cannot read ");
  EXPECT_NONFATAL_FAILURE(
      EXPECT_EQ(parse_case("ptediff-repro 1\n\nsubject frob\n", "f.repro"), nullptr),
      "f.repro:3: unknown subject");
  EXPECT_NONFATAL_FAILURE(
      EXPECT_EQ(parse_case("ptediff-repro 1\nsubject contpte\ngranule 3k\n", "g.repro"), nullptr),
      "g.repro:3:");
  ShippedProgram bad;
  bad.rel = "corpus/bad.repro";
  bad.error = "corpus/bad.repro:2: unknown subject 'frob'";
  EXPECT_NONFATAL_FAILURE(EXPECT_EQ(bad.load(), nullptr), bad.error);
  bad.subject = find_subject("contpte");
  bad.text = "ptediff-repro 1\ngranule 4k\nfrob\n";
  EXPECT_NONFATAL_FAILURE(EXPECT_EQ(bad.load(), nullptr), "corpus/bad.repro:3:");
}

}  // namespace
}  // namespace ptediff
