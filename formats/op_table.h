// ptediff: a subject's op table and what every subject does with it.
//
// Each subject declares its vocabulary once, in its ops.def: one row per
// operand (FieldDesc: text name, how the value is written, its width in the
// subject's compact binary encoding, the names of its values or bits) and one
// row per op kind (the op's text name and its operands in text order). This
// file holds the one implementation of what those rows drive for every
// subject: operand values in text (`kind=write`, `prot=a|d`, `va=0x4000`), an
// op line's `key=value` operands (each exactly once, no other), lookup by
// name (including names that carry an operand, as `set_memory_ro` does), the
// canonical text of an op, and the literal binary form (each operand as 8
// little-endian bytes) that `ptediff encode` writes. Error messages have one
// wording across subjects.
#ifndef PTEDIFF_FORMATS_OP_TABLE_H_
#define PTEDIFF_FORMATS_OP_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "formats/byte_reader.h"
#include "formats/text.h"  // quote

namespace ptediff {

// How an operand is written in text (and reduced in a compact encoding).
enum class FieldRepr : uint8_t {
  kNumber,   // decimal (0x-hex accepted)
  kAddress,  // page-aligned 0x-hex address
  kCount,    // decimal, at least 1
  kEnum,     // the name of its value (`symbols[v]`) or a number
  kFlags,    // `|`-separated bit names (`symbols[i]` is bit i), `none`, or a number
};

// One operand of a subject's ops.
struct FieldDesc {
  const char* name;
  FieldRepr repr;
  uint8_t width;  // bytes in the subject's compact binary encoding (0: the subject has none)
  std::span<const char* const> symbols;
};

// Parses the text of a value of operand `d` (a number, or its symbolic form)
// without range checks. On failure sets *why to one line naming the operand
// and what it expects.
bool parse_field_value(const FieldDesc& d, absl::string_view s, uint64_t* out, std::string* why);
// Appends the canonical text of value `v`: hex for addresses, the symbol or
// flag set when one fits, else the number.
void append_field_value(const FieldDesc& d, uint64_t v, std::string* out);

// The operand rows of a subject, indexed by its Field enum.
template <typename Field>
class FieldTable {
 public:
  constexpr explicit FieldTable(std::span<const FieldDesc> rows) : rows_(rows) {}
  const FieldDesc& operator[](Field f) const {
    return rows_[static_cast<size_t>(f) % rows_.size()];
  }
  const char* name(Field f) const { return (*this)[f].name; }
  size_t size() const { return rows_.size(); }
  // The operand called `name`; false when there is none.
  bool find(absl::string_view name, Field* out) const {
    for (size_t i = 0; i < rows_.size(); ++i) {
      if (name == rows_[i].name) {
        *out = static_cast<Field>(i);
        return true;
      }
    }
    return false;
  }

 private:
  std::span<const FieldDesc> rows_;
};

// One op kind of a subject's table (a row of its ops.def): its text name
// and its operands. A subject whose specs carry nothing more uses this as
// its OpSpec; one that does (contpte: an op class and a help line) provides
// the same operands() and suffix().
template <typename Kind, typename Field>
struct OpSpecOf {
  Kind kind;
  const char* name;               // text name; with a suffix operand, its prefix (set_memory_)
  std::span<const Field> fields;  // the key=value operands, in text order
  std::optional<Field> suffix_field = std::nullopt;  // an operand written as the name's end
  std::span<const Field> operands() const { return fields; }
  std::optional<Field> suffix() const { return suffix_field; }
};

// A program of a subject: the values of its header (a struct of the
// subject's: granule, shape, features, mutant) and its ops, in order.
template <typename Header, typename Op>
struct ProgramOf : Header {
  std::vector<Op> ops;
};

// What the functions below need of a subject's op spec (its OpSpec row):
//   spec.name        the text name (a prefix when the spec has a suffix operand)
//   spec.operands()  the operands written as key=value, in text order
//   spec.suffix()    std::optional<Field>: a kEnum operand written as the end
//                    of the op's name instead (`set_memory_` + `ro`)

// The spec whose text name is `name`, or nullptr; *suffix_value receives
// the value of the spec's suffix operand, when it has one.
template <typename Spec, typename Field>
const Spec* find_op_spec(std::span<const Spec> specs, const FieldTable<Field>& fields,
                         absl::string_view name, uint64_t* suffix_value) {
  for (const Spec& s : specs) {
    const std::optional<Field> suffix = s.suffix();
    if (!suffix) {
      if (name == s.name) return &s;
      continue;
    }
    absl::string_view rest = name;
    if (!absl::ConsumePrefix(&rest, s.name)) continue;
    const std::span<const char* const> symbols = fields[*suffix].symbols;
    for (size_t v = 0; v < symbols.size(); ++v) {
      if (rest == symbols[v]) {
        *suffix_value = v;
        return &s;
      }
    }
  }
  return nullptr;
}

// The text name of an op of `spec` whose suffix operand (if any) is `get(suffix)`.
template <typename Spec, typename Field, typename Get>
std::string op_text_name(const Spec& spec, const FieldTable<Field>& fields, Get&& get) {
  const std::optional<Field> suffix = spec.suffix();
  if (!suffix) return spec.name;
  std::string s = spec.name;
  append_field_value(fields[*suffix], get(*suffix), &s);
  return s;
}

// "mm va nr" (or "nothing"): the operands `spec` takes, for error messages.
template <typename Spec, typename Field>
std::string operand_list(const Spec& spec, const FieldTable<Field>& fields) {
  std::vector<const char*> names;
  for (Field f : spec.operands()) names.push_back(fields.name(f));
  return names.empty() ? std::string("nothing") : absl::StrJoin(names, " ");
}

// Parses the `key=value` tokens of an op of `spec` named `op_name`: every
// operand of spec.operands() exactly once and no other. Each value goes
// through parse_field_value, then `check(f, v, &why)` (range checks: false
// rejects it with *why), then `set(f, v)`. On failure sets *why to one line.
template <typename Spec, typename Field, typename Check, typename Set>
bool parse_operands(const Spec& spec, const FieldTable<Field>& fields, absl::string_view op_name,
                    std::span<const absl::string_view> toks, Check&& check, Set&& set,
                    std::string* why) {
  const std::span<const Field> want = spec.operands();
  uint64_t seen = 0;  // bit i: want[i] given
  for (absl::string_view tok : toks) {
    const size_t eq = tok.find('=');
    if (eq == absl::string_view::npos) {
      *why = absl::StrCat("operand ", quote(tok), " is not key=value");
      return false;
    }
    const absl::string_view key = tok.substr(0, eq);
    Field f;
    if (!fields.find(key, &f)) {
      *why = absl::StrCat("unknown operand ", quote(key), " (", op_name,
                          " takes: ", operand_list(spec, fields), ")");
      return false;
    }
    size_t i = 0;
    while (i < want.size() && want[i] != f) ++i;
    if (i == want.size()) {
      *why = absl::StrCat(op_name, " does not take operand '", fields.name(f),
                          "' (takes: ", operand_list(spec, fields), ")");
      return false;
    }
    if (seen & (1ULL << i)) {
      *why = absl::StrCat("duplicate operand '", fields.name(f), "'");
      return false;
    }
    seen |= 1ULL << i;
    uint64_t v = 0;
    if (!parse_field_value(fields[f], tok.substr(eq + 1), &v, why) || !check(f, v, why)) {
      return false;
    }
    set(f, v);
  }
  for (size_t i = 0; i < want.size(); ++i) {
    if (!(seen & (1ULL << i))) {
      *why = absl::StrCat("missing operand '", fields.name(want[i]), "' (", op_name,
                          " takes: ", operand_list(spec, fields), ")");
      return false;
    }
  }
  return true;
}

// Appends ` key=value` for every operand of `which` (values from `get(f)`);
// usually spec.operands().
template <typename Field, typename Get>
void append_operands(std::span<const Field> which, const FieldTable<Field>& fields, Get&& get,
                     std::string* out) {
  for (Field f : which) {
    absl::StrAppend(out, " ", fields.name(f), "=");
    append_field_value(fields[f], get(f), out);
  }
}

// The literal binary form of an op's operands: each of spec.operands() and
// the suffix operand (first, when the spec has one), 8 little-endian bytes.
template <typename Spec, typename Get>
void put_literal_operands(const Spec& spec, Get&& get, std::vector<uint8_t>* out) {
  if (const auto suffix = spec.suffix()) put_le(out, get(*suffix), 8);
  for (auto f : spec.operands()) put_le(out, get(f), 8);
}
// Reads what put_literal_operands wrote into `set(f, v)` (values unchecked).
template <typename Spec, typename Set>
void take_literal_operands(const Spec& spec, ByteReader& r, Set&& set) {
  if (const auto suffix = spec.suffix()) set(*suffix, r.le(8));
  for (auto f : spec.operands()) set(f, r.le(8));
}

// Splits the tokens of a mid-op event line (`@`, then key=value operands and
// one event name, in any order) into the name and the operands. Fails with
// *why when the line names no event or two; `expected` lists the names for
// the message ("access or tlb_fill").
bool split_event_tokens(std::span<const absl::string_view> toks, absl::string_view expected,
                        absl::string_view* name, std::vector<absl::string_view>* operands,
                        std::string* why);

// A whole op of a literal binary form: its kind byte, then its operands
// (put_literal_operands). The op's subject provides, found by
// argument-dependent lookup: op_spec(kind), op_field(op, f) and
// set_op_field(&op, f, v); its kind enum ends in kCount.
template <typename Op>
void put_literal_op(const Op& op, std::vector<uint8_t>* out) {
  out->push_back(static_cast<uint8_t>(op.kind));
  put_literal_operands(
      op_spec(op.kind), [&op](auto f) { return op_field(op, f); }, out);
}
// Reads an op put_literal_op wrote whose kind byte `code` was read already
// (a kind byte past the table wraps around); its values are unchecked.
template <typename Op>
Op take_literal_op(uint8_t code, ByteReader& r) {
  using Kind = decltype(Op::kind);
  Op op;
  op.kind = static_cast<Kind>(code % static_cast<unsigned>(Kind::kCount));
  take_literal_operands(op_spec(op.kind), r,
                        [&op](auto f, uint64_t v) { set_op_field(&op, f, v); });
  return op;
}

// The mutant name of a literal binary form: a length byte, then the name cut
// to kMaxMutantNameLen characters; "none" is written as length 0.
void put_literal_mutant(std::string_view mutant, std::vector<uint8_t>* out);
// Reads it back: the name when `known(name)`, else "none".
std::string take_literal_mutant(ByteReader& r, bool (*known)(std::string_view));

}  // namespace ptediff

#endif  // PTEDIFF_FORMATS_OP_TABLE_H_
