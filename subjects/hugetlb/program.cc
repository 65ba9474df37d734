// ptediff hugetlb: op specs, operand access, validation, text output.
#include "subjects/hugetlb/program.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ptediff::hugetlb {
namespace {

constexpr Field kFaultFields[] = {Field::kMm, Field::kPage, Field::kWrite, Field::kRace};
constexpr Field kAccessFields[] = {Field::kMm, Field::kPage, Field::kSub, Field::kKind,
                                   Field::kPick};
constexpr Field kPageFields[] = {Field::kMm, Field::kPage};
constexpr Field kMprotectFields[] = {Field::kMm, Field::kPage, Field::kProt};
constexpr Field kMremapFields[] = {Field::kMm, Field::kPage, Field::kTo};

const OpSpec kSpecs[] = {
    {OpKind::kFault, "fault", kFaultFields},
    {OpKind::kAccess, "access", kAccessFields},
    {OpKind::kGet, "get", kPageFields},
    {OpKind::kFork, "fork", {}},
    {OpKind::kUnmap, "unmap", kPageFields},
    {OpKind::kMprotect, "mprotect", kMprotectFields},
    {OpKind::kMigrate, "migrate", kPageFields},
    {OpKind::kRemoveMigr, "remove_migration", kPageFields},
    {OpKind::kMremap, "mremap", kMremapFields},
    {OpKind::kMkold, "mkold", kPageFields},
    {OpKind::kMkclean, "mkclean", kPageFields},
};
static_assert(std::size(kSpecs) == kNumOpKinds, "one spec per op kind");

constexpr const char* kFieldNames[] = {"mm",   "page", "write", "sub", "kind",
                                       "pick", "prot", "to",    "race"};
constexpr size_t kNumFields = std::size(kFieldNames);

// Values of the symbolic operands (kind, prot), indexed by value.
constexpr const char* kAccessNames[] = {"read", "write", "exec"};
constexpr const char* kProtNames[] = {"none", "ro", "rw"};
static_assert(std::size(kProtNames) == kNumProts, "one name per Prot");

inline constexpr uint32_t kNumAccesses = std::size(kAccessNames);
inline constexpr uint32_t kNumPicks = 64;

bool uses(const OpSpec& s, Field f) {
  for (Field g : s.fields) {
    if (g == f) return true;
  }
  return false;
}

}  // namespace

const OpSpec& op_spec(OpKind k) { return kSpecs[static_cast<size_t>(k) % kNumOpKinds]; }
const char* field_name(Field f) { return kFieldNames[static_cast<size_t>(f) % kNumFields]; }

uint64_t op_field(const Op& op, Field f) {
  switch (f) {
    case Field::kMm:
      return op.mm;
    case Field::kPage:
      return op.page;
    case Field::kWrite:
      return op.write;
    case Field::kSub:
      return op.sub;
    case Field::kKind:
      return op.access;
    case Field::kPick:
      return op.pick;
    case Field::kProt:
      return op.prot;
    case Field::kTo:
      return op.to;
    case Field::kRace:
      return op.race;
  }
  return 0;
}

// Narrow fields keep values that do not fit as UINT32_MAX, so validate_op
// rejects them instead of seeing a truncated, valid value.
void set_op_field(Op* op, Field f, uint64_t v) {
  const uint32_t v32 = v > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(v);
  switch (f) {
    case Field::kMm:
      op->mm = v32;
      break;
    case Field::kPage:
      op->page = v;
      break;
    case Field::kWrite:
      op->write = v32;
      break;
    case Field::kSub:
      op->sub = v;
      break;
    case Field::kKind:
      op->access = v32;
      break;
    case Field::kPick:
      op->pick = v32;
      break;
    case Field::kProt:
      op->prot = v32;
      break;
    case Field::kTo:
      op->to = v;
      break;
    case Field::kRace:
      op->race = v32;
      break;
  }
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
    if (!uses(s, f) && op_field(op, f) != 0)
      return fail(absl::StrCat("`", s.name, "` has no operand `", field_name(f), "`"));
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
  const bool access = ev.kind == HwEventKind::kAccess;
  return absl::StrFormat("  @ prim=%u %s mm=%u va=%#x %s=%s pick=%u", ev.prim,
                         access ? "access" : "tlb_fill", ev.mm, ev.va, access ? "kind" : "block",
                         access ? kAccessNames[static_cast<uint32_t>(ev.access) % kNumAccesses]
                                : (ev.block ? "1" : "0"),
                         ev.pick);
}

std::string format_op(const Op& op) {
  const OpSpec& s = op_spec(op.kind);
  std::string out = s.name;
  for (Field f : s.fields) {
    const uint64_t v = op_field(op, f);
    absl::StrAppend(&out, " ", field_name(f), "=");
    if (f == Field::kKind && v < kNumAccesses) {
      absl::StrAppend(&out, kAccessNames[v]);
    } else if (f == Field::kProt && v < kNumProts) {
      absl::StrAppend(&out, kProtNames[v]);
    } else {
      absl::StrAppend(&out, v);
    }
  }
  return out;
}

// The symbolic operand values, shared with the parser (text.cc).
bool parse_symbol(Field f, std::string_view s, uint64_t* out) {
  const std::span<const char* const> names =
      f == Field::kKind   ? std::span<const char* const>(kAccessNames)
      : f == Field::kProt ? std::span<const char* const>(kProtNames)
                          : std::span<const char* const>();
  for (size_t i = 0; i < names.size(); ++i) {
    if (s == names[i]) {
      *out = i;
      return true;
    }
  }
  return false;
}

}  // namespace ptediff::hugetlb
