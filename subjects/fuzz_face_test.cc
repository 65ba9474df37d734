// ptediff: the fuzz face of every subject (Subject::fuzz, load_backend_spec):
// each shipped program, encoded as a fuzz input, runs clean through the
// subject's FuzzSession, and each mutant program diverges there under its
// mutant with the class it expects, with a report that replays; sessions
// refuse what does not apply with one line.
#include <gtest/gtest.h>

#include "subjects/subject.h"
#include "testing/shipped.h"

namespace ptediff {
namespace {

class FuzzFaceProgram : public ::testing::TestWithParam<ShippedProgram> {};

TEST_P(FuzzFaceProgram, RunsThroughTheSessionAsWritten) {
  const ShippedProgram& program = GetParam();
  const std::unique_ptr<Case> c = program.load();
  ASSERT_NE(c, nullptr);
  const Subject* s = program.subject;
  const bool is_mutant = !program.expect.empty();
  FuzzOptions opts;
  opts.mutant = c->mutant();
  std::string why;
  const std::unique_ptr<FuzzSession> session = s->fuzz().session(opts, &why);
  ASSERT_NE(session, nullptr) << why;
  const std::vector<uint8_t> input = c->encode();
  const FuzzVerdict v = session->run(input);
  EXPECT_EQ(v.error, "");
  if (!is_mutant) {
    EXPECT_FALSE(v.diverged) << session->report(input);
    return;
  }
  ASSERT_TRUE(v.diverged) << program.path;
  EXPECT_EQ(div_class_name(v.cls), program.expect);
  // The report ends with the program that ran; it replays to the same class.
  const std::string report = session->report(input);
  const size_t at = report.find("ptediff-repro 1");
  ASSERT_NE(at, std::string::npos) << report;
  ParseError err;
  const std::unique_ptr<Case> replay = s->parse(report.substr(at), "report", &err);
  ASSERT_NE(replay, nullptr) << err.str();
  CaseOptions copts;
  copts.mutant = opts.mutant;
  const CaseRun r = replay->run(copts, "replay");
  ASSERT_TRUE(r.diverged());
  EXPECT_EQ(r.divergences.front().cls, v.cls);
}

// Every corpus program, which runs clean, and every mutant program, which
// its mutant catches with the class of its `# expect:` line.
INSTANTIATE_TEST_SUITE_P(Shipped, FuzzFaceProgram,
                         ::testing::ValuesIn(shipped_programs({ShippedKind::kCorpus,
                                                               ShippedKind::kMutant})),
                         ShippedName);

TEST(FuzzFace, UnknownMutantIsRefusedByEverySubject) {
  for (const Subject* s : all_subjects()) {
    FuzzOptions opts;
    opts.mutant = "no-such-mutant";
    std::string err;
    EXPECT_EQ(s->fuzz().session(opts, &err), nullptr) << s->name();
    EXPECT_NE(err.find("no-such-mutant"), std::string::npos) << err;
  }
}

TEST(FuzzFace, ReferenceRunsAsOWhereTheSubjectHasOne) {
  CaseOptions loaded;
  std::string err;
  ASSERT_TRUE(load_backend_spec(kReferenceBackend, &loaded, &err)) << err;
  EXPECT_NE(loaded.backend, nullptr);     // contpte's (v1)
  EXPECT_NE(loaded.backend_v2, nullptr);  // hugetlb's (v2)
  for (const Subject* s : all_subjects()) {
    FuzzOptions opts;
    opts.backend = loaded.backend;
    opts.backend_v2 = loaded.backend_v2;
    const auto session = s->fuzz().session(opts, &err);
    // The linear map's reference cannot run as O: it takes v3 backends only.
    EXPECT_EQ(session != nullptr, s->accepts_backend_of(loaded)) << s->name() << ": " << err;
  }
}

TEST(FuzzFace, AMissingLibraryIsOneLine) {
  CaseOptions loaded;
  std::string err;
  EXPECT_FALSE(load_backend_spec("/nonexistent/libnothing.so", &loaded, &err));
  EXPECT_NE(err, "");
  EXPECT_EQ(err.find('\n'), std::string::npos) << err;
}

}  // namespace
}  // namespace ptediff
