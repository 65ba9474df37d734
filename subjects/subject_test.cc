// ptediff: the Subject matrix: every operation the tool offers works for
// every subject, on every shipped program of that subject.
#include "subjects/subject.h"

#include <gtest/gtest.h>

#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "engine/external.h"
#include "testing/shipped.h"

namespace ptediff {
namespace {

// The programs of the matrix: every subject's corpus programs, which run
// clean, and every mutant program, which its mutant catches.
std::vector<ShippedProgram> matrix_programs() {
  return shipped_programs({ShippedKind::kCorpus, ShippedKind::kMutant});
}

class SubjectMatrix : public ::testing::TestWithParam<ShippedProgram> {};

TEST_P(SubjectMatrix, EveryCommandWorks) {
  const ShippedProgram& sh = GetParam();
  const std::unique_ptr<Case> c = sh.load();
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
  // Entries print as numbers (0 for an empty one), never as a zero-padded run.
  EXPECT_FALSE(std::regex_search(r.report, std::regex("(^|[^0-9a-fx])0{16,}"))) << r.report;
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

INSTANTIATE_TEST_SUITE_P(Shipped, SubjectMatrix, ::testing::ValuesIn(matrix_programs()),
                         ShippedName);

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

TEST(Subjects, BackendOfAnotherAbiIsRefused) {
  const Subject* lm = find_subject("linear-map");
  ASSERT_NE(lm, nullptr);
  EXPECT_FALSE(lm->takes_backend());
  EXPECT_TRUE(lm->takes_backend_v3());
  const ShippedProgram* program = shipped_mutant("split-to-ptes");
  ASSERT_NE(program, nullptr);
  const std::unique_ptr<Case> c = program->load();
  ASSERT_NE(c, nullptr);
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

// Every shipped .repro is written in the one dialect: its lines, without
// comments and surrounding blanks, are the canonical text of its program.
TEST(Subjects, ShippedProgramsAreCanonicalText) {
  size_t n = 0;
  for (const ShippedProgram& p : shipped_programs()) {
    const std::unique_ptr<Case> c = p.load();
    ASSERT_NE(c, nullptr);
    std::string lines;
    for (absl::string_view l : absl::StrSplit(p.text, '\n')) {
      l = absl::StripAsciiWhitespace(l.substr(0, l.find('#')));
      if (!l.empty()) absl::StrAppend(&lines, l, "\n");
    }
    const std::string canon = absl::StrReplaceAll(c->format(), {{"\n  @", "\n@"}});
    EXPECT_EQ(lines, canon) << p.path;
    ++n;
  }
  EXPECT_GT(n, 100u);
}

// The header of an empty program of `s`, in canonical text.
std::string empty_header(const Subject& s) { return s.decode({})->format(); }

// The line of `text` that starts with `prefix` (1-based), or 0.
int line_of(const std::string& text, const std::string& prefix) {
  int n = 0;
  for (absl::string_view l : absl::StrSplit(text, '\n')) {
    ++n;
    if (absl::StartsWith(l, prefix)) return n;
  }
  return 0;
}

// One header front end: the same rules hold for every subject's header.
TEST(Subjects, OneHeaderDialect) {
  for (const Subject* s : all_subjects()) {
    SCOPED_TRACE(s->name());
    const std::string head = empty_header(*s);
    ParseError err;
    // The canonical header names the subject right after the magic line,
    // and subject_for_text picks it whatever the spacing of the magic line.
    ASSERT_EQ(line_of(head, absl::StrCat("subject ", s->name())), 2) << head;
    for (const char* magic : {"ptediff-repro  1", "ptediff-repro\t1", " ptediff-repro 1 # c"}) {
      const std::string text = absl::StrReplaceAll(head, {{"ptediff-repro 1", magic}});
      EXPECT_EQ(subject_for_text(text, "f", &err), s) << err.str();
      EXPECT_NE(s->parse(text, "f", &err), nullptr) << err.str();
    }
    // A mutant the subject's catalogue does not know is an error at its line.
    const std::string bad_mutant =
        absl::StrReplaceAll(head, {{"mutant none", "mutant no-such-bug"}});
    EXPECT_EQ(s->parse(bad_mutant, "f", &err), nullptr);
    EXPECT_EQ(err.line, line_of(head, "mutant ")) << err.str();
    EXPECT_NE(err.message.find(absl::StrCat("unknown ", s->name(), " mutant 'no-such-bug'")),
              std::string::npos)
        << err.str();
    const std::string known = absl::StrReplaceAll(
        head, {{"mutant none", absl::StrCat("mutant ", s->mutants().front().name)}});
    const std::unique_ptr<Case> c = s->parse(known, "f", &err);
    ASSERT_NE(c, nullptr) << err.str();
    EXPECT_EQ(c->mutant(), s->mutants().front().name);
    EXPECT_EQ(s->decode(c->encode())->format(), c->format());
    // `features` without a value is an error, not "none".
    const int features = line_of(head, "features ");
    ASSERT_GT(features, 0);
    const std::string no_features =
        absl::StrReplaceAll(head, {{"\nfeatures ", "\nfeatures\n# was: "}});
    EXPECT_EQ(s->parse(no_features, "f", &err), nullptr);
    EXPECT_EQ(err.line, features) << err.str();
    EXPECT_NE(err.message.find("'features' takes one value, got 0"), std::string::npos)
        << err.str();
    // Every header line is given once: the subject line too.
    EXPECT_EQ(s->parse(head + absl::StrCat("subject ", s->name(), "\n"), "f", &err), nullptr);
    EXPECT_NE(err.message.find("duplicate 'subject' line (first at line 2)"), std::string::npos)
        << err.str();
    // granule is required in every subject.
    const std::string no_granule = absl::StrReplaceAll(head, {{"\ngranule ", "\n# granule "}});
    EXPECT_EQ(s->parse(no_granule, "f", &err), nullptr);
    EXPECT_NE(err.message.find("missing 'granule' line"), std::string::npos) << err.str();
  }
}

// The linear map's ops: errors at the op's line, names as written, values
// range-checked before they are narrowed.
TEST(Subjects, LinearMapOpErrors) {
  const Subject* lm = find_subject("linear-map");
  ASSERT_NE(lm, nullptr);
  const std::string head = empty_header(*lm);
  const int first = line_of(head + "x\n", "x");  // the line of the first op
  ParseError err;
  EXPECT_EQ(lm->parse(head + "fail_alloc depth=4294967298\n", "f", &err), nullptr);
  EXPECT_EQ(err.str(),
            absl::StrCat("f:", first, ": depth=4294967298 out of range (max 4294967295)"));
  EXPECT_EQ(lm->parse(head + "map va=0x0 pa=0x0 size=0x1000 flags=4294967297\n", "f", &err),
            nullptr);
  EXPECT_EQ(err.line, first);
  EXPECT_NE(lm->parse(head + "fail_alloc depth=2\n", "f", &err), nullptr) << err.str();
  EXPECT_EQ(lm->parse(head + "set_memory_ro va=0x0 nr=1 stride=1\n", "f", &err), nullptr);
  EXPECT_EQ(err.message, "set_memory_ro does not take operand 'stride' (takes: va nr)");
  EXPECT_EQ(lm->parse(head + "set_alias_nx va=0x0 nr=1\n", "f", &err), nullptr);
  EXPECT_EQ(err.message, "missing operand 'stride' (set_alias_nx takes: va nr stride)");
  // Too many ops: reported at the op past the limit, not at the end.
  std::string text = head;
  for (int i = 0; i <= 100000; ++i) text += "repaint\n";
  text += "# the end\n";
  EXPECT_EQ(lm->parse(text, "f", &err), nullptr);
  EXPECT_EQ(err.str(), absl::StrCat("f:", first + 100000, ": more than 100000 ops"));
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
