// ptediff linear map: tests of the op table (ops.def) and what runs on it:
// every op and change has a name that finds its spec again, the .repro op
// lines and their error messages (the wording of formats/op_table.h), and the
// literal binary form that `ptediff encode` writes.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "formats/byte_reader.h"
#include "subjects/linearmap/program.h"

namespace ptediff::linearmap {
namespace {

constexpr const char* kHeader = "ptediff-repro 1\nsubject linear-map\ngranule 4k\n";

// Every op of every kind: one per change for the kinds named with one.
std::vector<Op> every_op() {
  std::vector<Op> ops;
  for (const OpSpec& s : all_op_specs()) {
    Op op;
    op.kind = s.kind;
    const int changes = s.suffix() ? kNumChanges : 1;
    for (int c = 0; c < changes; ++c) {
      op.change = static_cast<Change>(c);
      ops.push_back(op);
    }
  }
  return ops;
}

TEST(LinearMapOpTable, EveryOpKindAndChangeHasANameThatFindsItAgain) {
  ASSERT_EQ(all_op_specs().size(), kNumOpKinds);
  for (size_t k = 0; k < kNumOpKinds; ++k) {
    EXPECT_EQ(op_spec(static_cast<OpKind>(k)).kind, static_cast<OpKind>(k));
  }
  std::vector<std::string> names;
  for (const Op& op : every_op()) {
    const std::string name = op_name(op);
    ASSERT_FALSE(name.empty());
    EXPECT_NE(name.back(), '_') << name;  // the change completes set_memory_
    uint64_t suffix = 0;
    const OpSpec* found = find_op_spec(all_op_specs(), op_fields(), name, &suffix);
    ASSERT_EQ(found, &op_spec(op.kind)) << name;
    if (found->suffix()) EXPECT_EQ(suffix, static_cast<uint64_t>(op.change)) << name;
    for (const std::string& other : names) EXPECT_NE(name, other);
    names.push_back(name);
  }
  EXPECT_EQ(names.size(), kNumOpKinds - 2 + 2 * kNumChanges);
  EXPECT_EQ(op_name(Op{.kind = OpKind::kSetMemory, .change = Change::kRo}), "set_memory_ro");
  EXPECT_EQ(op_name(Op{.kind = OpKind::kSetAlias, .change = Change::kInvalid}),
            "set_alias_invalid");
}

TEST(LinearMapOpTable, EveryOperandHasANameThatFindsItAgain) {
  ASSERT_EQ(op_fields().size(), kNumFields);
  for (size_t i = 0; i < kNumFields; ++i) {
    const Field f = static_cast<Field>(i);
    ASSERT_NE(field_name(f), nullptr);
    ASSERT_STRNE(field_name(f), "");
    Field back = kNoField;
    ASSERT_TRUE(op_fields().find(field_name(f), &back));
    EXPECT_EQ(back, f);
  }
  for (const OpSpec& s : all_op_specs()) {
    for (Field f : s.operands()) EXPECT_LT(static_cast<size_t>(f), kNumFields) << s.name;
    if (const auto f = s.suffix()) {
      EXPECT_EQ(op_fields()[*f].repr, FieldRepr::kEnum) << s.name;
      EXPECT_EQ(op_fields()[*f].symbols.size(), static_cast<size_t>(kNumChanges)) << s.name;
    }
  }
  // Values too wide for an operand's member are kept out of range, not truncated.
  Op op;
  set_op_field(&op, Field::kDepth, (1ULL << 32) + 2);
  EXPECT_EQ(op_field(op, Field::kDepth), UINT32_MAX);
  set_op_field(&op, Field::kChange, 256 + 1);
  EXPECT_EQ(op_field(op, Field::kChange), 255u);
  set_op_field(&op, Field::kVa, 0x123456789000);
  EXPECT_EQ(op.va, 0x123456789000u);
}

// Parses one op line under kHeader.
bool parse_line(const std::string& line, Program* p, ParseError* err) {
  return parse_program(std::string(kHeader) + line + "\n", "t.repro", p, err);
}

TEST(LinearMapText, OperandSpellingsAgreeWithTheOtherSubjects) {
  const std::pair<const char*, const char*> lines[] = {
      {"map va=0x0 pa=0x200000 size=0x400000 flags=none",
       "map va=0x0 pa=0x200000 size=0x400000 flags=none"},
      {"map va=0 pa=2097152 size=0x1000 flags=no_cont|no_block",
       "map va=0x0 pa=0x200000 size=0x1000 flags=no_block|no_cont"},
      {"map size=0x1000 flags=1 pa=0x0 va=0x1000",
       "map va=0x1000 pa=0x0 size=0x1000 flags=no_block"},
      {"set_memory_nx va=0x1000 nr=0x10", "set_memory_nx va=0x1000 nr=16"},
      {"set_alias_valid va=0x1000 nr=3 stride=600", "set_alias_valid va=0x1000 nr=3 stride=600"},
      {"fail_alloc depth=3", "fail_alloc depth=3"},
      {"repaint", "repaint"},
  };
  for (const auto& [line, canonical] : lines) {
    Program p;
    ParseError err;
    ASSERT_TRUE(parse_line(line, &p, &err)) << line << ": " << err.str();
    ASSERT_EQ(p.ops.size(), 1u);
    EXPECT_EQ(format_op(p.ops[0]), canonical);
  }
}

TEST(LinearMapText, BadOpLinesSayWhatIsWrongOnTheirLine) {
  const std::pair<const char*, const char*> bad[] = {
      {"set_memory_ro va=0x0", "missing operand 'nr' (set_memory_ro takes: va nr)"},
      {"map va=0x0 pa=0x0 size=0x1000", "missing operand 'flags' (map takes: va pa size flags)"},
      {"set_memory_ro va=0x0 nr=1 stride=2",
       "set_memory_ro does not take operand 'stride' (takes: va nr)"},
      {"set_memory_ro change=1 va=0x0 nr=1",
       "set_memory_ro does not take operand 'change' (takes: va nr)"},
      {"split colour=1", "unknown operand 'colour' (split takes: va)"},
      {"repaint va=0x0", "repaint does not take operand 'va' (takes: nothing)"},
      {"split va", "operand 'va' is not key=value"},
      {"split va=0x0 va=0x0", "duplicate operand 'va'"},
      {"set_memory_rx va=0x0 nr=1", "unknown op 'set_memory_rx'"},
      {"set_memory_ va=0x0 nr=1", "unknown op 'set_memory_'"},
      {"map va=0x0 pa=0x0 size=0x1000 flags=no_block|no_block",
       "duplicate flag 'no_block' in flags value"},
      {"map va=0x0 pa=0x0 size=0x1000 flags=huge",
       "bad flags value 'huge' (expected a number, none, or a |-separated set of: no_block, "
       "no_cont)"},
      {"map va=0x0 pa=0x0 size=0x1000 flags=4", "unknown flags"},
      {"split va=0x12g", "bad number '0x12g' for va (expected decimal or 0x-hex)"},
      {"fail_alloc depth=4294967296", "depth=4294967296 out of range (max 4294967295)"},
      {"fail_alloc depth=1", "depth must be 2 or 3"},
      {"split va=0x800", "va is not page aligned"},
      {"split va=0x100000000000", "va 0x100000000000 is outside the window 0x80000000"},
  };
  for (const auto& [line, want] : bad) {
    Program p;
    ParseError err;
    EXPECT_FALSE(parse_line(line, &p, &err)) << line;
    EXPECT_EQ(err.line, 4) << line;
    EXPECT_EQ(err.message, want) << line;
  }
}

TEST(LinearMapText, RejectsBadHeaders) {
  const char* bad[] = {
      "",
      "ptediff-repro 1\ngranule 4k\nmap va=0x0 pa=0x0 size=0x1000 flags=none\n",
  };
  for (const char* t : bad) {
    Program p;
    ParseError err;
    EXPECT_FALSE(parse_program(t, "bad", &p, &err)) << t;
    EXPECT_FALSE(err.message.empty());
  }
}

TEST(LinearMapLiteral, EveryOpRoundTripsThroughTheLiteralForm) {
  Program p;
  p.granule = PTEDIFF_GRANULE_16K;
  p.bbml2 = false;
  const uint64_t ps = geometry_of(p.granule).page_size;
  for (Op op : every_op()) {
    if (op.kind != OpKind::kRepaint && op.kind != OpKind::kFailAlloc) op.va = 2 * ps;
    if (op.kind == OpKind::kMap) op.pa = 4 * ps, op.size = 8 * ps, op.flags = kNoCont;
    if (op.kind == OpKind::kSetMemory || op.kind == OpKind::kSetAlias) op.nr = 3;
    if (op.kind == OpKind::kSetAlias) op.stride = 5;
    if (op.kind == OpKind::kFailAlloc) op.depth = 2;
    ASSERT_TRUE(validate_op(op, geometry_of(p.granule), nullptr)) << format_op(op);
    p.ops.push_back(op);
  }
  const Program q = decode_program(encode_program(p));
  EXPECT_EQ(q.granule, p.granule);
  EXPECT_EQ(q.bbml2, p.bbml2);
  EXPECT_EQ(format_program(q), format_program(p));
}

TEST(LinearMapLiteral, TheChangeComesFirstAndAnUnknownOneIsDropped) {
  Program p;
  p.ops.push_back(Op{.kind = OpKind::kSetMemory, .change = Change::kX, .va = 0x1000, .nr = 2});
  std::vector<uint8_t> want = {0xf4, 0, static_cast<uint8_t>(OpKind::kSetMemory)};
  for (uint64_t v : {uint64_t{2}, uint64_t{0x1000}, uint64_t{2}}) put_le(&want, v, 8);
  const std::vector<uint8_t> bytes = encode_program(p);
  EXPECT_EQ(bytes, want);
  EXPECT_EQ(format_program(decode_program(bytes)), format_program(p));
  // A change past the last one is not a legal op: decoding drops it.
  std::vector<uint8_t> bad = bytes;
  bad[3] = kNumChanges;
  EXPECT_TRUE(decode_program(bad).ops.empty());
  bad[3] = kNumChanges - 1;
  EXPECT_EQ(decode_program(bad).ops.size(), 1u);
}

}  // namespace
}  // namespace ptediff::linearmap
