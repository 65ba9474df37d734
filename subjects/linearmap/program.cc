// ptediff linear map: the op table (ops.def), operand access, validation,
// text output.
#include "subjects/linearmap/program.h"

#include <algorithm>
#include <limits>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ptediff::linearmap {
namespace {

// The bits of the map `flags` operand, bit i named kMapFlagNames[i].
constexpr const char* kMapFlagNames[] = {"no_block", "no_cont"};
static_assert(kNoBlock == 1 && kNoCont == 2 && kAllFlags == (1u << std::size(kMapFlagNames)) - 1,
              "kMapFlagNames follows the map flag bits");

// Indexed by Field.
constexpr FieldDesc kFieldRows[] = {
#define PTEDIFF_LM_FIELD(e, member, type, name, repr, symbols) {name, FieldRepr::repr, 0, symbols},
#include "subjects/linearmap/ops.def"
};
static_assert(std::size(kFieldRows) == kNumFields, "one row per field");
constexpr FieldTable<Field> kFieldTable{kFieldRows};

// Each op's operands, in text order, then kNoField (so that an op
// without operands has an array too), and the specs; ops.def names operands
// without `Field::`.
namespace spec_rows {
using enum Field;
constexpr std::nullopt_t kNoSuffix = std::nullopt;
#define PTEDIFF_LM_OP(e, name, suffix, ...) \
  constexpr Field kOperandsOf_##e[] = {__VA_ARGS__ __VA_OPT__(, ) kNoField};
#include "subjects/linearmap/ops.def"

constexpr OpSpec kSpecs[] = {
#define PTEDIFF_LM_OP(e, name, suffix, ...) \
  {OpKind::e, name, std::span(kOperandsOf_##e, std::size(kOperandsOf_##e) - 1), suffix},
#include "subjects/linearmap/ops.def"
};
static_assert(std::size(kSpecs) == kNumOpKinds, "one spec per op kind");
}  // namespace spec_rows
using spec_rows::kSpecs;

// `v` as a T, or T's largest value when it does not fit.
template <typename T>
T saturate(uint64_t v) {
  if constexpr (std::is_enum_v<T>) {
    return static_cast<T>(saturate<std::underlying_type_t<T>>(v));
  } else {
    return static_cast<T>(std::min<uint64_t>(v, std::numeric_limits<T>::max()));
  }
}

}  // namespace

const OpSpec& op_spec(OpKind k) { return kSpecs[static_cast<size_t>(k) % kNumOpKinds]; }
std::span<const OpSpec> all_op_specs() { return kSpecs; }
const FieldTable<Field>& op_fields() { return kFieldTable; }
const char* field_name(Field f) { return kFieldTable.name(f); }

uint64_t op_field(const Op& op, Field f) {
  switch (f) {
#define PTEDIFF_LM_FIELD(e, member, type, name, repr, symbols) \
  case Field::e:                                               \
    return static_cast<uint64_t>(op.member);
#include "subjects/linearmap/ops.def"
    default:
      return 0;
  }
}

void set_op_field(Op* op, Field f, uint64_t v) {
  switch (f) {
#define PTEDIFF_LM_FIELD(e, member, type, name, repr, symbols) \
  case Field::e:                                               \
    op->member = saturate<type>(v);                            \
    return;
#include "subjects/linearmap/ops.def"
    default:
      return;
  }
}

std::string op_name(const Op& op) {
  return op_text_name(op_spec(op.kind), kFieldTable, [&op](Field f) { return op_field(op, f); });
}

bool validate_op(const Op& op, const Geometry& g, std::string* why) {
  const uint64_t window = g.window_pages * g.page_size;
  auto fail = [&](std::string m) {
    if (why != nullptr) *why = std::move(m);
    return false;
  };
  if (static_cast<size_t>(op.kind) >= kNumOpKinds) return fail("bad op kind");
  if (static_cast<int>(op.change) >= kNumChanges) return fail("bad change");
  if (op.va % g.page_size != 0) return fail("va is not page aligned");
  if (op.va >= window)
    return fail(absl::StrFormat("va 0x%x is outside the window 0x%x", op.va, window));
  switch (op.kind) {
    case OpKind::kMap:
      if (op.pa % g.page_size != 0 || op.size % g.page_size != 0)
        return fail("pa and size must be page aligned");
      if (op.size == 0 || op.size > window - op.va) return fail("size is 0 or leaves the window");
      if (op.pa / g.page_size + op.size / g.page_size > g.pa_pages())
        return fail("pa range exceeds the physical address width");
      if (op.flags & ~kAllFlags) return fail("unknown flags");
      return true;
    case OpKind::kSetMemory:
    case OpKind::kSetAlias:
      if (op.nr > g.window_pages) return fail("nr exceeds the window");
      if (op.stride > g.window_pages) return fail("stride exceeds the window");
      return true;
    case OpKind::kFailAlloc:
      if (op.depth < kMinFailDepth || op.depth > kMaxFailDepth) return fail("depth must be 2 or 3");
      return true;
    default:
      return true;
  }
}

std::string format_op(const Op& op) {
  std::string out = op_name(op);
  append_operands(
      op_spec(op.kind).operands(), kFieldTable, [&op](Field f) { return op_field(op, f); }, &out);
  return out;
}

}  // namespace ptediff::linearmap
