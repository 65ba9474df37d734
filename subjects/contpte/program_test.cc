// ptediff: tests of the text .repro format and the binary fuzz encoding.
#include "subjects/contpte/text.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "subjects/contpte/codec.h"

namespace ptediff {
namespace {

// Canonical text touching every op kind; valid in every granule (addresses are
// 64K-aligned and inside the smallest default window, pick < 16, order <= 9).
constexpr char kAllOps[] = R"(ptediff-repro 1
subject contpte
granule 4k
features hafdbs
profile fold
mutant none
folio_alloc order=4 place=high
ptep_get mm=0 va=0x10000
ptep_get_lockless mm=2 va=0x3f0000
set_ptes mm=0 va=0x20000 nr=16 folio=0 idx=0 prot=a|d|w
pte_clear mm=1 va=0x20000
ptep_get_and_clear mm=0 va=0x20000
ptep_clear_flush mm=0 va=0x20000
ptep_test_and_clear_young mm=0 va=0x20000
ptep_clear_flush_young mm=0 va=0x20000
ptep_set_wrprotect mm=0 va=0x20000
wrprotect_ptes mm=0 va=0x20000 nr=16
ptep_set_access_flags mm=0 va=0x20000 write=1 dirty=0
clear_full_ptes mm=0 va=0x20000 nr=3 full=1
get_and_clear_full_ptes mm=0 va=0x20000 nr=1024 full=0
clear_young_dirty_ptes mm=0 va=0x20000 nr=16 cydp=young|dirty
ptep_modify_prot mm=0 va=0x20000 write=0
pte_batch_hint mm=0 va=0x20000
access mm=0 va=0x30000 kind=exec pick=15
tlb_fill mm=0 va=0x30000 block=1 pick=0
fault mm=0 va=0x10000 order=9 write=1 place=gap
wp_fault mm=0 va=0x10000 reuse=1
fork va=0x0 nr=512
zap mm=1 va=0x0 nr=512 full=1
mprotect mm=0 va=0x10000 nr=16 write=1
madv_free mm=0 va=0x10000
referenced mm=0 va=0x10000
mkclean mm=0 va=0x10000
split_pmd mm=0 va=0x200000 write=0 dirty=1 place=low
mremap mm=0 va=0x10000 nr=16 dst=0x1f0000
mprotect_none mm=0 va=0x10000 nr=16 numa=1
numa_fault mm=0 va=0x10000 write=1
swap_out mm=0 va=0x10000 slot=16
swap_in mm=0 va=0x10000 order=4 write=0
try_to_migrate mm=0 va=0x10000
remove_migration_ptes mm=0 va=0x10000 place=low
uffd_wp mm=0 va=0x10000 nr=16 resolve=1 markers=1
set_ptes mm=0 va=0x0 nr=1 folio=255 idx=511 prot=none
set_ptes mm=0 va=0x0 nr=1 folio=1 idx=2 prot=a|d|w|x|nc|special
set_ptes mm=0 va=0x0 nr=1 folio=1 idx=2 prot=a|d|ro
access mm=0 va=0x0 kind=read pick=0
clear_young_dirty_ptes mm=0 va=0x0 nr=1 cydp=none
  @ prim=0 access mm=0 va=0x0 kind=write pick=3
  @ prim=2 tlb_fill mm=1 va=0x0 block=1 pick=0
  @ prim=2 lockless mm=0 va=0x0
)";

Program parse_ok(std::string_view text, uint64_t window_pages = 0) {
  Program p;
  ParseError err;
  EXPECT_TRUE(parse_repro(text, "t.repro", &p, &err, window_pages)) << err.str();
  return p;
}

TEST(ReproText, CoversEveryOpKind) {
  std::set<OpKind> kinds;
  for (const Op& op : parse_ok(kAllOps).ops) kinds.insert(op.kind);
  EXPECT_EQ(kinds.size(), kNumOpKinds);
}

TEST(ReproText, CanonicalRoundTripEveryGranule) {
  for (const char* g : {"4k", "16k", "64k"}) {
    SCOPED_TRACE(g);
    const std::string text =
        absl::StrReplaceAll(kAllOps, {{"granule 4k", absl::StrCat("granule ", g)}});
    Program p = parse_ok(text);
    EXPECT_EQ(granule_name(p.header.granule), std::string(g));
    std::string why;
    EXPECT_TRUE(validate_program(p, 0, &why)) << why;
    EXPECT_EQ(format_repro(p), text);
    EXPECT_EQ(parse_ok(format_repro(p)), p);
    EXPECT_EQ(decode_program(encode_program(p)), p);
  }
}

TEST(ReproText, LenientInputFormatsCanonically) {
  Program p = parse_ok(
      "# a comment\r\n"
      "\n"
      "  ptediff-repro\t1   # trailing comment\r\n"
      "mutant fold-ignores-pfn\n"
      "profile batch\n"
      "granule 16k\n"
      "features bbml2\n"
      "access\tpick=0x7f kind=1  va=0x4000 mm=0x1 # comment\n"
      "set_ptes prot=0x77 idx=2047 folio=3 nr=0x10 va=16384 mm=0\n"
      "clear_young_dirty_ptes cydp=2 nr=1 va=0x0 mm=0\n"
      "fault place=0 write=0 order=11 va=0x8000 mm=2\n");
  EXPECT_EQ(format_repro(p),
            "ptediff-repro 1\n"
            "subject contpte\n"
            "granule 16k\n"
            "features bbml2\n"
            "profile batch\n"
            "mutant fold-ignores-pfn\n"
            "access mm=1 va=0x4000 kind=write pick=127\n"
            "set_ptes mm=0 va=0x4000 nr=16 folio=3 idx=2047 prot=a|d|w|x|nc|special\n"
            "clear_young_dirty_ptes mm=0 va=0x0 nr=1 cydp=dirty\n"
            "fault mm=2 va=0x8000 order=11 write=0 place=low\n");
}

TEST(ReproText, HeaderDefaultsAndFeatures) {
  Program p = parse_ok("ptediff-repro 1\ngranule 64k\n");
  EXPECT_EQ(p.header, (Header{PTEDIFF_GRANULE_64K, true, false, Profile::kFold, "none"}));
  EXPECT_TRUE(p.ops.empty());
  Program n = parse_ok("ptediff-repro 1\ngranule 4k\nfeatures none\n");
  EXPECT_FALSE(n.header.hafdbs || n.header.bbml2);
  EXPECT_NE(format_repro(n).find("\nfeatures none\n"), std::string::npos);
  Program b = parse_ok("ptediff-repro 1\ngranule 4k\nfeatures bbml2,hafdbs\n");
  EXPECT_TRUE(b.header.hafdbs && b.header.bbml2);
  EXPECT_NE(format_repro(b).find("\nfeatures hafdbs,bbml2\n"), std::string::npos);
  // `subject contpte` may name the default subject, directly after the magic.
  EXPECT_EQ(parse_ok("ptediff-repro 1\nsubject contpte\ngranule 64k\n"),
            parse_ok("ptediff-repro 1\ngranule 64k\n"));
}

TEST(ReproText, WindowPagesParameter) {
  const char* text = "ptediff-repro 1\ngranule 4k\nptep_get mm=0 va=0x3f000\n";
  Program p;
  ParseError err;
  EXPECT_TRUE(parse_repro(text, "w", &p, &err, 64)) << err.str();
  EXPECT_FALSE(parse_repro(text, "w", &p, &err, 63));
  EXPECT_EQ(err.str(), "w:3: va=0x3f000 out of range (max 0x3e000)");
}

struct BadCase {
  std::string text;
  int line;
  std::string message;  // a substring of the message
};

TEST(ReproText, MalformedRejectedWithLine) {
  const std::string h = "ptediff-repro 1\ngranule 4k\n";  // ops start at line 3
  const std::vector<BadCase> cases = {
      {"", 1, "missing 'ptediff-repro 1' line"},
      {"# only a comment\n\n", 2, "missing 'ptediff-repro 1' line"},
      {"granule 4k\n", 1, "expected 'ptediff-repro 1', got 'granule'"},
      {"ptediff-repro 2\n", 1, "unsupported repro version '2'"},
      {"ptediff-repro\n", 1, "one version number"},
      {"ptediff-repro 1\n\n", 2, "missing 'granule' line"},
      {"ptediff-repro 1\nptep_get mm=0 va=0x0\ngranule 4k\n", 2, "missing 'granule' line"},
      {h + "granule 16k\n", 3, "duplicate 'granule' line (first at line 2)"},
      {h + "ptediff-repro 1\n", 3, "duplicate 'ptediff-repro' line"},
      {h + "ptep_get mm=0 va=0x0\nprofile fold\n", 4, "header line 'profile' after"},
      {"ptediff-repro 1\ngranule 8k\n", 2, "bad granule '8k'"},
      {"ptediff-repro 1\ngranule\n", 2, "'granule' takes one value, got 0"},
      {"ptediff-repro 1\nsubject contpte\nsubject contpte\n", 3,
       "duplicate 'subject' line (first at line 2)"},
      {h + "subject contpte\n", 3, "'subject' goes directly after 'ptediff-repro 1'"},
      {"ptediff-repro 1\nsubject linear-map\n", 2,
       "subject 'linear-map' where 'subject contpte' was expected"},
      {h + "profile turbo\n", 3, "bad profile 'turbo'"},
      {h + "features\n", 3, "'features' takes one value, got 0"},
      {h + "features hafdbs bbml2\n", 3, "'features' takes one value, got 2"},
      {h + "features hafdbs,lpa2\n", 3, "feature 'lpa2' is not a contpte feature"},
      {h + "features none,hafdbs\n", 3, "feature 'none' is not a contpte feature"},
      {h + "features hafdbs,hafdbs\n", 3, "duplicate feature 'hafdbs'"},
      {h + "mutant Fold_Skip\n", 3, "bad mutant name 'Fold_Skip'"},
      {h + "mutant " + std::string(64, 'a') + "\n", 3, "at most 63"},
      {h + "mutant a b\n", 3, "'mutant' takes one value, got 2"},
      {h + "mutant no-such-bug\nptep_get mm=0 va=0x0\n", 3, "unknown contpte mutant 'no-such-bug'"},
      {h + "ptep_gte mm=0 va=0x0\n", 3, "unknown op 'ptep_gte'"},
      {h + "@access prim=0 mm=0 va=0x0 kind=read pick=0\n", 3, "unknown op '@access'"},
      {h + "@ prim=0 lockless mm=0 va=0x0\n", 3, "event before the first op"},
      {h + "ptep_get mm=0 va=0x0\n@ prim=0 mm=0 va=0x0\n", 4, "event without a name"},
      {h + "ptep_get mm=0 va=0x0\n@ prim=0 jump mm=0 va=0x0\n", 4, "unknown event 'jump'"},
      {h + "ptep_get mm=0 va=0x0\n@ lockless lockless\n", 4, "names two events"},
      {h + "ptep_get mm=0 va=0x0\n@ lockless mm=0 va=0x0\n", 4, "missing operand 'prim'"},
      {h + "ptep_get mm=0 va=0x0\n@ prim=4096 lockless mm=0 va=0x0\n", 4, "prim=4096 out of"},
      {h + "ptep_get mm=0 va=0x0\n@ prim=0 lockless mm=0 va=0x0 pick=1\n", 4,
       "@lockless does not take operand 'pick'"},
      {h + "ptep_get mm=0 va=0x0\n@ prim=3 lockless mm=0 va=0x0\n@ prim=2 lockless mm=0 "
           "va=0x0\n",
       5, "before the event above it"},
      {h + "ptep_get mm=0 va=0x0\n" +
           absl::StrJoin(std::vector<std::string>(5, "@ prim=0 lockless mm=0 va=0x0\n"), ""),
       8, "more than 4 events under one op"},
      {h + "ptep_get mm=0\n", 3, "missing operand 'va' (ptep_get takes: mm va)"},
      {h + "ptep_get mm=0 va=0x0 mm=1\n", 3, "duplicate operand 'mm'"},
      {h + "ptep_get mm=0 va=0x0 nr=1\n", 3, "ptep_get does not take operand 'nr'"},
      {h + "ptep_get mm=0 va=0x0 colour=1\n", 3, "unknown operand 'colour'"},
      {h + "ptep_get mm=0 va\n", 3, "operand 'va' is not key=value"},
      {h + "ptep_get mm=0x va=0x0\n", 3, "bad number '0x' for mm"},
      {h + "ptep_get mm=12a va=0x0\n", 3, "bad number '12a' for mm"},
      {h + "ptep_get mm=-1 va=0x0\n", 3, "bad number '-1' for mm"},
      {h + "ptep_get mm=+1 va=0x0\n", 3, "bad number '+1' for mm"},
      {h + "ptep_get mm= va=0x0\n", 3, "bad number '' for mm"},
      {h + "ptep_get mm=0 va=0x 10\n", 3, "bad number '0x' for va"},
      {h + "ptep_get mm=99999999999999999999999 va=0x0\n", 3, "bad number"},
      {h + "ptep_get mm=0 va=0x10000000000000000\n", 3, "bad number"},
      {h + "ptep_get mm=3 va=0x0\n", 3, "mm=3 out of range (max 2)"},
      {h + "ptep_get mm=0 va=0x10800\n", 3, "va=0x10800 is not aligned"},
      {h + "ptep_get mm=0 va=0x400000\n", 3, "va=0x400000 out of range (max 0x3ff000)"},
      {h + "mremap mm=0 va=0x0 nr=1 dst=0x1001\n", 3, "dst=0x1001 is not aligned"},
      {h + "access mm=0 va=0x0 kind=read pick=16\n", 3, "pick=16 out of range (max 15)"},
      {h + "access mm=0 va=0x0 kind=jump pick=0\n", 3, "bad kind value 'jump'"},
      {h + "access mm=0 va=0x0 kind=3 pick=0\n", 3, "kind=3 out of range (max 2)"},
      {h + "wrprotect_ptes mm=0 va=0x0 nr=0\n", 3, "nr=0 out of range (min 1)"},
      {h + "wrprotect_ptes mm=0 va=0x0 nr=1025\n", 3, "nr=1025 out of range (max 1024)"},
      {h + "fault mm=0 va=0x0 order=10 write=0 place=low\n", 3, "order=10 out of"},
      {h + "fault mm=0 va=0x0 order=0 write=2 place=low\n", 3, "write=2 out of"},
      {h + "fault mm=0 va=0x0 order=0 write=0 place=far\n", 3, "bad place value 'far'"},
      {h + "set_ptes mm=0 va=0x0 nr=1 folio=0 idx=512 prot=a\n", 3, "idx=512 out of"},
      {h + "set_ptes mm=0 va=0x0 nr=1 folio=256 idx=0 prot=a\n", 3, "folio=256 out of"},
      {h + "set_ptes mm=0 va=0x0 nr=1 folio=0 idx=0 prot=a|q\n", 3, "bad prot value"},
      {h + "set_ptes mm=0 va=0x0 nr=1 folio=0 idx=0 prot=a||d\n", 3, "bad prot value"},
      {h + "set_ptes mm=0 va=0x0 nr=1 folio=0 idx=0 prot=a|a\n", 3, "duplicate flag 'a'"},
      {h + "set_ptes mm=0 va=0x0 nr=1 folio=0 idx=0 prot=128\n", 3, "prot=128 out of"},
      {h + "set_ptes mm=0 va=0x0 nr=1 folio=0 idx=0 prot=a|d|w|ro\n", 3,
       "writable, software-dirty, read-only entry"},
      {h + "set_ptes mm=0 va=0x0 nr=1 folio=0 idx=0 prot=14\n", 3, "drop ro"},
      {h + "clear_young_dirty_ptes mm=0 va=0x0 nr=1 cydp=4\n", 3, "cydp=4 out of"},
      {h + "\n\n# c\nptep_get mm=0 va=0x0\nbogus\n", 7, "unknown op 'bogus'"},
      {h + "ptep_get\x01\xff mm=0\n", 3, "unknown op 'ptep_get\\x01\\xff'"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.text);
    Program p;
    p.header.mutant = "untouched";
    ParseError err;
    ASSERT_FALSE(parse_repro(c.text, "t.repro", &p, &err));
    const std::string s = err.str();
    EXPECT_EQ(s.rfind(absl::StrCat("t.repro:", c.line, ": "), 0), 0u) << s;
    EXPECT_NE(s.find(c.message), std::string::npos) << s;
    EXPECT_EQ(s.find('\n'), std::string::npos) << s;
    EXPECT_EQ(p.header.mutant, "untouched");
  }
}

TEST(ReproText, TooManyOps) {
  std::string text = "ptediff-repro 1\ngranule 4k\n";
  for (size_t i = 0; i <= kMaxReproOps; ++i) text += "ptep_get mm=0 va=0x0\n";
  Program p;
  ParseError err;
  ASSERT_FALSE(parse_repro(text, "big", &p, &err));
  EXPECT_EQ(err.str(), absl::StrCat("big:", kMaxReproOps + 3, ": too many ops (limit 1000000)"));
}

TEST(ReproText, GarbageNeverCrashes) {
  std::mt19937_64 rng(7);
  const std::string alphabet = "ptediff-repro 1\ngranule4k=x0|#\r\t \x80\x01";
  for (int iter = 0; iter < 2000; ++iter) {
    std::string text;
    if (iter % 2) text = "ptediff-repro 1\ngranule 4k\n";
    const size_t len = rng() % 200;
    for (size_t i = 0; i < len; ++i) {
      text += iter % 3 ? alphabet[rng() % alphabet.size()] : static_cast<char>(rng());
    }
    Program p;
    ParseError err;
    if (!parse_repro(text, "g", &p, &err)) {
      EXPECT_GE(err.line, 1);
      EXPECT_EQ(err.message.find('\n'), std::string::npos);
    } else {
      EXPECT_TRUE(validate_program(p, 0, nullptr));
    }
  }
}

TEST(ReproText, MutatedReprosNeverCrash) {
  std::mt19937_64 rng(3);
  const std::string edits = "0x19=| #\n\rafkz-";
  int accepted = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string text = format_repro(parse_ok(kAllOps));
    for (int n = 1 + rng() % 3; n > 0; --n) {
      const size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text[at] = edits[rng() % edits.size()];
          break;
        case 1:
          text.erase(at, 1 + rng() % 8);
          break;
        default:
          text.insert(at, 1, edits[rng() % edits.size()]);
          break;
      }
    }
    Program p;
    ParseError err;
    if (parse_repro(text, "m", &p, &err)) {
      ++accepted;
      ASSERT_TRUE(validate_program(p, 0, nullptr)) << text;
      ASSERT_EQ(parse_ok(format_repro(p)), p);
    } else {
      ASSERT_GE(err.line, 1);
      ASSERT_EQ(err.message.find('\n'), std::string::npos);
    }
  }
  EXPECT_GT(accepted, 0);
}

std::vector<uint8_t> random_bytes(std::mt19937_64& rng, size_t len) {
  std::vector<uint8_t> b(len);
  for (uint8_t& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

TEST(Codec, WidthsHoldEveryValue) {
  for (ptediff_granule g : {PTEDIFF_GRANULE_4K, PTEDIFF_GRANULE_16K, PTEDIFF_GRANULE_64K}) {
    const ptediff_geometry geo = ptediff_geometry_of(g);
    const uint64_t win = window_pages_or_default(geo, 0);
    for (size_t i = 0; i < kNumFields; ++i) {
      const Field f = static_cast<Field>(i);
      const FieldDesc& c = field_codec(f);
      const uint64_t raw_max = c.repr == FieldRepr::kAddress ? win - 1
                               : c.repr == FieldRepr::kCount ? win - 1
                                                             : field_max(f, geo, win);
      EXPECT_LT(raw_max, 1ULL << (8 * c.width)) << field_name(f) << " granule " << g;
    }
  }
  EXPECT_EQ(max_encoded_op_size(), 1u + 1 + 2 + 2 + 1 + 2 + 1);  // set_ptes
}

TEST(Codec, TotalDecodingAndRoundTrips) {
  std::mt19937_64 rng(1);
  for (int iter = 0; iter < 20000; ++iter) {
    const uint64_t window = iter % 4 == 3 ? 1 + rng() % 100 : 0;
    const std::vector<uint8_t> bytes = random_bytes(rng, rng() % 301);
    const Program p = decode_program(bytes, window);
    std::string why;
    ASSERT_TRUE(validate_program(p, window, &why)) << why;
    const std::vector<uint8_t> enc = encode_program(p);
    ASSERT_EQ(decode_program(enc, window), p);
    ASSERT_EQ(encode_program(decode_program(enc, window)), enc);
    Program q;
    ParseError err;
    ASSERT_TRUE(parse_repro(format_repro(p), "rt", &q, &err, window)) << err.str();
    ASSERT_EQ(q, p);
  }
}

// A binary input naming a writable, software-dirty, read-only entry decodes
// to the entry pte_mkdirty makes (ro dropped); text naming it is rejected
// (ReproText.MalformedRejectedWithLine).
TEST(Codec, ImpossibleProtDecodesToTheEntryTheKernelMakes) {
  Program p;
  p.ops.push_back(Op{OpKind::kSetPtes});
  p.ops[0].set(Field::kNr, 1);
  p.ops[0].set(Field::kProt, kProtYoung | kProtDirty | kProtWrite | kProtRdonly);
  std::string why;
  EXPECT_FALSE(validate_program(p, 0, &why));
  EXPECT_NE(why.find("drop ro"), std::string::npos) << why;
  const Program q = decode_program(encode_program(p));
  ASSERT_EQ(q.ops.size(), 1u);
  EXPECT_EQ(q.ops[0].get(Field::kProt), kProtYoung | kProtDirty | kProtWrite);
  EXPECT_TRUE(validate_program(q, 0, &why)) << why;
  // Every other combination decodes as it is.
  for (uint64_t prot = 0; prot <= kProtAll; ++prot) {
    p.ops[0].set(Field::kProt, prot);
    EXPECT_EQ(decode_program(encode_program(p)).ops[0].get(Field::kProt), possible_prot(prot));
    EXPECT_EQ(possible_prot(prot) == prot, prot_possible(prot, nullptr)) << prot;
  }
}

TEST(Codec, LayoutDetails) {
  EXPECT_EQ(decode_program({}),
            (Program{Header{PTEDIFF_GRANULE_4K, false, false, Profile::kBasic, "none"}, {}}));
  const Program all = decode_program(std::vector<uint8_t>{0xff, 0x00});
  EXPECT_EQ(all.header, (Header{PTEDIFF_GRANULE_4K, true, true, Profile::kFold, "none"}));
  // A mutant the catalogue knows is kept; any other name reads as none.
  const std::string known = "fold-kernel-mm";
  std::vector<uint8_t> named = {0x01, static_cast<uint8_t>(0x40 | known.size())};
  named.insert(named.end(), known.begin(), known.end());
  const Program m = decode_program(named);
  EXPECT_EQ(m.header.granule, PTEDIFF_GRANULE_16K);
  EXPECT_EQ(m.header.mutant, known);  // the length byte masked to 14
  EXPECT_TRUE(m.ops.empty());
  EXPECT_EQ(decode_program(encode_program(m)), m);
  // 'B' and the missing byte would read as 'x': "ax-9x" is no mutant.
  EXPECT_EQ(decode_program(std::vector<uint8_t>{0x01, 5, 'a', 'B', '-', '9'}).header.mutant,
            "none");
  // fault: opcode, mm, va (2), order, write, place; truncated after va.
  const std::vector<uint8_t> b = {0x00, 0x00, static_cast<uint8_t>(OpKind::kFault), 5, 0x03, 0x04};
  const Program f = decode_program(b);
  ASSERT_EQ(f.ops.size(), 1u);
  // mm 5 % 3; the 4K default window is 1024 pages, so page 0x403 reduces to 3.
  EXPECT_EQ(format_op(f.ops[0]), "fault mm=2 va=0x3000 order=0 write=0 place=low");
  EXPECT_EQ(format_op(decode_program(b, 0x1000).ops[0]),
            "fault mm=2 va=0x403000 order=0 write=0 place=low");
}

TEST(Codec, OpCap) {
  std::vector<uint8_t> b(2 + 2 * kMaxEncodedOps + 100, 0);  // ptep_get mm=0: 4 bytes/op
  EXPECT_EQ(decode_program(b).ops.size(), (b.size() - 2 + 3) / 4);
  b.resize(2 + 4 * kMaxEncodedOps + 100);
  EXPECT_EQ(decode_program(b).ops.size(), kMaxEncodedOps);
}

}  // namespace
}  // namespace ptediff
