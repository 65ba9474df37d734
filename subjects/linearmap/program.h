// ptediff linear map: operations and programs of the linear-map subject.
//
// A program is a header (granule, whether the boot CPU has FEAT_BBM level 2,
// an optional named mutant of the optimized implementation) and a list of
// ops. Each op kind has one row in a static spec table (text name and
// operands); the .repro text format and the binary fuzz decoder both work
// from that table. Addresses are byte offsets in the subject's VA window;
// PAs are physical byte addresses; both are page aligned.
#ifndef PTEDIFF_SUBJECTS_LINEARMAP_PROGRAM_H_
#define PTEDIFF_SUBJECTS_LINEARMAP_PROGRAM_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "formats/text.h"  // ParseError, granule and mutant names
#include "subjects/linearmap/geometry.h"

namespace ptediff {
class ByteReader;
}  // namespace ptediff

namespace ptediff::linearmap {

enum class OpKind : uint8_t {
  kMap,        // __create_pgd_mapping(va, pa, size, flags)
  kSplit,      // split the leaves containing va so va is a leaf boundary
  kSetMemory,  // set_memory_<change>(va, nr): split both ends, change whole leaves
  kSetAlias,   // a vmalloc area's linear aliases: set_memory_<change>(va + k*stride, 1)
  kRepaint,    // a late CPU lacks BBML2: repaint the whole map with pages
  kFailAlloc,  // the next op's page-table allocations at `depth` fail
  kCount,
};
inline constexpr size_t kNumOpKinds = static_cast<size_t>(OpKind::kCount);

// Operands. Unused operands are zero.
enum class Field : uint8_t { kVa, kPa, kSize, kNr, kStride, kFlags, kDepth };

struct Op {
  OpKind kind = OpKind::kSplit;
  Change change = Change::kRo;  // kSetMemory / kSetAlias
  uint64_t va = 0;              // bytes
  uint64_t pa = 0;              // bytes (kMap)
  uint64_t size = 0;            // bytes (kMap)
  uint64_t nr = 0;              // pages (kSetMemory / kSetAlias)
  uint64_t stride = 0;          // pages between aliases (kSetAlias)
  uint32_t flags = 0;           // kNoBlock | kNoCont (kMap)
  uint32_t depth = 0;           // 2 (PMD table) or 3 (PTE table) (kFailAlloc)
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

struct Program {
  ptediff_granule granule = PTEDIFF_GRANULE_4K;
  bool bbml2 = true;  // the boot CPU supports FEAT_BBM level 2
  std::string mutant = "none";
  std::vector<Op> ops;
};

// The static description of one op kind.
struct OpSpec {
  OpKind kind;
  const char* name;  // text name; set_memory's is a prefix (set_memory_ro ...)
  std::span<const Field> fields;
};
const OpSpec& op_spec(OpKind k);
const char* field_name(Field f);
uint64_t op_field(const Op& op, Field f);
void set_op_field(Op* op, Field f, uint64_t v);

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
