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

// An op line: its operands through the op table (formats/op_table.h), then
// validate_op.
bool read_op(const std::vector<absl::string_view>& t, Program* prog, std::string* why) {
  if (prog->ops.size() >= kMaxOps) {
    *why = absl::StrCat("more than ", kMaxOps, " ops");
    return false;
  }
  Op op;
  uint64_t suffix = 0;
  const OpSpec* spec = find_op_spec(all_op_specs(), op_fields(), t[0], &suffix);
  if (spec == nullptr) {
    *why = absl::StrCat("unknown op ", quote(t[0]));
    return false;
  }
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
  if (!parse_operands(
          *spec, op_fields(), t[0], std::span(t).subspan(1), fits,
          [&op](Field f, uint64_t v) { set_op_field(&op, f, v); }, why) ||
      !validate_op(op, geometry_of(prog->granule), why)) {
    return false;
  }
  prog->ops.push_back(op);
  return true;
}

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
  Program prog;
  const auto start = [&prog](const ReproHeader& h) {
    prog.granule = h.granule;
    prog.bbml2 = h.features != 0;
    prog.mutant = h.mutant;
  };
  const auto line = [&prog](const std::vector<absl::string_view>& t, std::string* why) {
    return read_op(t, &prog, why);
  };
  if (!read_repro_lines(text, header_schema(), file, err, start, line)) return false;
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
