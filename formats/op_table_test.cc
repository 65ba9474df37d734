// ptediff: tests of the shared op-table layer (formats/op_table.h) over a
// small table of its own: values, operand lines, names with an operand in
// them, the literal binary form.
#include "formats/op_table.h"

#include <array>
#include <optional>

#include "gtest/gtest.h"

namespace ptediff {
namespace {

enum class F : uint8_t { kVa, kNr, kKind, kProt, kChange };
constexpr const char* kKinds[] = {"read", "write", "exec"};
constexpr const char* kProts[] = {"a", "d", "w"};
constexpr const char* kChanges[] = {"ro", "rw"};
constexpr FieldDesc kRows[] = {{"va", FieldRepr::kAddress, 2, {}},
                               {"nr", FieldRepr::kCount, 2, {}},
                               {"kind", FieldRepr::kEnum, 1, kKinds},
                               {"prot", FieldRepr::kFlags, 1, kProts},
                               {"change", FieldRepr::kEnum, 1, kChanges}};
constexpr FieldTable<F> kTable{kRows};

struct Spec {
  const char* name;
  std::span<const F> ops;
  std::optional<F> suf;
  std::span<const F> operands() const { return ops; }
  std::optional<F> suffix() const { return suf; }
};
constexpr F kAccessOps[] = {F::kVa, F::kKind, F::kProt};
constexpr F kSetOps[] = {F::kVa, F::kNr};
const Spec kSpecs[] = {{"access", kAccessOps, std::nullopt}, {"set_memory_", kSetOps, F::kChange}};

using Vals = std::array<uint64_t, 5>;

// Parses `line` as an op of kSpecs (the first token is its name).
bool parse(std::vector<absl::string_view> toks, const Spec** spec, Vals* v, std::string* why) {
  uint64_t suffix = 0;
  *spec = find_op_spec(std::span<const Spec>(kSpecs), kTable, toks[0], &suffix);
  if (*spec == nullptr) return false;
  if ((*spec)->suffix()) (*v)[static_cast<size_t>(*(*spec)->suffix())] = suffix;
  const auto check = [](F f, uint64_t x, std::string* why) {
    if (f == F::kNr && x == 0) *why = "nr=0 out of range (min 1)";
    return !(f == F::kNr && x == 0);
  };
  return parse_operands(
      **spec, kTable, toks[0], std::span(toks).subspan(1), check,
      [v](F f, uint64_t x) { (*v)[static_cast<size_t>(f)] = x; }, why);
}

TEST(OpTable, ValuesRoundTripInEveryForm) {
  std::string why;
  uint64_t v = 0;
  ASSERT_TRUE(parse_field_value(kRows[3], "a|w", &v, &why));
  EXPECT_EQ(v, 5u);
  std::string s;
  append_field_value(kRows[3], v, &s);
  EXPECT_EQ(s, "a|w");
  s.clear();
  append_field_value(kRows[3], 0, &s);
  EXPECT_EQ(s, "none");
  s.clear();
  append_field_value(kRows[3], 64, &s);  // no symbol fits: the number
  EXPECT_EQ(s, "64");
  s.clear();
  append_field_value(kRows[0], 0x4000, &s);
  EXPECT_EQ(s, "0x4000");
  ASSERT_TRUE(parse_field_value(kRows[2], "exec", &v, &why));
  EXPECT_EQ(v, 2u);
  ASSERT_TRUE(parse_field_value(kRows[2], "1", &v, &why));
  EXPECT_EQ(v, 1u);
}

TEST(OpTable, BadValuesAreRefusedWithTheirOperand) {
  std::string why;
  uint64_t v = 0;
  EXPECT_FALSE(parse_field_value(kRows[2], "r", &v, &why));
  EXPECT_EQ(why, "bad kind value 'r' (expected a number or one of: read, write, exec)");
  EXPECT_FALSE(parse_field_value(kRows[3], "a|a", &v, &why));
  EXPECT_EQ(why, "duplicate flag 'a' in prot value");
  EXPECT_FALSE(parse_field_value(kRows[1], "-1", &v, &why));
  EXPECT_EQ(why, "bad number '-1' for nr (expected decimal or 0x-hex)");
}

TEST(OpTable, OperandLinesTakeEachOperandOnce) {
  const Spec* spec = nullptr;
  Vals v{};
  std::string why;
  ASSERT_TRUE(parse({"access", "kind=write", "va=0x2000", "prot=d"}, &spec, &v, &why)) << why;
  EXPECT_EQ(v[0], 0x2000u);
  EXPECT_EQ(v[2], 1u);
  std::string text = spec->name;
  append_operands(
      spec->operands(), kTable, [&v](F f) { return v[static_cast<size_t>(f)]; }, &text);
  EXPECT_EQ(text, "access va=0x2000 kind=write prot=d");

  const std::pair<std::vector<absl::string_view>, std::string> bad[] = {
      {{"access", "va=0x0", "kind=read"}, "missing operand 'prot' (access takes: va kind prot)"},
      {{"access", "va=0x0", "va=0x0"}, "duplicate operand 'va'"},
      {{"access", "nr=1"}, "access does not take operand 'nr' (takes: va kind prot)"},
      {{"access", "colour=1"}, "unknown operand 'colour' (access takes: va kind prot)"},
      {{"access", "va"}, "operand 'va' is not key=value"},
      {{"set_memory_rw", "va=0x0", "nr=0"}, "nr=0 out of range (min 1)"},
  };
  for (const auto& [toks, want] : bad) {
    v = {};
    EXPECT_FALSE(parse(toks, &spec, &v, &why)) << toks[0];
    EXPECT_EQ(why, want);
  }
}

TEST(OpTable, AnOperandCanCompleteTheName) {
  const Spec* spec = nullptr;
  Vals v{};
  std::string why;
  ASSERT_TRUE(parse({"set_memory_rw", "va=0x0", "nr=2"}, &spec, &v, &why)) << why;
  EXPECT_EQ(v[4], 1u);
  EXPECT_EQ(op_text_name(*spec, kTable, [&v](F f) { return v[static_cast<size_t>(f)]; }),
            "set_memory_rw");
  uint64_t suffix = 0;
  EXPECT_EQ(find_op_spec(std::span<const Spec>(kSpecs), kTable, "set_memory_", &suffix), nullptr);
  EXPECT_EQ(find_op_spec(std::span<const Spec>(kSpecs), kTable, "set_memory_x", &suffix), nullptr);
}

TEST(OpTable, LiteralOperandsRoundTrip) {
  const Spec& spec = kSpecs[1];
  const Vals in{0x123456789000, 77, 0, 0, 1};
  std::vector<uint8_t> bytes;
  put_literal_operands(
      spec, [&in](F f) { return in[static_cast<size_t>(f)]; }, &bytes);
  EXPECT_EQ(bytes.size(), 24u);  // the name's operand, then va and nr
  Vals out{};
  ByteReader r(bytes);
  take_literal_operands(spec, r, [&out](F f, uint64_t x) { out[static_cast<size_t>(f)] = x; });
  EXPECT_EQ(out, in);
  EXPECT_TRUE(r.done());
}

TEST(OpTable, EventLinesNameOneEvent) {
  absl::string_view name;
  std::vector<absl::string_view> operands;
  std::string why;
  const std::vector<absl::string_view> ok = {"@", "prim=3", "access", "va=0x0"};
  ASSERT_TRUE(split_event_tokens(ok, "access or tlb_fill", &name, &operands, &why));
  EXPECT_EQ(name, "access");
  EXPECT_EQ(operands, (std::vector<absl::string_view>{"prim=3", "va=0x0"}));
  operands.clear();
  EXPECT_FALSE(split_event_tokens({{"@", "prim=3"}}, "access or tlb_fill", &name, &operands, &why));
  EXPECT_EQ(why, "event without a name (expected access or tlb_fill)");
  EXPECT_FALSE(split_event_tokens({{"@", "access", "tlb_fill"}}, "access", &name, &operands, &why));
  EXPECT_EQ(why, "event names two events: 'tlb_fill'");
}

TEST(OpTable, LiteralMutantKeepsOnlyKnownNames) {
  const auto known = [](std::string_view n) { return n == "split-to-ptes"; };
  std::vector<uint8_t> bytes;
  put_literal_mutant("split-to-ptes", &bytes);
  put_literal_mutant("none", &bytes);
  put_literal_mutant("no-such-bug", &bytes);
  EXPECT_EQ(bytes.size(), 1 + 13 + 1 + 1 + 11u);
  ByteReader r(bytes);
  EXPECT_EQ(take_literal_mutant(r, known), "split-to-ptes");
  EXPECT_EQ(take_literal_mutant(r, known), "none");
  EXPECT_EQ(take_literal_mutant(r, known), "none");
  EXPECT_TRUE(r.done());
}

}  // namespace
}  // namespace ptediff
