// ptediff: operand values in text, for every subject's op table (op_table.h).
#include "formats/op_table.h"

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace ptediff {
namespace {

// Index of `s` in `symbols`, or -1.
int find_symbol(std::span<const char* const> symbols, absl::string_view s) {
  for (size_t i = 0; i < symbols.size(); ++i) {
    if (s == symbols[i]) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

bool parse_field_value(const FieldDesc& d, absl::string_view s, uint64_t* out, std::string* why) {
  if (parse_u64(s, out)) return true;
  const std::string expected = absl::StrJoin(d.symbols, ", ");
  if (d.repr == FieldRepr::kEnum) {
    const int i = find_symbol(d.symbols, s);
    if (i >= 0) {
      *out = static_cast<uint64_t>(i);
      return true;
    }
    *why = absl::StrFormat("bad %s value %s (expected a number or one of: %s)", d.name, quote(s),
                           expected);
    return false;
  }
  if (d.repr == FieldRepr::kFlags) {
    *why = absl::StrFormat("bad %s value %s (expected a number, none, or a |-separated set of: %s)",
                           d.name, quote(s), expected);
    if (s == "none") {
      *out = 0;
      return true;
    }
    uint64_t v = 0;
    for (absl::string_view part : absl::StrSplit(s, '|')) {
      const int i = find_symbol(d.symbols, part);
      if (i < 0) return false;
      if (v & (1ULL << i)) {
        *why = absl::StrFormat("duplicate flag %s in %s value", quote(part), d.name);
        return false;
      }
      v |= 1ULL << i;
    }
    *out = v;
    return true;
  }
  *why = absl::StrFormat("bad number %s for %s (expected decimal or 0x-hex)", quote(s), d.name);
  return false;
}

void append_field_value(const FieldDesc& d, uint64_t v, std::string* out) {
  switch (d.repr) {
    case FieldRepr::kAddress:
      absl::StrAppendFormat(out, "0x%x", v);
      return;
    case FieldRepr::kEnum:
      if (v < d.symbols.size()) {
        out->append(d.symbols[v]);
        return;
      }
      break;
    case FieldRepr::kFlags:
      if (v == 0) {
        out->append("none");
        return;
      }
      if ((v >> d.symbols.size()) == 0) {
        const char* sep = "";
        for (size_t i = 0; i < d.symbols.size(); ++i) {
          if (!(v & (1ULL << i))) continue;
          absl::StrAppend(out, sep, d.symbols[i]);
          sep = "|";
        }
        return;
      }
      break;
    default:
      break;
  }
  absl::StrAppend(out, v);
}

bool split_event_tokens(std::span<const absl::string_view> toks, absl::string_view expected,
                        absl::string_view* name, std::vector<absl::string_view>* operands,
                        std::string* why) {
  bool named = false;
  for (size_t i = 1; i < toks.size(); ++i) {
    if (absl::StrContains(toks[i], '=')) {
      operands->push_back(toks[i]);
      continue;
    }
    if (named) {
      *why = absl::StrCat("event names two events: ", quote(toks[i]));
      return false;
    }
    named = true;
    *name = toks[i];
  }
  if (!named) *why = absl::StrCat("event without a name (expected ", expected, ")");
  return named;
}

void put_literal_mutant(std::string_view mutant, std::vector<uint8_t>* out) {
  const std::string_view name = mutant == "none" ? "" : mutant.substr(0, kMaxMutantNameLen);
  out->push_back(static_cast<uint8_t>(name.size()));
  out->insert(out->end(), name.begin(), name.end());
}

std::string take_literal_mutant(ByteReader& r, bool (*known)(std::string_view)) {
  static_assert(kMaxMutantNameLen == 63, "the length byte is read modulo 64");
  std::string name;
  for (uint8_t n = r.u8() % 64; n > 0; --n) name.push_back(static_cast<char>(r.u8()));
  return !name.empty() && known(name) ? name : "none";
}

}  // namespace ptediff
