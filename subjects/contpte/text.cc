// ptediff: the text .repro format (see repro.h).
#include "subjects/contpte/text.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "formats/header.h"
#include "formats/text.h"
#include "ptediff/backend.h"             // PTEDIFF_FEAT_*
#include "subjects/contpte/optimized.h"  // known_optimized_mutant

namespace ptediff {
namespace {

// The installed Abseil has its own string_view type; convert at the edges.
std::string_view to_std(absl::string_view s) { return std::string_view(s.data(), s.size()); }
using Toks = std::vector<absl::string_view>;

constexpr const char* kKindNames[] = {"read", "write", "exec"};
constexpr const char* kPlaceNames[] = {"low", "high", "gap"};
constexpr const char* kProtNames[] = {"a", "d", "w", "ro", "x", "nc", "special"};
constexpr const char* kCydpNames[] = {"young", "dirty"};  // CYDP_CLEAR_YOUNG, CYDP_CLEAR_DIRTY

static_assert(kProtYoung == 1 && kProtDirty == 2 && kProtWrite == 4 && kProtRdonly == 8 &&
                  kProtExec == 16 && kProtAttr == 32 && kProtSpecial == 64,
              "kProtNames follows the ProtFlag bit order");
static_assert(kProtAll == (1 << std::size(kProtNames)) - 1, "one name per prot flag");

// Indexed by Field.
constexpr FieldDesc kFields[] = {
#define PTEDIFF_FIELD(e, name, repr, width, symbols, max) {name, FieldRepr::repr, width, symbols},
#include "subjects/contpte/ops.def"
#undef PTEDIFF_FIELD
};
static_assert(std::size(kFields) == kNumFields, "one row per field");
constexpr FieldTable<Field> kFieldTable{kFields};

// The contpte header (formats/header.h): features hafdbs and bbml2, and the
// profile; absent lines take the values of Header{}.
uint32_t feature_bits(const Header& h) {
  return (h.hafdbs ? PTEDIFF_FEAT_HAFDBS : 0) | (h.bbml2 ? PTEDIFF_FEAT_BBML2 : 0);
}

const HeaderSchema& header_schema() {
  static const char* const kProfiles[] = {
      profile_name(Profile::kBasic), profile_name(Profile::kBatch), profile_name(Profile::kFold)};
  static const HeaderChoice kChoices[] = {
      {"profile", kProfiles, HeaderRole::kSetting, static_cast<size_t>(Header{}.profile)}};
  static const HeaderSchema kSchema{.subject = "contpte",
                                    .features = PTEDIFF_FEAT_HAFDBS | PTEDIFF_FEAT_BBML2,
                                    .default_features = feature_bits(Header{}),
                                    .choices = kChoices,
                                    .known_mutant = known_optimized_mutant};
  return kSchema;
}

// Line-by-line parser state.
class Parser {
 public:
  Parser(std::string_view file, uint64_t window_pages, ParseError* err)
      : file_(file), window_pages_(window_pages), err_(err) {}

  std::vector<int>& op_lines() { return op_lines_; }

  bool run(std::string_view text, Program* out);

 private:
  bool fail(std::string message) {
    if (err_ != nullptr) *err_ = ParseError{std::string(file_), line_, std::move(message)};
    return false;
  }
  bool line(int n, const Toks& toks);
  // Takes the header once it is complete.
  void start(const ReproHeader& h);
  // An op's operands: toks[first..] are key=value.
  bool op(const OpSpec& spec, const Toks& toks, size_t first);
  bool event(const Toks& toks);

  std::string_view file_;
  uint64_t window_pages_;
  ParseError* err_;
  int line_ = 0;
  ptediff_geometry geo_{};
  Program prog_;
  std::vector<int> op_lines_;
};

bool Parser::run(std::string_view text, Program* out) {
  if (!read_repro(
          text, header_schema(), file_, err_, [this](const ReproHeader& h) { start(h); },
          [this](int n, const Toks& toks) { return line(n, toks); })) {
    return false;
  }
  *out = std::move(prog_);
  return true;
}

void Parser::start(const ReproHeader& r) {
  Header& h = prog_.header;
  h.granule = r.granule;
  h.hafdbs = (r.features & PTEDIFF_FEAT_HAFDBS) != 0;
  h.bbml2 = (r.features & PTEDIFF_FEAT_BBML2) != 0;
  h.profile = static_cast<Profile>(r.choice[0]);
  h.mutant = r.mutant;
  geo_ = ptediff_geometry_of(h.granule);
  window_pages_ = window_pages_or_default(geo_, window_pages_);
}

bool Parser::line(int n, const Toks& toks) {
  line_ = n;
  if (toks[0] == "@") return event(toks);
  const OpSpec* spec = find_op(to_std(toks[0]));
  if (spec == nullptr || spec->cls == OpClass::kEvent) {
    return fail(absl::StrCat("unknown op ", quote(toks[0])));
  }
  if (prog_.ops.size() >= kMaxReproOps) {
    return fail(absl::StrCat("too many ops (limit ", kMaxReproOps, ")"));
  }
  return op(*spec, toks, 1);
}

// `@ prim=N NAME key=value...`: a mid-op event of the op above it. Its
// operands may come in any order around the name; events of one op are
// listed in firing order, at most kMaxEventsPerOp of them.
bool Parser::event(const Toks& toks) {
  constexpr absl::string_view kNames = "access, tlb_fill or lockless";
  absl::string_view name;
  Toks rest;
  std::string why;
  if (!split_event_tokens(toks, kNames, &name, &rest, &why)) return fail(why);
  const OpSpec* spec = find_op(absl::StrCat("@", name));
  if (spec == nullptr) {
    return fail(absl::StrCat("unknown event ", quote(name), " (expected ", kNames, ")"));
  }
  size_t owner = prog_.ops.size(), events = 0;
  while (owner > 0 && is_event(prog_.ops[owner - 1].kind)) --owner, ++events;
  if (owner == 0) return fail("event before the first op (an event fires inside the op above it)");
  if (events >= kMaxEventsPerOp) {
    return fail(absl::StrCat("more than ", kMaxEventsPerOp, " events under one op"));
  }
  if (!op(*spec, rest, 0)) return false;
  const uint64_t prim = prog_.ops.back().get(Field::kPrim);
  if (events > 0 && prim < prog_.ops[prog_.ops.size() - 2].get(Field::kPrim)) {
    return fail(absl::StrCat("event prim=", prim,
                             " before the event above it (list events in "
                             "firing order)"));
  }
  return true;
}

bool Parser::op(const OpSpec& spec, const Toks& toks, size_t first) {
  Op op;
  op.kind = spec.kind;
  std::string why;
  const auto check = [this](Field f, uint64_t v, std::string* why) {
    // Text runs as written: an entry the kernel cannot create is an error
    // (binary inputs are repaired to the entry pte_mkdirty would make).
    return check_field(f, v, geo_, window_pages_, why) &&
           (f != Field::kProt || prot_possible(v, why));
  };
  if (!parse_operands(
          spec, kFieldTable, spec.name, std::span(toks).subspan(first), check,
          [&op](Field f, uint64_t v) { op.set(f, v); }, &why)) {
    return fail(why);
  }
  prog_.ops.push_back(op);
  op_lines_.push_back(line_);
  return true;
}

}  // namespace

const FieldTable<Field>& op_fields() { return kFieldTable; }
const FieldDesc& field_codec(Field f) { return kFieldTable[f]; }
const char* field_name(Field f) { return kFieldTable.name(f); }
bool find_field(std::string_view name, Field* out) {
  return kFieldTable.find(absl::string_view(name.data(), name.size()), out);
}

uint64_t window_pages_or_default(const ptediff_geometry& geo, uint64_t window_pages) {
  return window_pages != 0 ? window_pages : 2ULL * geo.ptrs_per_pte;
}

bool check_field(Field f, uint64_t v, const ptediff_geometry& geo, uint64_t window_pages,
                 std::string* why) {
  std::string local;
  if (why == nullptr) why = &local;
  window_pages = window_pages_or_default(geo, window_pages);
  const FieldDesc& c = field_codec(f);
  const uint64_t max = field_max(f, geo, window_pages);
  auto num = [&](uint64_t x) {
    return c.repr == FieldRepr::kAddress ? absl::StrFormat("0x%x", x) : absl::StrCat(x);
  };
  const std::string text = num(v);
  if (v > max) {
    *why = absl::StrFormat("%s=%s out of range (max %s)", field_name(f), text, num(max));
    return false;
  }
  if (c.repr == FieldRepr::kAddress && (v & ((1ULL << geo.page_shift) - 1)) != 0) {
    *why = absl::StrFormat("%s=%s is not aligned to the %s page size", field_name(f), text,
                           granule_name(geo.granule));
    return false;
  }
  if (c.repr == FieldRepr::kCount && v == 0) {
    *why = absl::StrFormat("%s=0 out of range (min 1)", field_name(f));
    return false;
  }
  return true;
}

bool validate_program(const Program& p, uint64_t window_pages, std::string* why) {
  std::string local;
  if (why == nullptr) why = &local;
  const Header& h = p.header;
  if (h.granule != PTEDIFF_GRANULE_4K && h.granule != PTEDIFF_GRANULE_16K &&
      h.granule != PTEDIFF_GRANULE_64K) {
    *why = "bad granule";
    return false;
  }
  if (h.profile != Profile::kBasic && h.profile != Profile::kBatch && h.profile != Profile::kFold) {
    *why = "bad profile";
    return false;
  }
  if (!valid_mutant_name(h.mutant) || !known_optimized_mutant(h.mutant)) {
    *why = absl::StrCat("unknown mutant ", quote(h.mutant));
    return false;
  }
  const ptediff_geometry geo = ptediff_geometry_of(h.granule);
  for (size_t n = 0; n < p.ops.size(); ++n) {
    const Op& op = p.ops[n];
    if (static_cast<size_t>(op.kind) >= kNumOpKinds) {
      *why = absl::StrCat("op ", n, ": bad op kind");
      return false;
    }
    const OpSpec& spec = op_spec(op.kind);
    if (spec.cls == OpClass::kEvent) {
      size_t owner = n, events = 0;
      while (owner > 0 && is_event(p.ops[owner - 1].kind)) --owner, ++events;
      if (owner == 0 || events >= kMaxEventsPerOp ||
          (events > 0 && op.get(Field::kPrim) < p.ops[n - 1].get(Field::kPrim))) {
        *why = absl::StrCat("op ", n, " (", spec.name, "): an event must follow an op, at most ",
                            kMaxEventsPerOp, " per op, in firing order");
        return false;
      }
    }
    std::array<bool, kNumFields> used{};
    for (size_t i = 0; i < spec.num_fields; ++i) {
      Field f = spec.fields[i];
      used[static_cast<size_t>(f)] = true;
      if (!check_field(f, op.get(f), geo, window_pages, why) ||
          (f == Field::kProt && !prot_possible(op.get(f), why))) {
        *why = absl::StrCat("op ", n, " (", spec.name, "): ", *why);
        return false;
      }
    }
    for (size_t i = 0; i < kNumFields; ++i) {
      if (!used[i] && op.f[i] != 0) {
        *why = absl::StrCat("op ", n, " (", spec.name, "): unused operand '",
                            field_name(static_cast<Field>(i)), "' is not 0");
        return false;
      }
    }
  }
  return true;
}

bool parse_repro(std::string_view text, std::string_view file, Program* out, ParseError* err,
                 uint64_t window_pages, std::vector<int>* op_lines) {
  Parser parser(file, window_pages, err);
  if (!parser.run(text, out)) return false;
  if (op_lines != nullptr) *op_lines = std::move(parser.op_lines());
  return true;
}

std::string format_value(Field f, uint64_t v) {
  std::string s;
  append_field_value(kFieldTable[f], v, &s);
  return s;
}

std::string format_op(const Op& op) {
  const OpSpec& spec = op_spec(op.kind);
  std::string s = spec.name;
  std::span<const Field> which = spec.operands();
  if (spec.cls == OpClass::kEvent) {  // `  @ prim=N NAME ...`, indented under its op
    s = absl::StrCat("  @ prim=", op.get(Field::kPrim), " ", spec.name + 1);
    which = which.subspan(1);
  }
  append_operands(
      which, kFieldTable, [&op](Field f) { return op.get(f); }, &s);
  return s;
}

std::string format_repro(const Program& p) {
  const Header& h = p.header;
  ReproHeader r = default_header(header_schema());
  r.granule = h.granule;
  r.features = feature_bits(h);
  r.choice[0] = static_cast<size_t>(h.profile);
  r.mutant = h.mutant;
  std::string s = format_header(header_schema(), r);
  for (const Op& op : p.ops) absl::StrAppend(&s, format_op(op), "\n");
  return s;
}

}  // namespace ptediff
