// ptediff: the fuzz face of every subject (Subject::fuzz, load_backend_spec):
// each shipped program, encoded as a fuzz input, runs clean through the
// subject's FuzzSession, and each mutant program diverges there under its
// mutant with the class it expects, with a report that replays; sessions
// refuse what does not apply with one line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "subjects/subject.h"

namespace ptediff {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<fs::path> programs() {
  std::vector<fs::path> out;
  for (const char* dir : {"corpus", "corpus/linearmap", "corpus/hugetlb", "conformance/mutants"}) {
    for (const auto& e : fs::directory_iterator(fs::path(PTEDIFF_SOURCE_DIR) / dir)) {
      if (e.path().extension() == ".repro") out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

class FuzzFaceProgram : public ::testing::TestWithParam<fs::path> {};

TEST_P(FuzzFaceProgram, RunsThroughTheSessionAsWritten) {
  const fs::path& path = GetParam();
  const std::string text = slurp(path);
  ParseError err;
  const Subject* s = subject_for_text(text, path.string(), &err);
  ASSERT_NE(s, nullptr) << err.str();
  const std::unique_ptr<Case> c = s->parse(text, path.string(), &err);
  ASSERT_NE(c, nullptr) << err.str();
  std::smatch m;
  const bool is_mutant = std::regex_search(text, m, std::regex("# expect: ([a-z-]+)"));
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
  ASSERT_TRUE(v.diverged) << path;
  EXPECT_EQ(div_class_name(v.cls), m[1].str());
  // The report ends with the program that ran; it replays to the same class.
  const std::string report = session->report(input);
  const size_t at = report.find("ptediff-repro 1");
  ASSERT_NE(at, std::string::npos) << report;
  const std::unique_ptr<Case> replay = s->parse(report.substr(at), "report", &err);
  ASSERT_NE(replay, nullptr) << err.str();
  CaseOptions copts;
  copts.mutant = opts.mutant;
  const CaseRun r = replay->run(copts, "replay");
  ASSERT_TRUE(r.diverged());
  EXPECT_EQ(r.divergences.front().cls, v.cls);
}

INSTANTIATE_TEST_SUITE_P(Shipped, FuzzFaceProgram, ::testing::ValuesIn(programs()),
                         [](const ::testing::TestParamInfo<fs::path>& i) {
                           std::string n = i.param.parent_path().filename().string() + "_" +
                                           i.param.stem().string();
                           for (char& ch : n) {
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

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
    // The linear map has no backend ABI: no O but its own.
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
