// ptediff linear map: op specs, operand access, validation, text output.
#include "subjects/linearmap/program.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ptediff::linearmap {
namespace {

constexpr Field kMapFields[] = {Field::kVa, Field::kPa, Field::kSize, Field::kFlags};
constexpr Field kVaFields[] = {Field::kVa};
constexpr Field kRangeFields[] = {Field::kVa, Field::kNr};
constexpr Field kAliasFields[] = {Field::kVa, Field::kNr, Field::kStride};
constexpr Field kDepthFields[] = {Field::kDepth};

const OpSpec kSpecs[] = {
    {OpKind::kMap, "map", kMapFields},
    {OpKind::kSplit, "split", kVaFields},
    {OpKind::kSetMemory, "set_memory_", kRangeFields},
    {OpKind::kSetAlias, "set_alias_", kAliasFields},
    {OpKind::kRepaint, "repaint", {}},
    {OpKind::kFailAlloc, "fail_alloc", kDepthFields},
};
static_assert(std::size(kSpecs) == kNumOpKinds, "one spec per op kind");

constexpr const char* kFieldNames[] = {"va", "pa", "size", "nr", "stride", "flags", "depth"};

std::string flags_text(uint32_t f) {
  if (f == 0) return "none";
  std::string s;
  if (f & kNoBlock) s = "no_block";
  if (f & kNoCont) absl::StrAppend(&s, s.empty() ? "" : "|", "no_cont");
  return s;
}

}  // namespace

const OpSpec& op_spec(OpKind k) { return kSpecs[static_cast<size_t>(k) % kNumOpKinds]; }
const char* field_name(Field f) { return kFieldNames[static_cast<size_t>(f)]; }

uint64_t op_field(const Op& op, Field f) {
  switch (f) {
    case Field::kVa:
      return op.va;
    case Field::kPa:
      return op.pa;
    case Field::kSize:
      return op.size;
    case Field::kNr:
      return op.nr;
    case Field::kStride:
      return op.stride;
    case Field::kFlags:
      return op.flags;
    case Field::kDepth:
      return op.depth;
  }
  return 0;
}

// Narrow fields keep values that do not fit as UINT32_MAX, so validate_op
// rejects them instead of seeing a truncated, valid value.
void set_op_field(Op* op, Field f, uint64_t v) {
  const uint32_t v32 = v > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(v);
  switch (f) {
    case Field::kVa:
      op->va = v;
      break;
    case Field::kPa:
      op->pa = v;
      break;
    case Field::kSize:
      op->size = v;
      break;
    case Field::kNr:
      op->nr = v;
      break;
    case Field::kStride:
      op->stride = v;
      break;
    case Field::kFlags:
      op->flags = v32;
      break;
    case Field::kDepth:
      op->depth = v32;
      break;
  }
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
  const OpSpec& s = op_spec(op.kind);
  std::string out = s.name;
  if (op.kind == OpKind::kSetMemory || op.kind == OpKind::kSetAlias)
    absl::StrAppend(&out, change_name(op.change));
  for (Field f : s.fields) {
    const uint64_t v = op_field(op, f);
    switch (f) {
      case Field::kVa:
      case Field::kPa:
      case Field::kSize:
        absl::StrAppendFormat(&out, " %s=0x%x", field_name(f), v);
        break;
      case Field::kFlags:
        absl::StrAppend(&out, " flags=", flags_text(op.flags));
        break;
      default:
        absl::StrAppend(&out, " ", field_name(f), "=", v);
    }
  }
  return out;
}

}  // namespace ptediff::linearmap
