// ptediff linear map: the .repro text format (program.h): the parser and the
// canonical text; the header goes through the shared front end (formats/header.h).
#include "formats/text.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "formats/header.h"
#include "ptediff/backend.h"               // PTEDIFF_FEAT_*
#include "subjects/linearmap/optimized.h"  // find_mutant
#include "subjects/linearmap/program.h"

namespace ptediff::linearmap {
namespace {

bool parse_flags(absl::string_view s, uint64_t* out) {
  if (s == "none") {
    *out = 0;
    return true;
  }
  uint64_t f = 0;
  for (absl::string_view part : absl::StrSplit(s, '|')) {
    const uint64_t bit = part == "no_block" ? kNoBlock : part == "no_cont" ? kNoCont : 0;
    if (bit == 0 || (f & bit)) return false;  // unknown or given twice
    f |= bit;
  }
  *out = f;
  return true;
}

// Resolves an op name (set_memory_ro, map, ...) to its kind and change.
bool find_op(absl::string_view name, OpKind* kind, Change* change) {
  for (size_t i = 0; i < kNumOpKinds; ++i) {
    const OpSpec& s = op_spec(static_cast<OpKind>(i));
    const bool prefixed = s.kind == OpKind::kSetMemory || s.kind == OpKind::kSetAlias;
    absl::string_view rest = name;
    if (!prefixed) {
      if (rest != s.name) continue;
    } else if (!absl::ConsumePrefix(&rest, s.name) ||
               !parse_change(rest.data(), rest.size(), change)) {
      continue;
    }
    *kind = s.kind;
    return true;
  }
  return false;
}

// The linear-map header (formats/header.h): the one feature bbml2, on when
// the line is absent (as in Program{}).
bool known_mutant(std::string_view name) {
  Mutant m;
  return find_mutant(name, &m);
}

const HeaderSchema& header_schema() {
  static const HeaderSchema kSchema{.subject = "linear-map",
                                    .features = PTEDIFF_FEAT_BBML2,
                                    .default_features = Program{}.bbml2 ? PTEDIFF_FEAT_BBML2 : 0u,
                                    .known_mutant = known_mutant};
  return kSchema;
}

// The text name of an op: its spec name, with the change for set_memory_ and set_alias_.
std::string op_name(const Op& op) {
  const OpSpec& s = op_spec(op.kind);
  const bool prefixed = s.kind == OpKind::kSetMemory || s.kind == OpKind::kSetAlias;
  return absl::StrCat(s.name, prefixed ? change_name(op.change) : "");
}

class Parser {
 public:
  Parser(std::string_view file, ParseError* err) : file_(file), err_(err) {}

  // Parses `text`; on success fills *out.
  bool run(std::string_view text, Program* out) {
    if (!read_repro(
            text, header_schema(), file_, err_, [this](const ReproHeader& h) { start(h); },
            [this](int n, const std::vector<absl::string_view>& toks) {
              line_ = n;
              if (prog_.ops.size() >= kMaxOps) {
                return fail(absl::StrCat("more than ", kMaxOps, " ops"));
              }
              return op(toks);
            })) {
      return false;
    }
    *out = std::move(prog_);
    return true;
  }

 private:
  bool fail(std::string m) {
    *err_ = ParseError{std::string(file_), line_, std::move(m)};
    return false;
  }

  // Takes the header once it is complete.
  void start(const ReproHeader& h) {
    prog_.granule = h.granule;
    prog_.bbml2 = h.features != 0;
    prog_.mutant = h.mutant;
  }

  bool op(const std::vector<absl::string_view>& t) {
    Op op;
    if (!find_op(t[0], &op.kind, &op.change)) return fail(absl::StrCat("unknown op ", quote(t[0])));
    const OpSpec& spec = op_spec(op.kind);
    const std::string name = op_name(op);
    uint32_t seen = 0;
    for (size_t i = 1; i < t.size(); ++i) {
      const size_t eq = t[i].find('=');
      const absl::string_view key = t[i].substr(0, eq);
      std::optional<Field> field;
      for (Field f : spec.fields) {
        if (key == field_name(f)) field = f;
      }
      if (eq == absl::string_view::npos || !field)
        return fail(absl::StrCat("'", name, "' has no operand ", quote(key)));
      const uint32_t bit = 1u << static_cast<int>(*field);
      if (seen & bit) return fail(absl::StrCat("operand ", quote(key), " given twice"));
      seen |= bit;
      uint64_t v = 0;
      const absl::string_view val = t[i].substr(eq + 1);
      const bool ok = *field == Field::kFlags ? parse_flags(val, &v) : parse_u64(val, &v);
      if (!ok) return fail(absl::StrCat("bad value ", quote(val), " for ", quote(key)));
      set_op_field(&op, *field, v);
      // Narrow operands (flags, depth) are range-checked on the full value.
      if (op_field(op, *field) != v) return fail(absl::StrCat(key, "=", v, " out of range"));
    }
    for (Field f : spec.fields) {
      if (!(seen & (1u << static_cast<int>(f))))
        return fail(absl::StrCat("'", name, "' needs '", field_name(f), "='"));
    }
    std::string why;
    if (!validate_op(op, geometry_of(prog_.granule), &why)) return fail(why);
    prog_.ops.push_back(op);
    return true;
  }

  std::string_view file_;
  ParseError* err_;
  Program prog_;
  int line_ = 0;
};

}  // namespace

std::string format_program(const Program& p) {
  ReproHeader h = default_header(header_schema());
  h.granule = p.granule;
  h.features = p.bbml2 ? PTEDIFF_FEAT_BBML2 : 0;
  h.mutant = p.mutant;
  std::string out = format_header(header_schema(), h);
  for (const Op& op : p.ops) absl::StrAppend(&out, format_op(op), "\n");
  return out;
}

bool parse_program(std::string_view text, std::string_view file, Program* out, ParseError* err) {
  ParseError local;
  Parser p(file, &local);
  Program prog;
  if (!p.run(text, &prog)) {
    if (err != nullptr) *err = local;
    return false;
  }
  *out = std::move(prog);
  return true;
}

bool is_linearmap_repro(std::string_view text) {
  std::string subject;
  int line = 0;
  ParseError err;
  return read_repro_subject(text, "", &subject, &line, &err) && subject == header_schema().subject;
}

}  // namespace ptediff::linearmap
