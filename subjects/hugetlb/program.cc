// ptediff hugetlb: the op table (ops.def), operand access, validation, text
// output.
#include "subjects/hugetlb/program.h"

#include <limits>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ptediff::hugetlb {
namespace {

// The values of the symbolic operands (kind, prot), indexed by value.
constexpr const char* kAccessNames[] = {"read", "write", "exec"};
constexpr const char* kProtNames[] = {"none", "ro", "rw"};
static_assert(std::size(kProtNames) == kNumProts, "one name per Prot");
static_assert(static_cast<int>(AccessKind::kExec) == 2, "kAccessNames follows AccessKind");
inline constexpr uint32_t kNumAccesses = std::size(kAccessNames);

// Indexed by Field. Operands have no compact binary width: the fuzz decoder
// draws them its own way (codec.cc).
constexpr FieldDesc kFieldRows[] = {
#define PTEDIFF_HT_FIELD(e, member, name, repr, symbols) {name, FieldRepr::repr, 0, symbols},
#include "subjects/hugetlb/ops.def"
};
static_assert(std::size(kFieldRows) == kNumFields, "one row per field");
constexpr FieldTable<Field> kFieldTable{kFieldRows};

constexpr FieldDesc kEventFieldRows[] = {
#define PTEDIFF_HT_EVENT_FIELD(e, member, type, name, repr, symbols) \
  {name, FieldRepr::repr, 0, symbols},
#include "subjects/hugetlb/ops.def"
};
constexpr FieldTable<EventField> kEventFieldTable{kEventFieldRows};

// Each op's (event's) operands, in text order, then a terminator (so that an
// op without operands has an array too), and the specs; ops.def names
// operands without `Field::`.
namespace spec_rows {
using enum Field;
constexpr Field kEnd = static_cast<Field>(kNumFields);  // never read
#define PTEDIFF_HT_OP(e, name, ...) \
  constexpr Field kOperandsOf_##e[] = {__VA_ARGS__ __VA_OPT__(, ) kEnd};
#include "subjects/hugetlb/ops.def"

constexpr OpSpec kSpecs[] = {
#define PTEDIFF_HT_OP(e, name, ...) \
  {OpKind::e, name, std::span(kOperandsOf_##e, std::size(kOperandsOf_##e) - 1)},
#include "subjects/hugetlb/ops.def"
};
static_assert(std::size(kSpecs) == kNumOpKinds, "one spec per op kind");
}  // namespace spec_rows
using spec_rows::kSpecs;

namespace event_rows {
using enum EventField;
#define PTEDIFF_HT_EVENT(e, name, ...) constexpr EventField kOperandsOf_##e[] = {__VA_ARGS__};
#include "subjects/hugetlb/ops.def"

constexpr EventSpec kEventSpecs[] = {
#define PTEDIFF_HT_EVENT(e, name, ...) {HwEventKind::e, name, kOperandsOf_##e},
#include "subjects/hugetlb/ops.def"
};
}  // namespace event_rows
using event_rows::kEventSpecs;

// Whether `v` is a value of T (bool: 0 or 1).
template <typename T>
bool fits(uint64_t v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v <= 1;
  } else if constexpr (std::is_enum_v<T>) {
    return fits<std::underlying_type_t<T>>(v);
  } else {
    return v <= std::numeric_limits<T>::max();
  }
}

bool uses(const OpSpec& s, Field f) {
  for (Field g : s.fields) {
    if (g == f) return true;
  }
  return false;
}

}  // namespace

const OpSpec& op_spec(OpKind k) { return kSpecs[static_cast<size_t>(k) % kNumOpKinds]; }
std::span<const OpSpec> all_op_specs() { return kSpecs; }
const FieldTable<Field>& op_fields() { return kFieldTable; }
const char* field_name(Field f) { return kFieldTable.name(f); }

const EventSpec& event_spec(HwEventKind k) {
  return kEventSpecs[static_cast<size_t>(k) % std::size(kEventSpecs)];
}
std::span<const EventSpec> all_event_specs() { return kEventSpecs; }
const FieldTable<EventField>& event_fields() { return kEventFieldTable; }

uint64_t event_field(const Event& ev, EventField f) {
  switch (f) {
#define PTEDIFF_HT_EVENT_FIELD(e, member, type, name, repr, symbols) \
  case EventField::e:                                                \
    return static_cast<uint64_t>(ev.member);
#include "subjects/hugetlb/ops.def"
  }
  return 0;
}

bool set_event_field(Event* ev, EventField f, uint64_t v) {
  switch (f) {
#define PTEDIFF_HT_EVENT_FIELD(e, member, type, name, repr, symbols) \
  case EventField::e:                                                \
    if (!fits<type>(v)) return false;                                \
    ev->member = static_cast<type>(v);                               \
    return true;
#include "subjects/hugetlb/ops.def"
  }
  return false;
}

bool validate_op(const Op& op, const HState& h, std::string* why) {
  auto fail = [&](std::string m) {
    if (why != nullptr) *why = std::move(m);
    return false;
  };
  if (static_cast<size_t>(op.kind) >= kNumOpKinds) return fail("bad op kind");
  const OpSpec& s = op_spec(op.kind);
  for (size_t i = 0; i < kNumFields; ++i) {
    const Field f = static_cast<Field>(i);
    if (!uses(s, f) && op_field(op, f) != 0) {
      return fail(absl::StrCat(s.name, " does not take operand '", field_name(f),
                               "' (takes: ", operand_list(s, kFieldTable), ")"));
    }
  }
  const uint64_t base_pages = h.bytes >> h.geo.page_shift;
  auto window = [&](const char* what, uint64_t v) {
    return fail(absl::StrFormat("%s %u out of range (the window holds %u huge pages of %s)", what,
                                v, h.pages, hsize_name(h.size)));
  };
  if (op.mm >= kNumMms) return fail(absl::StrFormat("mm %u out of range (0 user, 1 child)", op.mm));
  if (uses(s, Field::kPage) && op.page >= h.pages) return window("page", op.page);
  if (op.write > 1) return fail(absl::StrFormat("write %u out of range (0 or 1)", op.write));
  if (uses(s, Field::kSub) && op.sub >= base_pages) {
    return fail(absl::StrFormat("sub %u out of range (a %s huge page holds %u base pages)", op.sub,
                                hsize_name(h.size), base_pages));
  }
  if (op.access >= kNumAccesses)
    return fail(absl::StrFormat("kind %u out of range (read, write or exec)", op.access));
  if (op.pick >= kNumPicks)
    return fail(absl::StrFormat("pick %u out of range (below %u)", op.pick, kNumPicks));
  if (op.prot >= kNumProts)
    return fail(absl::StrFormat("prot %u out of range (none, ro or rw)", op.prot));
  if (op.race > h.ncontig) {
    return fail(absl::StrFormat("race %u out of range (0, or 1 + one of the %u entries)", op.race,
                                h.ncontig));
  }
  if (op.kind == OpKind::kMremap) {
    if (op.to >= h.pages) return window("to", op.to);
    if (op.to == op.page) return fail(absl::StrFormat("mremap to its own page %u", op.page));
  }
  return true;
}

bool validate_event(const Event& ev, const HState& h, std::string* why) {
  auto fail = [&](std::string m) {
    if (why != nullptr) *why = std::move(m);
    return false;
  };
  const uint64_t limit = h.pages * h.bytes, page = ptediff_page_size(&h.geo);
  if (ev.prim > kMaxEventPrim)
    return fail(absl::StrFormat("prim %u out of range (at most %u)", ev.prim, kMaxEventPrim));
  if (ev.mm >= kNumMms) return fail(absl::StrFormat("mm %u out of range (0 user, 1 child)", ev.mm));
  if (ev.va >= limit || ev.va % page != 0) {
    return fail(absl::StrFormat("va %#x is not a page of the window [0, %#x)", ev.va, limit));
  }
  if (static_cast<uint32_t>(ev.access) >= kNumAccesses) {
    return fail(absl::StrFormat("kind %u out of range (read, write or exec)",
                                static_cast<uint32_t>(ev.access)));
  }
  if (ev.pick >= kNumPicks)
    return fail(absl::StrFormat("pick %u out of range (below %u)", ev.pick, kNumPicks));
  if (ev.kind == HwEventKind::kAccess && ev.block) return fail("an access has no operand `block`");
  if (ev.kind == HwEventKind::kTlbFill && ev.access != AccessKind::kRead)
    return fail("a tlb_fill has no operand `kind`");
  return true;
}

std::string format_event(const Event& ev) {
  const EventSpec& spec = event_spec(ev.kind);
  std::string out = absl::StrCat("  @ prim=", ev.prim, " ", spec.name);
  append_operands(
      spec.operands().subspan(1), kEventFieldTable,
      [&ev](EventField f) { return event_field(ev, f); }, &out);
  return out;
}

std::string format_op(const Op& op) {
  const OpSpec& spec = op_spec(op.kind);
  std::string out = spec.name;
  append_operands(
      spec.operands(), kFieldTable, [&op](Field f) { return op_field(op, f); }, &out);
  return out;
}

}  // namespace ptediff::hugetlb
