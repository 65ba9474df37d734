// ptediff hugetlb: the text format and the binary decoder (program.h).
#include "subjects/hugetlb/program.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ptediff/backend.h"
#include "subjects/hugetlb/mutants.h"

namespace ptediff::hugetlb {
namespace {

constexpr ptediff_granule kGranules[] = {PTEDIFF_GRANULE_4K, PTEDIFF_GRANULE_16K,
                                         PTEDIFF_GRANULE_64K};
// The required header lines; ops start at line 5.
constexpr const char* kHeader = "ptediff-repro 1\nsubject hugetlb\ngranule 4k\nsize cont-pte\n";

void expect_same(const Program& a, const Program& b) {
  EXPECT_EQ(a.granule, b.granule);
  EXPECT_EQ(a.size, b.size);
  EXPECT_EQ(a.features, b.features);
  EXPECT_EQ(a.mutant, b.mutant);
  EXPECT_EQ(a.ops, b.ops);
}

// A program with every op kind, its operands at both ends of their ranges.
Program every_op(ptediff_granule g, HSize s, uint32_t features, std::string mutant) {
  const HState h = hstate_of(g, s);
  const uint64_t last = h.pages - 1, base_pages = h.bytes >> h.geo.page_shift;
  Program p;
  p.granule = g;
  p.size = s;
  p.features = features;
  p.mutant = std::move(mutant);
  p.ops = {
      {.kind = OpKind::kFault, .mm = 0, .page = 0, .write = 1},
      {.kind = OpKind::kFault, .mm = 1, .page = last},
      {.kind = OpKind::kAccess, .page = last, .sub = base_pages - 1, .access = 2, .pick = 63},
      {.kind = OpKind::kAccess,
       .mm = 1,
       .page = 1,
       .sub = h.ncontig > 1 ? h.dpfn() : 1,
       .access = 1,
       .pick = 5},
      {.kind = OpKind::kGet, .mm = 1, .page = last},
      {.kind = OpKind::kFork},
      {.kind = OpKind::kUnmap, .page = 1},
      {.kind = OpKind::kMprotect, .page = 0, .prot = 0},
      {.kind = OpKind::kMprotect, .mm = 1, .page = last, .prot = 1},
      {.kind = OpKind::kMprotect, .page = 1, .prot = 2},
      {.kind = OpKind::kMigrate, .page = last},
      {.kind = OpKind::kRemoveMigr, .mm = 1, .page = 0},
      {.kind = OpKind::kMremap, .page = 0, .to = last},
  };
  return p;
}

Program parse_ok(const std::string& text) {
  Program p;
  ParseError err;
  EXPECT_TRUE(parse_program(text, "t.repro", &p, &err)) << err.str() << "\n" << text;
  return p;
}

TEST(HugetlbProgram, FormatOp) {
  EXPECT_EQ(format_op({.kind = OpKind::kAccess, .page = 3, .sub = 5, .access = 1, .pick = 2}),
            "access mm=0 page=3 sub=5 kind=write pick=2");
  EXPECT_EQ(format_op({.kind = OpKind::kMprotect, .mm = 1, .prot = 1}),
            "mprotect mm=1 page=0 prot=ro");
  EXPECT_EQ(format_op({.kind = OpKind::kFork}), "fork");
  EXPECT_EQ(format_op({.kind = OpKind::kMremap, .page = 2, .to = 7}), "mremap mm=0 page=2 to=7");
  EXPECT_EQ(format_op({.kind = OpKind::kRemoveMigr, .page = 1}), "remove_migration mm=0 page=1");
}

TEST(HugetlbProgram, FormatParseRoundTripEverySize) {
  const std::string mutant = hugetlb_mutants()[1].name;
  const uint32_t features[] = {0, PTEDIFF_FEAT_HAFDBS, PTEDIFF_FEAT_LPA2,
                               PTEDIFF_FEAT_HAFDBS | PTEDIFF_FEAT_LPA2};
  int n = 0;
  for (ptediff_granule g : kGranules) {
    for (uint32_t s = 0; s < kNumHSizes; ++s) {
      if (!hsize_supported(g, static_cast<HSize>(s))) continue;
      const Program p =
          every_op(g, static_cast<HSize>(s), features[n % 4], n % 2 ? mutant : "none");
      ++n;
      const HState h = hstate_of(p.granule, p.size);
      for (const Op& op : p.ops) {
        std::string why;
        EXPECT_TRUE(validate_op(op, h, &why)) << format_op(op) << ": " << why;
      }
      const std::string text = format_program(p);
      expect_same(parse_ok(text), p);
      EXPECT_EQ(format_program(parse_ok(text)), text);
      expect_same(decode_program(encode_program(p)), p);
    }
  }
  EXPECT_EQ(n, 10);  // 4 sizes with 4K, 3 with 16K and 64K
}

TEST(HugetlbProgram, HeaderDefaultsAndSpelling) {
  const Program p = parse_ok(std::string(kHeader) + "fork\n");
  EXPECT_EQ(p.granule, PTEDIFF_GRANULE_4K);
  EXPECT_EQ(p.size, HSize::kContPte);
  EXPECT_EQ(p.features, PTEDIFF_FEAT_HAFDBS);  // the default of an absent features line
  EXPECT_EQ(p.mutant, "none");
  const Program q = parse_ok(
      "  ptediff-repro\t1   # comment\r\nsubject hugetlb\nfeatures lpa2,hafdbs\n"
      "size pmd\ngranule 64k\n\n# ops\naccess page=0x1 mm=1 pick=0 kind=exec sub=0x10\n");
  EXPECT_EQ(q.granule, PTEDIFF_GRANULE_64K);
  EXPECT_EQ(q.size, HSize::kPmd);
  EXPECT_EQ(q.features, PTEDIFF_FEAT_HAFDBS | PTEDIFF_FEAT_LPA2);
  ASSERT_EQ(q.ops.size(), 1u);
  EXPECT_EQ(q.ops[0], (Op{.kind = OpKind::kAccess, .mm = 1, .page = 1, .sub = 16, .access = 2}));
}

// The op table (ops.def) is complete: every op kind has its own spec, whose
// name finds it again; every operand and event operand row has a distinct
// name; op_field / set_op_field reach the member each row names.
TEST(HugetlbProgram, OpTableIsComplete) {
  ASSERT_EQ(all_op_specs().size(), kNumOpKinds);
  for (size_t k = 0; k < kNumOpKinds; ++k) {
    const OpSpec& spec = op_spec(static_cast<OpKind>(k));
    EXPECT_EQ(spec.kind, static_cast<OpKind>(k));
    ASSERT_NE(spec.name, nullptr);
    uint64_t suffix = 0;
    EXPECT_EQ(find_op_spec(all_op_specs(), op_fields(), spec.name, &suffix), &spec) << spec.name;
    EXPECT_FALSE(spec.suffix().has_value());
  }
  ASSERT_EQ(op_fields().size(), kNumFields);
  for (size_t i = 0; i < kNumFields; ++i) {
    const Field f = static_cast<Field>(i);
    ASSERT_NE(field_name(f), nullptr);
    EXPECT_NE(std::string(field_name(f)), "");
    Field found;
    ASSERT_TRUE(op_fields().find(field_name(f), &found));
    EXPECT_EQ(found, f) << field_name(f);
    Op op;
    set_op_field(&op, f, 100 + i);
    for (size_t j = 0; j < kNumFields; ++j) {
      EXPECT_EQ(op_field(op, static_cast<Field>(j)), i == j ? 100 + i : 0) << field_name(f);
    }
  }
  EXPECT_EQ(op_spec(OpKind::kAccess).name, std::string("access"));
  Op access;
  for (Field f : op_spec(OpKind::kAccess).operands()) set_op_field(&access, f, 2);
  EXPECT_EQ(access, (Op{.mm = 2, .page = 2, .sub = 2, .access = 2, .pick = 2}));
  for (const EventSpec& spec : all_event_specs()) {
    EXPECT_EQ(&event_spec(spec.kind), &spec);
    uint64_t suffix = 0;
    EXPECT_EQ(find_op_spec(all_event_specs(), event_fields(), spec.name, &suffix), &spec);
    ASSERT_FALSE(spec.operands().empty());
    EXPECT_EQ(event_fields().name(spec.operands()[0]), std::string("prim"));  // text: `@ prim=N`
    for (EventField f : spec.operands()) {
      EventField found;
      ASSERT_TRUE(event_fields().find(event_fields().name(f), &found));
      EXPECT_EQ(found, f);
    }
  }
  EXPECT_EQ(event_spec(HwEventKind::kTlbFill).name, std::string("tlb_fill"));
}

// Event operands out of their member's range are refused, not truncated.
TEST(HugetlbProgram, EventFieldsRefuseValuesThatDoNotFit) {
  Event ev;
  EXPECT_TRUE(set_event_field(&ev, EventField::kPick, 63));
  EXPECT_FALSE(set_event_field(&ev, EventField::kPick, uint64_t{1} << 32));
  EXPECT_FALSE(set_event_field(&ev, EventField::kBlock, 2));
  EXPECT_FALSE(set_event_field(&ev, EventField::kKind, 256));
  EXPECT_TRUE(set_event_field(&ev, EventField::kVa, uint64_t{1} << 40));
  EXPECT_EQ(ev, (Event{.va = uint64_t{1} << 40, .pick = 63}));
  EXPECT_EQ(event_field(ev, EventField::kVa), uint64_t{1} << 40);
}

// Symbolic operands take their number too (as every subject's do), and
// print as the symbol.
TEST(HugetlbProgram, SymbolicOperandsTakeNumbers) {
  const Program p = parse_ok(std::string(kHeader) +
                             "access mm=0 page=0 sub=0 kind=2 pick=0\n"
                             "mprotect mm=0 page=0 prot=1\n"
                             "fork\n  @ prim=0 access mm=0 va=0 kind=1 pick=0\n");
  ASSERT_EQ(p.ops.size(), 3u);
  EXPECT_EQ(p.ops[0].access, 2u);
  EXPECT_EQ(p.ops[1].prot, 1u);
  EXPECT_EQ(format_op(p.ops[0]), "access mm=0 page=0 sub=0 kind=exec pick=0");
  EXPECT_EQ(format_op(p.ops[1]), "mprotect mm=0 page=0 prot=ro");
  EXPECT_EQ(format_event(p.ops[2].events[0]), "  @ prim=0 access mm=0 va=0x0 kind=write pick=0");
}

// The literal form is byte for byte what it has been (the seed corpora keep
// decoding the same): per op a kind byte and its operands in spec order,
// per event a kind byte and prim, mm, va, kind or block, pick; 8
// little-endian bytes each.
TEST(HugetlbProgram, LiteralFormBytes) {
  Program p;
  p.features = PTEDIFF_FEAT_HAFDBS;
  p.ops = {{.kind = OpKind::kFault, .mm = 1, .page = 2, .write = 1, .race = 3},
           {.kind = OpKind::kFork,
            .events = {{.kind = HwEventKind::kTlbFill, .prim = 5, .va = 0x13000, .block = true}}},
           {.kind = OpKind::kMprotect, .page = 0x102, .prot = 2}};
  std::vector<uint8_t> want = {0xf0, 1, 0};
  const auto op = [&](uint8_t kind, std::initializer_list<uint64_t> vals) {
    want.push_back(kind);
    for (uint64_t v : vals) {
      for (int i = 0; i < 8; ++i) want.push_back(static_cast<uint8_t>(v >> (8 * i)));
    }
  };
  op(0, {1, 2, 1, 3});
  op(3, {});
  op(0xe1, {5, 0, 0x13000, 1, 0});
  op(5, {0, 0x102, 2});
  EXPECT_EQ(encode_program(p), want);
}

// A text the parser rejects at `line` with a message holding `message`,
// leaving its output alone.
struct Rejected {
  std::string text;
  int line;
  std::string message;
};

void expect_rejected(std::span<const Rejected> cases) {
  for (const Rejected& c : cases) {
    Program p;
    p.mutant = "untouched";
    ParseError err;
    EXPECT_FALSE(parse_program(c.text, "bad.repro", &p, &err)) << c.message;
    EXPECT_EQ(err.line, c.line) << err.str();
    EXPECT_NE(err.message.find(c.message), std::string::npos) << err.str();
    EXPECT_EQ(err.file, "bad.repro");
    EXPECT_LT(err.message.size(), 200u) << c.message;
    EXPECT_EQ(p.mutant, "untouched");
  }
}

TEST(HugetlbProgram, ParseErrors) {
  const std::string m = "ptediff-repro 1\nsubject hugetlb\n";  // header lines from line 3
  const std::string h = kHeader;                               // ops from line 5
  const std::string big(1 << 20, 'a');
  const Rejected cases[] = {
      {"", 1, "missing 'ptediff-repro 1' line"},
      {"subject hugetlb\n", 1, "expected 'ptediff-repro 1'"},
      {"ptediff-repro 1\ngranule 4k\n", 2, "expected 'subject hugetlb' after 'ptediff-repro 1'"},
      {"ptediff-repro 1\nfork\n", 2, "expected 'subject hugetlb'"},
      {"ptediff-repro 1\n", 1, "missing 'subject hugetlb' line"},
      {"ptediff-repro 1\nsubject linear-map\n", 2,
       "subject 'linear-map' where 'subject hugetlb' was expected"},
      {m + "subject hugetlb\n", 3, "duplicate 'subject' line (first at line 2)"},
      {h + "ptediff-repro 1\n", 5, "duplicate 'ptediff-repro'"},
      // granule and size are required: at the first op, or at the end of the text.
      {m + "size pmd\nfork\n", 4, "missing 'granule' line"},
      {m + "granule 4k\nfork\n", 4, "missing 'size' line (cont-pte, pmd, cont-pmd or pud)"},
      {m + "granule 4k\n", 3, "missing 'size' line"},
      {m + "size pmd\n# end\n", 4, "missing 'granule' line"},
      {h + "fork\nfrob mm=0\n", 6, "unknown op 'frob'"},
      {h + "fault mm=0 page=1\n", 5, "missing operand 'write' (fault takes: mm page write race)"},
      {h + "get mm=0 page=1 page=2\n", 5, "duplicate operand 'page'"},
      {h + "get mm=0 page=1 write=0\n", 5, "get does not take operand 'write' (takes: mm page)"},
      {h + "get mm=0 page\n", 5, "operand 'page' is not key=value"},
      {h + "fork mm=0\n", 5, "fork does not take operand 'mm' (takes: nothing)"},
      {m + "granule 4k\nsize cont-pmd\nfork\nget mm=0 page=64\n", 6,
       "page 64 out of range (the window holds 64 huge pages of cont-pmd)"},
      {h + "get mm=2 page=0\n", 5, "mm 2 out of range"},
      {h + "get mm=4294967296 page=0\n", 5, "mm 4294967296 out of range"},
      {h + "get mm=-1 page=0\n", 5, "bad number '-1' for mm (expected decimal or 0x-hex)"},
      {h + "fault mm=0 page=0 write=2 race=0\n", 5, "write 2 out of range"},
      {h + "fault mm=0 page=0 write=4294967297 race=0\n", 5, "write 4294967297 out of range"},
      {h + "access mm=0 page=0 sub=16 kind=read pick=0\n", 5, "sub 16 out of range"},
      {h + "access mm=0 page=0 sub=0 kind=3 pick=0\n", 5,
       "kind 3 out of range (read, write or exec)"},
      {h + "access mm=0 page=0 sub=0 kind=x pick=0\n", 5,
       "bad kind value 'x' (expected a number or one of: read, write, exec)"},
      {h + "access mm=0 page=0 sub=0 kind=read pick=64\n", 5, "pick 64 out of range"},
      {h + "mprotect mm=0 page=0 prot=wx\n", 5,
       "bad prot value 'wx' (expected a number or one of: none, ro, rw)"},
      {h + "mprotect mm=0 page=0 prot=3\n", 5, "prot 3 out of range (none, ro or rw)"},
      {h + "mremap mm=0 page=3 to=3\n", 5, "mremap to its own page 3"},
      {m + "granule 16k\nsize pud\n", 4, "size pud needs granule 4k"},
      {m + "size pud\ngranule 64k\n", 4, "size pud needs granule 4k"},
      {m + "size huge\n", 3, "bad size 'huge' (expected cont-pte, pmd, cont-pmd or pud)"},
      {m + "granule 8k\n", 3, "bad granule '8k'"},
      {h + "features bbml2\n", 5, "feature 'bbml2' is not a hugetlb feature"},
      {h + "features hafdbs,hafdbs\n", 5, "duplicate feature 'hafdbs'"},
      {h + "features\n", 5, "'features' takes one value, got 0"},
      {h + "features hafdbs lpa2\n", 5, "'features' takes one value, got 2"},
      {h + "mutant no-such-bug\n", 5, "unknown hugetlb mutant 'no-such-bug'"},
      {h + "granule 4k\n", 5, "duplicate 'granule' line (first at line 3)"},
      {h + "fork\ngranule 4k\n", 6, "header line 'granule' after the first op"},
      {h + "fork\nmutant none\n", 6, "header line 'mutant' after the first op"},
      {h + "fork\n" + big + "\n", 6, "unknown op 'aaaa"},
      {h + "get mm=0 page=" + big + "\n", 5, "bad number 'aaaa"},
      {h + "get mm=0 " + big + "=1\n", 5, "unknown operand 'aaaa"},
      {h + "fork \x01\x80\n", 5, "operand '\\x01\\x80' is not key=value"},
      {h + "fork \x01=\x80\n", 5, "unknown operand '\\x01' (fork takes: nothing)"},
  };
  expect_rejected(cases);
}

TEST(HugetlbProgram, LiteralKeepsOnlyKnownMutantsAndValidOps) {
  Program p = every_op(PTEDIFF_GRANULE_16K, HSize::kContPmd, 0, "no-such-bug");
  std::vector<uint8_t> bytes = encode_program(p);
  const Program d = decode_program(bytes);
  EXPECT_EQ(d.mutant, "none");
  EXPECT_EQ(d.ops, p.ops);
  p.mutant = "none";
  p.ops.push_back({.kind = OpKind::kGet, .page = hstate_of(p.granule, p.size).pages});
  p.ops.push_back({.kind = OpKind::kFork});
  Program e = decode_program(encode_program(p));
  EXPECT_EQ(e.ops.size(), p.ops.size() - 1);
  EXPECT_EQ(e.ops.back().kind, OpKind::kFork);
}

TEST(HugetlbProgram, DecodeRandomBytesIsValid) {
  std::mt19937 rng(20240601);
  int ops = 0, literal = 0;
  for (int iter = 0; iter < 2000; ++iter) {
    std::vector<uint8_t> bytes(rng() % 201);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    const Program p = decode_program(bytes);
    ASSERT_TRUE(hsize_supported(p.granule, p.size));
    ASSERT_EQ(p.features & ~(PTEDIFF_FEAT_HAFDBS | PTEDIFF_FEAT_LPA2), 0u);
    if (!bytes.empty() && bytes[0] >= 0xf0) {
      ++literal;
    } else {
      ASSERT_LE(p.ops.size(), 48u);
    }
    const HState h = hstate_of(p.granule, p.size);
    for (const Op& op : p.ops) {
      std::string why;
      ASSERT_TRUE(validate_op(op, h, &why)) << format_op(op) << ": " << why;
    }
    ops += static_cast<int>(p.ops.size());
    const std::string text = format_program(p);
    expect_same(parse_ok(text), p);
    expect_same(decode_program(encode_program(p)), p);
  }
  EXPECT_GT(ops, 2000 * 10);
  EXPECT_GT(literal, 0);
}

// Random edits of a valid text: the parser accepts or names a line, never crashes.
TEST(HugetlbProgram, ParseMutatedTextIsTotal) {
  const std::string base =
      format_program(every_op(PTEDIFF_GRANULE_4K, HSize::kContPmd, PTEDIFF_FEAT_HAFDBS, "none"));
  const std::string alphabet = "ptediff-repro 1\nsubject hugetlb=x0|,#\r\t \x80\x01";
  std::mt19937 rng(99);
  int accepted = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string text = base;
    for (int n = 1 + rng() % 4; n > 0; --n) {
      const size_t at = rng() % (text.size() + 1);
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          text.insert(at, 1, c);
          break;
        case 1:
          if (at < text.size()) text.erase(at, 1);
          break;
        default:
          if (at < text.size()) text[at] = c;
      }
    }
    Program p;
    ParseError err;
    if (parse_program(text, "m.repro", &p, &err)) {
      ++accepted;
      const HState h = hstate_of(p.granule, p.size);
      for (const Op& op : p.ops) ASSERT_TRUE(validate_op(op, h, nullptr)) << format_op(op);
      expect_same(parse_ok(format_program(p)), p);
    } else {
      ASSERT_GE(err.line, 1) << err.str();
      ASSERT_LE(err.line, 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n')));
      ASSERT_FALSE(err.message.empty());
    }
  }
  EXPECT_GT(accepted, 10);  // mostly comments and whitespace: the format is strict
}

// Ops of a decoded program often share a huge page, and every kind occurs.
TEST(HugetlbProgram, DecodedPagesCollide) {
  std::mt19937 rng(7);
  int shared = 0, mms = 0;
  bool kinds[kNumOpKinds] = {};
  for (int iter = 0; iter < 200; ++iter) {
    std::vector<uint8_t> bytes(64);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    bytes[0] %= 0xf0;
    const Program p = decode_program(bytes);
    for (const Op& op : p.ops) kinds[static_cast<size_t>(op.kind)] = true;
    for (size_t i = 1; i < p.ops.size(); ++i) {
      shared += p.ops[i].page == p.ops[i - 1].page && p.ops[i].kind != OpKind::kFork;
      mms += p.ops[i].mm;
    }
  }
  EXPECT_GT(shared, 100);
  EXPECT_GT(mms, 200);
  for (size_t k = 0; k < kNumOpKinds; ++k) EXPECT_TRUE(kinds[k]) << op_spec(OpKind(k)).name;
}

// Mid-op events: `  @ prim=N access|tlb_fill ...` under their op, in the
// contpte subject's spelling, through text and both binary forms.
TEST(HugetlbProgram, EventsRoundTrip) {
  const Program p = parse_ok(std::string(kHeader) +
                             "fork\n"
                             "  @ prim=5 access mm=0 va=0x13000 kind=write pick=3\n"
                             "@ pick=0 block=1 tlb_fill va=0x10000 mm=1 prim=9\n"
                             "get mm=0 page=1\n");
  ASSERT_EQ(p.ops.size(), 2u);
  ASSERT_EQ(p.ops[0].events.size(), 2u);
  EXPECT_EQ(p.ops[0].events[0], (Event{.kind = HwEventKind::kAccess,
                                       .prim = 5,
                                       .va = 0x13000,
                                       .access = AccessKind::kWrite,
                                       .pick = 3}));
  EXPECT_EQ(
      p.ops[0].events[1],
      (Event{.kind = HwEventKind::kTlbFill, .prim = 9, .mm = 1, .va = 0x10000, .block = true}));
  EXPECT_TRUE(p.ops[1].events.empty());
  const std::string text = format_program(p);
  EXPECT_NE(text.find("fork\n  @ prim=5 access mm=0 va=0x13000 kind=write pick=3\n"
                      "  @ prim=9 tlb_fill mm=1 va=0x10000 block=1 pick=0\nget"),
            std::string::npos)
      << text;
  expect_same(parse_ok(text), p);
  expect_same(decode_program(encode_program(p)), p);
}

TEST(HugetlbProgram, EventParseErrors) {
  const std::string h = std::string(kHeader) + "fork\n";  // events from line 6
  const std::string ok = " mm=0 va=0x10000 kind=read pick=0\n";
  const Rejected cases[] = {
      {std::string(kHeader) + "@ prim=0 access" + ok, 5, "event before the first op"},
      {h + "@ prim=0 frob mm=0\n", 6, "unknown event 'frob' (expected access or tlb_fill)"},
      {h + "@ prim=0 mm=0\n", 6, "event without a name"},
      {h + "@ prim=0 access tlb_fill\n", 6, "event names two events: 'tlb_fill'"},
      {h + "@ prim=0 access mm=0 va=0 pick=0\n", 6,
       "missing operand 'kind' (access takes: prim mm va kind pick)"},
      {h + "@ access" + ok, 6, "missing operand 'prim' (access takes: prim mm va kind pick)"},
      {h + "@ prim=0 access block=0" + ok, 6,
       "access does not take operand 'block' (takes: prim mm va kind pick)"},
      {h + "@ prim=0 tlb_fill mm=0 va=0 kind=read block=0 pick=0\n", 6,
       "tlb_fill does not take operand 'kind' (takes: prim mm va block pick)"},
      {h + "@ prim=0 access frob=1" + ok, 6,
       "unknown operand 'frob' (access takes: prim mm va kind pick)"},
      {h + "@ prim=0 prim=1 access" + ok, 6, "duplicate operand 'prim'"},
      {h + "@ prim=0 access mm=0 va=0 kind=w pick=0\n", 6,
       "bad kind value 'w' (expected a number or one of: read, write, exec)"},
      {h + "@ prim=x access" + ok, 6, "bad number 'x' for prim (expected decimal or 0x-hex)"},
      {h + "@ prim=0 access mm=0 va=0 kind=3 pick=0\n", 6, "kind 3 out of range"},
      {h + "@ prim=0 access mm=0 va=0 kind=256 pick=0\n", 6, "kind 256 out of range"},
      {h + "@ prim=0 access mm=0 va=0 kind=read pick=4294967296\n", 6,
       "pick 4294967296 out of range"},
      {h + "@ prim=4096 access" + ok, 6, "prim 4096 out of range"},
      {h + "@ prim=4294967296 access" + ok, 6, "prim 4294967296 out of range"},
      {h + "@ prim=0 access mm=2 va=0 kind=read pick=0\n", 6, "mm 2 out of range"},
      {h + "@ prim=0 access mm=0 va=0x10800 kind=read pick=0\n", 6, "va 0x10800 is not a page"},
      {h + "@ prim=0 access mm=0 va=0x80000000 kind=read pick=0\n", 6,
       "va 0x80000000 is not a page of the window [0, 0x80000000)"},
      {h + "@ prim=0 access mm=0 va=0 kind=read pick=64\n", 6, "pick 64 out of range"},
      {h + "@ prim=0 tlb_fill mm=0 va=0 block=2 pick=0\n", 6, "block 2 out of range"},
      {h + "@ prim=2 access" + ok + "@ prim=1 access" + ok, 7, "before the event above it"},
      {h + "@ prim=0 access" + ok + "@ prim=0 access" + ok + "@ prim=0 access" + ok +
           "@ prim=0 access" + ok + "@ prim=0 access" + ok,
       10, "more than 4 events under one op"},
  };
  expect_rejected(cases);
}

// The literal form drops an event under no op, past four or not valid, and
// fires one listed before the event above it with it.
TEST(HugetlbProgram, LiteralEventsAreNormalized) {
  Program p;
  p.ops = {{.kind = OpKind::kFork}};
  const Event ev{.kind = HwEventKind::kAccess, .prim = 7, .va = 0x20000, .pick = 1};
  p.ops[0].events = {ev, ev, ev, ev};
  std::vector<uint8_t> bytes = encode_program(p);
  const std::vector<uint8_t> one_event(bytes.end() - 41, bytes.end());
  // A fifth event, one with a bad va, one firing earlier than the one above it.
  Event early = ev;
  early.prim = 3;
  Program q;
  q.ops = {{.kind = OpKind::kFork, .events = {early}}};
  const std::vector<uint8_t> q_bytes = encode_program(q);
  const std::vector<uint8_t> early_event(q_bytes.end() - 41, q_bytes.end());
  std::vector<uint8_t> bad_event_bytes = one_event;
  bad_event_bytes[17] = 0x01;  // va 0x20001
  const std::vector<uint8_t>& bad_event = bad_event_bytes;
  std::vector<uint8_t> in = {bytes.begin(), bytes.begin() + 4};  // header, fork (no operands)
  ASSERT_EQ(in.back(), static_cast<uint8_t>(OpKind::kFork));
  std::vector<uint8_t> orphan = {bytes.begin(), bytes.begin() + 3};
  orphan.insert(orphan.end(), one_event.begin(), one_event.end());
  EXPECT_TRUE(decode_program(orphan).ops.empty());
  for (const auto* e : {&one_event, &bad_event, &early_event, &one_event, &one_event, &one_event}) {
    in.insert(in.end(), e->begin(), e->end());
  }
  const Program d = decode_program(in);
  ASSERT_EQ(d.ops.size(), 1u);
  EXPECT_EQ(d.ops[0].events, (std::vector<Event>{ev, ev, ev, ev}));  // early fired at 7
}

}  // namespace
}  // namespace ptediff::hugetlb
