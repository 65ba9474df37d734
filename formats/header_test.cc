// ptediff: tests of the shared .repro header front end (formats/header.h), on
// two toy subjects: the default one (which may leave out its subject line)
// and another with a required shape key, a setting key and a cross-key check.
#include "formats/header.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "include/ptediff/backend.h"

namespace ptediff {
namespace {

bool toy_mutant(std::string_view name) { return name == "toy-bug"; }

// The shape "huge" needs granule 4k.
std::string toy_check(const ReproHeader& h) {
  if (h.granule_line == 0 || h.choice_line[0] == 0) return "";
  return h.choice[0] == 1 && h.granule != PTEDIFF_GRANULE_4K ? "shape huge needs granule 4k" : "";
}

constexpr const char* kShapes[] = {"small", "huge"};
constexpr const char* kModes[] = {"slow", "fast"};
const HeaderChoice kToyChoices[] = {{"shape", kShapes, HeaderRole::kShape},
                                    {"mode", kModes, HeaderRole::kSetting, 1}};
const HeaderSchema kToy{
    "toy",    PTEDIFF_FEAT_HAFDBS | PTEDIFF_FEAT_LPA2, PTEDIFF_FEAT_HAFDBS, kToyChoices, toy_mutant,
    toy_check};
const HeaderSchema kDefault{"contpte", PTEDIFF_FEAT_HAFDBS | PTEDIFF_FEAT_BBML2, 0, {}, nullptr};

// Reads `text` as the header reader's caller does: every line, then finish.
// Returns the error ("" when none); *body gets the body lines' first tokens.
std::string read(const HeaderSchema& schema, std::string_view text, ReproHeader* out = nullptr,
                 std::vector<std::string>* body = nullptr) {
  HeaderReader r(schema, "t.repro");
  int last = 0;
  bool ok = for_each_line(text, &last, [&](int n, const std::vector<absl::string_view>& toks) {
    switch (r.read(n, toks)) {
      case HeaderReader::Line::kHeader:
        return true;
      case HeaderReader::Line::kBody:
        if (body != nullptr) body->push_back(std::string(toks[0]));
        return true;
      case HeaderReader::Line::kError:
        return false;
    }
    return false;
  });
  ok = ok && r.finish(last);
  if (out != nullptr) *out = r.header();
  return ok ? "" : r.error().str();
}

constexpr char kToyHead[] = "ptediff-repro 1\nsubject toy\ngranule 16k\nshape small\n";

TEST(Header, ReadsEveryKeyAndTheBody) {
  ReproHeader h;
  std::vector<std::string> body;
  ASSERT_EQ(read(kToy,
                 "# comment\nptediff-repro 1\nsubject toy\nmutant toy-bug\nfeatures lpa2,hafdbs\n"
                 "mode slow\ngranule 64k\nshape small\nop a=1\nop b=2\n",
                 &h, &body),
            "");
  EXPECT_EQ(h.granule, PTEDIFF_GRANULE_64K);
  EXPECT_EQ(h.features, PTEDIFF_FEAT_HAFDBS | PTEDIFF_FEAT_LPA2);
  EXPECT_EQ(h.mutant, "toy-bug");
  EXPECT_EQ(h.choice, (std::vector<size_t>{0, 0}));
  EXPECT_EQ(h.magic_line, 2);
  EXPECT_EQ(h.subject_line, 3);
  EXPECT_EQ(h.choice_line, (std::vector<int>{8, 6}));
  EXPECT_EQ(body, (std::vector<std::string>{"op", "op"}));
}

TEST(Header, OptionalKeysTakeTheirDefaults) {
  ReproHeader h;
  ASSERT_EQ(read(kToy, kToyHead, &h), "");
  EXPECT_EQ(h.features, PTEDIFF_FEAT_HAFDBS);
  EXPECT_EQ(h.mutant, "none");
  EXPECT_EQ(h.choice[1], 1u);
  EXPECT_EQ(h.features_line, 0);
  EXPECT_EQ(h.mutant_line, 0);
}

TEST(Header, MagicAndSubjectLinesAreMatchedByTokens) {
  for (const char* magic : {"ptediff-repro 1", "ptediff-repro  1", "ptediff-repro\t1",
                            "  ptediff-repro 1\r", "ptediff-repro 1 # comment"}) {
    SCOPED_TRACE(magic);
    const std::string text = std::string(magic) + "\nsubject\ttoy\ngranule 4k\nshape huge\n";
    EXPECT_EQ(read(kToy, text), "");
    std::string subject;
    int line = 0;
    ParseError err;
    ASSERT_TRUE(read_repro_subject(text, "t.repro", &subject, &line, &err)) << err.str();
    EXPECT_EQ(subject, "toy");
    EXPECT_EQ(line, 2);
  }
}

TEST(Header, ReadReproSubject) {
  std::string subject = "stale";
  int line = -1;
  ParseError err;
  // No subject line: the default subject.
  ASSERT_TRUE(
      read_repro_subject("ptediff-repro 1\ngranule 4k\nsubject toy\n", "f", &subject, &line, &err));
  EXPECT_EQ(subject, "");
  EXPECT_EQ(line, 0);
  ASSERT_TRUE(read_repro_subject("\n# c\nptediff-repro 1\n\n  subject other # c\n", "f", &subject,
                                 &line, &err));
  EXPECT_EQ(subject, "other");
  EXPECT_EQ(line, 5);
  struct Bad {
    std::string text;
    std::string error;
  };
  for (const Bad& b : std::vector<Bad>{
           {"", "f:1: missing 'ptediff-repro 1' line"},
           {"# c\n\n", "f:2: missing 'ptediff-repro 1' line"},
           {"granule 4k\n", "f:1: expected 'ptediff-repro 1', got 'granule'"},
           {"ptediff-repro 2\n", "f:1: unsupported repro version '2' (expected 1)"},
           {"ptediff-repro 1\nsubject\n", "f:2: 'subject' takes one value, got 0"},
           {"ptediff-repro 1\nsubject a b\n", "f:2: 'subject' takes one value, got 2"},
       }) {
    EXPECT_FALSE(read_repro_subject(b.text, "f", &subject, &line, &err)) << b.text;
    EXPECT_EQ(err.str(), b.error);
  }
}

TEST(Header, TheDefaultSubjectMayLeaveOutItsSubjectLine) {
  EXPECT_EQ(read(kDefault, "ptediff-repro 1\ngranule 4k\nop\n"), "");
  EXPECT_EQ(read(kDefault, "ptediff-repro 1\nsubject contpte\ngranule 4k\nop\n"), "");
  // Another subject may not: without the line the text is a default-subject program.
  EXPECT_EQ(read(kToy, "ptediff-repro 1\ngranule 4k\nshape small\n"),
            "t.repro:2: expected 'subject toy' after 'ptediff-repro 1' (a repro without a "
            "subject line is a contpte program)");
  EXPECT_EQ(read(kToy, "ptediff-repro 1\n"), "t.repro:1: missing 'subject toy' line");
  // The subject line has one place, so every reader finds it alike.
  EXPECT_EQ(read(kDefault, "ptediff-repro 1\ngranule 4k\nsubject contpte\n"),
            "t.repro:3: 'subject' goes directly after 'ptediff-repro 1'");
}

TEST(Header, MalformedHeadersAreRejectedAtTheirLine) {
  const std::string h = kToyHead;  // body lines start at line 5
  struct Bad {
    std::string text;
    std::string error;
  };
  for (const Bad& b : std::vector<Bad>{
           {"", "t.repro:1: missing 'ptediff-repro 1' line"},
           {"ptediff-repro\n", "t.repro:1: expected 'ptediff-repro 1' (one version number)"},
           {"ptediff-repro 1\nsubject contpte\n",
            "t.repro:2: subject 'contpte' where 'subject toy' was expected"},
           {"ptediff-repro 1\nsubject toy\nsubject toy\n",
            "t.repro:3: duplicate 'subject' line (first at line 2)"},
           {h + "ptediff-repro 1\n", "t.repro:5: duplicate 'ptediff-repro' line (first at line 1)"},
           {h + "granule 4k\n", "t.repro:5: duplicate 'granule' line (first at line 3)"},
           {h + "mode fast\nmode fast\n", "t.repro:6: duplicate 'mode' line (first at line 5)"},
           {h + "features none\nfeatures none\n",
            "t.repro:6: duplicate 'features' line (first at line 5)"},
           {h + "mutant none\nmutant none\n",
            "t.repro:6: duplicate 'mutant' line (first at line 5)"},
           // Required lines: at the first op, or at the end of the text.
           {"ptediff-repro 1\nsubject toy\nshape small\nop\n",
            "t.repro:4: missing 'granule' line (4k, 16k or 64k)"},
           {"ptediff-repro 1\nsubject toy\ngranule 4k\n\n# c\n",
            "t.repro:5: missing 'shape' line (small or huge)"},
           {"ptediff-repro 1\nsubject toy\ngranule 4k\nop\n",
            "t.repro:4: missing 'shape' line (small or huge)"},
           {h + "op\nmode fast\n",
            "t.repro:6: header line 'mode' after the first op (the header "
            "comes first)"},
           {h + "op\nsubject toy\n",
            "t.repro:6: header line 'subject' after the first op (the "
            "header comes first)"},
           {h + "op\nptediff-repro 1\n",
            "t.repro:6: duplicate 'ptediff-repro' line (first at line 1)"},
           // Values.
           {"ptediff-repro 1\nsubject toy\ngranule 8k\n",
            "t.repro:3: bad granule '8k' (expected 4k, 16k or 64k)"},
           {"ptediff-repro 1\nsubject toy\ngranule\n",
            "t.repro:3: 'granule' takes one value, got 0"},
           {h + "mode fast slow\n", "t.repro:5: 'mode' takes one value, got 2"},
           {h + "mode turbo\n", "t.repro:5: bad mode 'turbo' (expected slow or fast)"},
           {h + "features\n",
            "t.repro:5: 'features' takes one value, got 0 (none, or a "
            ",-separated list of: hafdbs, lpa2)"},
           {h + "features hafdbs lpa2\n",
            "t.repro:5: 'features' takes one value, got 2 (none, "
            "or a ,-separated list of: hafdbs, lpa2)"},
           {h + "features bbml2\n",
            "t.repro:5: feature 'bbml2' is not a toy feature (none, or "
            "a ,-separated list of: hafdbs, lpa2)"},
           {h + "features hafdbs,\n",
            "t.repro:5: feature '' is not a toy feature (none, or a "
            ",-separated list of: hafdbs, lpa2)"},
           {h + "features none,lpa2\n",
            "t.repro:5: feature 'none' is not a toy feature (none, "
            "or a ,-separated list of: hafdbs, lpa2)"},
           {h + "features lpa2,lpa2\n", "t.repro:5: duplicate feature 'lpa2'"},
           {h + "mutant Toy_Bug\n",
            "t.repro:5: bad mutant name 'Toy_Bug' (expected [a-z0-9-]+, at most 63 characters)"},
           {h + "mutant no-such-bug\n",
            "t.repro:5: unknown toy mutant 'no-such-bug' (ptediff "
            "mutants --subject toy lists them)"},
           // The cross-key check runs at the later of the two lines.
           {"ptediff-repro 1\nsubject toy\nshape huge\ngranule 16k\n",
            "t.repro:4: shape huge needs granule 4k"},
           {"ptediff-repro 1\nsubject toy\ngranule 16k\nshape huge\n",
            "t.repro:4: shape huge needs granule 4k"},
       }) {
    EXPECT_EQ(read(kToy, b.text), b.error) << b.text;
  }
}

TEST(Header, LegalValuesAreQuiet) {
  const std::string h = kToyHead;
  for (const char* line : {"features none\n", "features hafdbs\n", "features lpa2\n",
                           "features hafdbs,lpa2\n", "features lpa2,hafdbs\n", "mutant none\n",
                           "mutant toy-bug\n", "mode slow\n", "mode fast\n"}) {
    EXPECT_EQ(read(kToy, h + line + "op\n"), "") << line;
  }
  // Without a catalogue check any well-formed mutant name is taken.
  EXPECT_EQ(read(kDefault, "ptediff-repro 1\ngranule 4k\nmutant anything\n"), "");
}

TEST(Header, FormatIsCanonicalAndReadsBack) {
  ReproHeader h = default_header(kToy);
  h.features = PTEDIFF_FEAT_LPA2 | PTEDIFF_FEAT_HAFDBS;
  h.choice = {1, 0};
  h.mutant = "toy-bug";
  h.granule = PTEDIFF_GRANULE_4K;
  const std::string text = format_header(kToy, h);
  EXPECT_EQ(text,
            "ptediff-repro 1\nsubject toy\ngranule 4k\nshape huge\nfeatures hafdbs,lpa2\n"
            "mode slow\nmutant toy-bug\n");
  ReproHeader back;
  ASSERT_EQ(read(kToy, text, &back), "");
  EXPECT_EQ(back.granule, h.granule);
  EXPECT_EQ(back.features, h.features);
  EXPECT_EQ(back.choice, h.choice);
  EXPECT_EQ(back.mutant, h.mutant);
  EXPECT_EQ(format_header(kDefault, default_header(kDefault)),
            "ptediff-repro 1\nsubject contpte\ngranule 4k\nfeatures none\nmutant none\n");
}

}  // namespace
}  // namespace ptediff
