// ptediff linear map: operations and programs of the linear-map subject.
//
// A program is a header (granule, whether the boot CPU has FEAT_BBM level 2,
// an optional named mutant of the optimized implementation) and a list of
// ops. Each op kind and operand has one row in ops.def (text name,
// representation, operands); the .repro text format and the literal binary
// form run on that table through formats/op_table.h. Addresses are byte
// offsets in the subject's VA window; PAs are physical byte addresses; both
// are page aligned.
#ifndef PTEDIFF_SUBJECTS_LINEARMAP_PROGRAM_H_
#define PTEDIFF_SUBJECTS_LINEARMAP_PROGRAM_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "formats/op_table.h"
#include "formats/text.h"  // ParseError, granule and mutant names
#include "subjects/linearmap/geometry.h"

namespace ptediff {
class ByteReader;
}  // namespace ptediff

namespace ptediff::linearmap {

// The op kinds (ops.def, where each is described).
enum class OpKind : uint8_t {
#define PTEDIFF_LM_OP(e, name, suffix, ...) e,
#include "subjects/linearmap/ops.def"
  kCount,
};
inline constexpr size_t kNumOpKinds = static_cast<size_t>(OpKind::kCount);

// The operands (ops.def). An op uses those of its spec; the others stay zero.
enum class Field : uint8_t {
#define PTEDIFF_LM_FIELD(e, member, type, name, repr, symbols) e,
#include "subjects/linearmap/ops.def"
};
inline constexpr size_t kNumFields = 0
#define PTEDIFF_LM_FIELD(e, member, type, name, repr, symbols) +1
#include "subjects/linearmap/ops.def"
    ;
// No operand: the end of an operand list.
inline constexpr Field kNoField = static_cast<Field>(kNumFields);

// One op: its kind and a plain member per operand (ops.def), read directly
// by the reference, the optimized implementation and the checks.
struct Op {
  OpKind kind = OpKind::kSplit;
#define PTEDIFF_LM_FIELD(e, member, type, name, repr, symbols) type member{};
#include "subjects/linearmap/ops.def"
};

// Injected table-allocation failures, shared by both sides: `fail_alloc
// depth=N` arms depth N for the next op only.
struct AllocFailures {
  uint32_t armed = 0;    // bit d: armed for the next op
  uint32_t failing = 0;  // bit d: allocations at depth d fail in this op
  // Starts `op`: consumes a fail_alloc op (returns true), else moves what is
  // armed to `failing` for this op.
  bool begin(const Op& op) {
    if (op.kind == OpKind::kFailAlloc) {
      armed |= 1u << op.depth;
      return true;
    }
    failing = armed;
    armed = 0;
    return false;
  }
};

// The header of a program (granule, whether the boot CPU has FEAT_BBM
// level 2, O's mutant); a Program is the header and its ops
// (formats/op_table.h).
struct Header {
  ptediff_granule granule = PTEDIFF_GRANULE_4K;
  bool bbml2 = true;  // the boot CPU supports FEAT_BBM level 2
  std::string mutant = "none";
};
using Program = ProgramOf<Header, Op>;

// The static description of one op kind (a row of ops.def; formats/op_table.h); set_memory_
// and set_alias_ end their names with the change (`set_memory_ro`).
using OpSpec = OpSpecOf<OpKind, Field>;
const OpSpec& op_spec(OpKind k);
std::span<const OpSpec> all_op_specs();
// The operand rows (text name, representation, symbols), indexed by Field.
const FieldTable<Field>& op_fields();
const char* field_name(Field f);
// An operand's value; set_op_field keeps a value too wide for its member as
// the member's largest value (validate_op rejects it, nothing is truncated
// into a legal value).
uint64_t op_field(const Op& op, Field f);
void set_op_field(Op* op, Field f, uint64_t v);
// The text name of an op: set_memory_ro, map, ...
std::string op_name(const Op& op);

// Limits of the formats.
inline constexpr size_t kMaxOps = 100000;
inline constexpr uint32_t kMinFailDepth = 2, kMaxFailDepth = 3;

// Checks operand ranges: page alignment, window, PA width, flags, depth.
// (Semantic errors such as mapping over a mapped page are not checked: the
// ops return -EINVAL for them.) On failure sets *why.
bool validate_op(const Op& op, const Geometry& g, std::string* why);

// The one-line text of an op (no newline) and of a whole program.
std::string format_op(const Op& op);
std::string format_program(const Program& p);

// Parses the text of a linear-map repro: `ptediff-repro 1`, `subject
// linear-map`, `granule`, `features bbml2|none`, optional `mutant`, then one
// op per line; `#` starts a comment. Strict (every operand exactly once,
// validate_op) and total. On error fills *err and leaves *out unchanged.
bool parse_program(std::string_view text, std::string_view file, Program* out, ParseError* err);
// True when `text` declares `subject linear-map` in its header.
bool is_linearmap_repro(std::string_view text);

// Decodes any byte string into a valid program (the fuzz alphabet). The
// mutant is "none" unless the input is in the literal form and names one.
Program decode_program(std::span<const uint8_t> data);
// One op as the fuzz decoder draws it from bytes (legal under the header:
// validate_op accepts it); the structure-aware mutator's source of fresh ops.
Op decode_op(ByteReader& r, const Geometry& g);
// The literal binary form of `p`: decode_program(encode_program(p)) == p for
// every program parse_program accepts.
std::vector<uint8_t> encode_program(const Program& p);

}  // namespace ptediff::linearmap

#endif  // PTEDIFF_SUBJECTS_LINEARMAP_PROGRAM_H_
