// ptediff linear map: the .repro text format (program.h): the parser and the
// canonical text; the header goes through the shared front end
// (formats/header.h), op lines through the op table (ops.def,
// formats/op_table.h).
#include "formats/text.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "formats/header.h"
#include "formats/op_table.h"
#include "ptediff/backend.h"               // PTEDIFF_FEAT_*
#include "subjects/linearmap/optimized.h"  // find_mutant
#include "subjects/linearmap/program.h"

namespace ptediff::linearmap {
namespace {

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
    uint64_t suffix = 0;
    const OpSpec* spec = find_op_spec(all_op_specs(), op_fields(), t[0], &suffix);
    if (spec == nullptr) return fail(absl::StrCat("unknown op ", quote(t[0])));
    op.kind = spec->kind;
    if (const std::optional<Field> f = spec->suffix()) set_op_field(&op, *f, suffix);
    // A value too wide for its operand's member (flags, depth) is refused
    // here; validate_op checks what the op makes of the values.
    const auto fits = [](Field f, uint64_t v, std::string* why) {
      Op probe;
      set_op_field(&probe, f, v);
      if (op_field(probe, f) == v) return true;
      *why = absl::StrCat(field_name(f), "=", v, " out of range (max ", op_field(probe, f), ")");
      return false;
    };
    std::string why;
    if (!parse_operands(
            *spec, op_fields(), t[0], std::span(t).subspan(1), fits,
            [&op](Field f, uint64_t v) { set_op_field(&op, f, v); }, &why) ||
        !validate_op(op, geometry_of(prog_.granule), &why)) {
      return fail(why);
    }
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
