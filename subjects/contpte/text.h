// ptediff: the text .repro format (docs/DESIGN.md §4.3).
//
// A repro is the readable form of a Program: a `ptediff-repro 1` magic line,
// header lines (subject, granule, features, profile, mutant: read by the
// shared front end, formats/header.h) and one op per line as
// `name key=value ...`. Parsing is strict (every operand of the op's spec
// exactly once, every value in range) and total: malformed input is rejected
// with a one-line `file:line: message`, never a crash. The operand table
// declared here (formats/op_table.h) also drives the binary encoding (codec.h).
#ifndef PTEDIFF_SUBJECTS_CONTPTE_TEXT_H_
#define PTEDIFF_SUBJECTS_CONTPTE_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "formats/op_table.h"
#include "formats/text.h"
#include "subjects/contpte/program.h"

namespace ptediff {

// Parsing limits.
inline constexpr size_t kMaxReproOps = 1000000;

// The operand rows of ops.def (formats/op_table.h): names, text forms,
// binary widths; field_name and find_field read them too.
const FieldTable<Field>& op_fields();
// The row of one operand.
const FieldDesc& field_codec(Field f);

// The window size in pages: `window_pages`, or 2 * ptrs_per_pte when it is 0.
uint64_t window_pages_or_default(const ptediff_geometry& geo, uint64_t window_pages);

// Checks one operand value against its range (field_max), alignment (va/dst)
// and minimum (nr >= 1). On failure returns false and sets *why (if non-null).
bool check_field(Field f, uint64_t v, const ptediff_geometry& geo, uint64_t window_pages,
                 std::string* why);

// Checks a whole program: header values (the mutant "none" or one of the
// catalogue), every used operand via check_field, unused operands zero. `window_pages` 0 means the
// default.
bool validate_program(const Program& p, uint64_t window_pages, std::string* why);

// Parses the repro `text`; `file` is used only in messages. On success fills
// *out and returns true. On error returns false and fills *err (line numbers
// are 1-based; a missing header or an empty file is reported on the last
// line); *out is left unchanged. `window_pages` 0 means the default window.
// `op_lines` (optional) receives the line of each op.
bool parse_repro(std::string_view text, std::string_view file, Program* out, ParseError* err,
                 uint64_t window_pages = 0, std::vector<int>* op_lines = nullptr);

// The canonical text of a program: the header with every key (format_header:
// magic, `subject contpte`, granule, features, profile, mutant), then one op
// per line.
std::string format_repro(const Program& p);

// The text of operand value `v` of field `f`, as format_op writes it.
std::string format_value(Field f, uint64_t v);

// One op as a single line without newline: the op name, then `key=value` in
// spec order (va/dst in 0x-hex, kind/place/prot/cydp symbolic, others decimal).
std::string format_op(const Op& op);

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_TEXT_H_
