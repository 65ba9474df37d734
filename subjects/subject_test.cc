// ptediff: the Subject matrix: every operation the tool offers works for
// every subject, on every shipped program of that subject.
#include "subjects/subject.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "engine/external.h"

namespace ptediff {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A shipped program: a corpus file (clean) or a mutant program (caught).
struct Shipped {
  fs::path path;
  std::string mutant;  // "" for corpus files
};

std::vector<Shipped> shipped() {
  std::vector<Shipped> out;
  for (const char* dir : {"corpus", "corpus/linearmap"}) {
    for (const auto& e : fs::directory_iterator(fs::path(PTEDIFF_SOURCE_DIR) / dir)) {
      if (e.path().extension() == ".repro") out.push_back({e.path(), ""});
    }
  }
  for (const auto& e :
       fs::directory_iterator(fs::path(PTEDIFF_SOURCE_DIR) / "conformance/mutants")) {
    out.push_back({e.path(), e.path().stem().string()});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return out;
}

std::unique_ptr<Case> load(const fs::path& p) {
  const std::string text = slurp(p);
  ParseError err;
  const Subject* s = subject_for_text(text, p.string(), &err);
  std::unique_ptr<Case> c = s ? s->parse(text, p.string(), &err) : nullptr;
  EXPECT_NE(c, nullptr) << err.str();
  return c;
}

class SubjectMatrix : public ::testing::TestWithParam<Shipped> {};

TEST_P(SubjectMatrix, EveryCommandWorks) {
  const Shipped& sh = GetParam();
  const std::unique_ptr<Case> c = load(sh.path);
  ASSERT_NE(c, nullptr);
  const Subject& s = c->subject();
  // Text and binary round trips are the identity.
  ParseError err;
  const std::unique_ptr<Case> again = s.parse(c->format(), "again", &err);
  ASSERT_NE(again, nullptr) << err.str();
  EXPECT_EQ(again->format(), c->format());
  const std::vector<uint8_t> bytes = c->encode();
  EXPECT_EQ(s.decode(bytes)->format(), c->format());
  // run and explain agree.
  CaseOptions opts;
  opts.mutant = sh.mutant.empty() ? "none" : sh.mutant;
  const CaseRun r = c->run(opts, sh.path.string());
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.diverged(), !sh.mutant.empty()) << r.report;
  EXPECT_NE(r.json.find('{'), std::string::npos);
  int status = -1;
  c->explain(opts, &status);
  EXPECT_EQ(status, r.diverged() ? 1 : 0);
  // The effective program replays the same run.
  std::string comment, e;
  const std::unique_ptr<Case> eff = c->effective(opts, &comment, &e);
  ASSERT_NE(eff, nullptr) << e;
  EXPECT_EQ(eff->run(opts, "eff").trace_hash, r.trace_hash);
  if (sh.mutant.empty()) return;
  // minimize keeps the class and is a fixed point.
  CaseMinimized m1;
  const std::unique_ptr<Case> min = c->minimize(opts, &m1, &e);
  ASSERT_NE(min, nullptr) << e;
  EXPECT_EQ(m1.cls, r.divergences.front().cls);
  EXPECT_LE(min->size(), c->size());
  const CaseRun rm = min->run(opts, "min");
  ASSERT_TRUE(rm.diverged());
  EXPECT_EQ(rm.divergences.front().cls, m1.cls);
  // (mutant_repro_test checks that minimize is a fixed point for every subject.)
}

INSTANTIATE_TEST_SUITE_P(Shipped, SubjectMatrix, ::testing::ValuesIn(shipped()),
                         [](const auto& info) {
                           std::string n = info.param.path.parent_path().filename().string() + "_" +
                                           info.param.path.stem().string();
                           for (char& ch : n)
                             ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           return n;
                         });

TEST(Subjects, RegistryAndMutantOwnership) {
  ASSERT_GE(all_subjects().size(), 2u);
  for (const Subject* s : all_subjects()) {
    EXPECT_EQ(find_subject(s->name()), s);
    for (const MutantRow& m : s->mutants()) EXPECT_EQ(subject_of_mutant(m.name), s) << m.name;
  }
  EXPECT_EQ(find_subject("hugetlb-not-yet"), nullptr);
  EXPECT_EQ(subject_of_mutant("no-such-bug"), nullptr);
}

TEST(Subjects, UnknownSubjectIsAnErrorAtItsLine) {
  ParseError err;
  EXPECT_EQ(subject_for_text("ptediff-repro 1\n\nsubject frob\n", "f.repro", &err), nullptr);
  EXPECT_EQ(err.str().rfind("f.repro:3:", 0), 0u) << err.str();
}

TEST(Subjects, BackendOnASubjectWithoutBackendAbiIsRefused) {
  const Subject* lm = find_subject("linear-map");
  ASSERT_NE(lm, nullptr);
  EXPECT_FALSE(lm->takes_backend());
  const std::unique_ptr<Case> c =
      load(fs::path(PTEDIFF_SOURCE_DIR) / "conformance/mutants/split-to-ptes.repro");
  CaseOptions opts;
  ptediff_backend fake{};
  opts.backend = &fake;
  EXPECT_NE(c->run(opts, "x").error, "");
  std::string err;
  CaseMinimized m;
  EXPECT_EQ(c->minimize(opts, &m, &err), nullptr);
  EXPECT_NE(err, "");
}

// The shared text rules hold for every subject's parser.
TEST(Subjects, ParsersShareTheTextRules) {
  const std::string lm = "ptediff-repro 1\nsubject linear-map\ngranule 4k\n";
  const std::string ct = "ptediff-repro 1\ngranule 4k\n";
  for (const std::string& head : {lm, ct}) {
    ParseError err;
    const Subject* s = subject_for_text(head, "f", &err);
    ASSERT_NE(s, nullptr);
    // Tabs separate tokens.
    EXPECT_NE(s->parse(head + "features\tnone\n", "f", &err), nullptr) << err.str();
    // A duplicate header line is an error at its line.
    EXPECT_EQ(s->parse(head + "granule 4k\n", "f", &err), nullptr) << s->name();
    EXPECT_EQ(err.line, s->name() == std::string_view("contpte") ? 3 : 4) << err.str();
    EXPECT_NE(err.message.find("duplicate"), std::string::npos) << err.str();
    // A 1 MiB token and control bytes are echoed bounded and escaped.
    const std::string junk = std::string(1 << 20, 'x') + "\x1b[2J";
    EXPECT_EQ(s->parse(head + junk + "\n", "f", &err), nullptr);
    EXPECT_LT(err.str().size(), 200u) << s->name();
    EXPECT_EQ(s->parse(head + "\x1b[31m\n", "f", &err), nullptr);
    EXPECT_EQ(err.str().find('\x1b'), std::string::npos) << s->name();
    // End-of-file errors are reported on the last line, never past it.
    EXPECT_EQ(s->parse("ptediff-repro 1\n\n", "f", &err), nullptr);
    EXPECT_EQ(err.line, 2) << s->name() << ": " << err.str();
  }
}

TEST(Subjects, EveryByteStringDecodes) {
  std::vector<uint8_t> bytes;
  for (int i = 0; i < 512; ++i) {
    bytes.push_back(static_cast<uint8_t>(i * 37 + 11));
    for (const Subject* s : all_subjects()) {
      const std::unique_ptr<Case> c = s->decode(bytes);
      ASSERT_NE(c, nullptr);
      // What a binary input runs (after repair) is a program text runs as written.
      std::string comment, why;
      const std::unique_ptr<Case> eff = c->effective({}, &comment, &why);
      ASSERT_NE(eff, nullptr) << why;
      ParseError err;
      EXPECT_NE(s->parse(eff->format(), "decoded", &err), nullptr) << err.str() << "\n"
                                                                   << eff->format();
    }
  }
}

}  // namespace
}  // namespace ptediff
