// ptediff hugetlb: the .repro text format (program.h): the parser and the
// canonical text; the header goes through the shared front end (formats/header.h).
#include "formats/text.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "formats/header.h"
#include "ptediff/backend.h"  // PTEDIFF_FEAT_*
#include "subjects/hugetlb/mutants.h"
#include "subjects/hugetlb/program.h"

namespace ptediff::hugetlb {

// The values of the symbolic operands (program.cc).
bool parse_symbol(Field f, std::string_view s, uint64_t* out);

namespace {

std::string_view to_std(absl::string_view s) { return std::string_view(s.data(), s.size()); }

// The hugetlb header (formats/header.h): the size (which shapes the machine,
// so it is required) and the features hafdbs (on when the line is absent)
// and lpa2.
bool known_mutant(std::string_view name) {
  Mutant m;
  return find_mutant(name, &m);
}

// The size must be one the granule has an hstate of.
std::string check_size(const ReproHeader& h) {
  const HSize size = static_cast<HSize>(h.choice[0]);
  if (h.granule_line == 0 || h.choice_line[0] == 0 || hsize_supported(h.granule, size)) return "";
  return absl::StrCat("size ", hsize_name(size), " needs granule 4k (", granule_name(h.granule),
                      " has no ", hsize_name(size), " hstate)");
}

const HeaderSchema& header_schema() {
  static const char* const kSizes[] = {hsize_name(HSize::kContPte), hsize_name(HSize::kPmd),
                                       hsize_name(HSize::kContPmd), hsize_name(HSize::kPud)};
  static_assert(std::size(kSizes) == kNumHSizes, "one name per hstate size");
  static const HeaderChoice kChoices[] = {{"size", kSizes, HeaderRole::kShape}};
  static const HeaderSchema kSchema{.subject = "hugetlb",
                                    .features = PTEDIFF_FEAT_HAFDBS | PTEDIFF_FEAT_LPA2,
                                    .default_features = PTEDIFF_FEAT_HAFDBS,
                                    .choices = kChoices,
                                    .known_mutant = known_mutant,
                                    .check = check_size};
  return kSchema;
}

bool find_op(absl::string_view name, OpKind* kind) {
  for (size_t i = 0; i < kNumOpKinds; ++i) {
    if (name == op_spec(static_cast<OpKind>(i)).name) {
      *kind = static_cast<OpKind>(i);
      return true;
    }
  }
  return false;
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
    prog_.size = static_cast<HSize>(h.choice[0]);
    prog_.features = h.features;
    prog_.mutant = h.mutant;
    h_ = hstate_of(prog_.granule, prog_.size);
  }

  bool op(const std::vector<absl::string_view>& t) {
    if (t[0] == "@") return event(t);
    Op op;
    if (!find_op(t[0], &op.kind)) return fail(absl::StrCat("unknown op ", quote(t[0])));
    if (prog_.ops.size() >= kMaxOps) return fail(absl::StrCat("more than ", kMaxOps, " ops"));
    const OpSpec& spec = op_spec(op.kind);
    uint32_t seen = 0;
    for (size_t i = 1; i < t.size(); ++i) {
      const size_t eq = t[i].find('=');
      const absl::string_view key = t[i].substr(0, eq);
      std::optional<Field> field;
      for (Field f : spec.fields) {
        if (key == field_name(f)) field = f;
      }
      if (eq == absl::string_view::npos)
        return fail(absl::StrCat("expected key=value, got ", quote(t[i])));
      if (!field) return fail(absl::StrCat("`", spec.name, "` has no operand ", quote(key)));
      const uint32_t bit = 1u << static_cast<int>(*field);
      if (seen & bit) return fail(absl::StrCat("operand ", quote(key), " given twice"));
      seen |= bit;
      uint64_t v = 0;
      const absl::string_view val = t[i].substr(eq + 1);
      const bool symbolic = *field == Field::kKind || *field == Field::kProt;
      const bool ok = symbolic ? parse_symbol(*field, to_std(val), &v) : parse_u64(val, &v);
      if (!ok) return fail(absl::StrCat("bad value ", quote(val), " for ", quote(key)));
      set_op_field(&op, *field, v);
      if (op_field(op, *field) != v) return fail(absl::StrCat(key, " ", v, " out of range"));
    }
    for (Field f : spec.fields) {
      if (!(seen & (1u << static_cast<int>(f))))
        return fail(absl::StrCat("`", spec.name, "` needs `", field_name(f), "=`"));
    }
    std::string why;
    if (!validate_op(op, h_, &why)) return fail(why);
    prog_.ops.push_back(op);
    return true;
  }

  // `@ prim=N access|tlb_fill key=value...`: a mid-op event of the op above
  // it. Its operands may come in any order around the name (as the contpte
  // subject's); the events of one op are listed in firing order.
  bool event(const std::vector<absl::string_view>& t) {
    enum Operand { kPrim, kMm, kVa, kKind, kBlock, kPick, kNumOperands };
    static constexpr const char* kNames[kNumOperands] = {"prim", "mm",    "va",
                                                         "kind", "block", "pick"};
    std::optional<HwEventKind> kind;
    uint64_t v[kNumOperands] = {};
    uint32_t seen = 0;
    for (size_t i = 1; i < t.size(); ++i) {
      const size_t eq = t[i].find('=');
      if (eq == absl::string_view::npos) {
        if (kind) return fail(absl::StrCat("event names two events: ", quote(t[i])));
        if (t[i] != "access" && t[i] != "tlb_fill") {
          return fail(
              absl::StrCat("unknown event ", quote(t[i]), " (expected access or tlb_fill)"));
        }
        kind = t[i] == "access" ? HwEventKind::kAccess : HwEventKind::kTlbFill;
        continue;
      }
      const absl::string_view key = t[i].substr(0, eq), val = t[i].substr(eq + 1);
      int k = 0;
      while (k < kNumOperands && key != kNames[k]) ++k;
      if (k == kNumOperands) return fail(absl::StrCat("an event has no operand ", quote(key)));
      if (seen & (1u << k)) return fail(absl::StrCat("operand ", quote(key), " given twice"));
      seen |= 1u << k;
      // The op's spelling of an access kind (read, write, exec).
      const bool ok =
          k == kKind ? parse_symbol(Field::kKind, to_std(val), &v[k]) : parse_u64(val, &v[k]);
      if (!ok) return fail(absl::StrCat("bad value ", quote(val), " for ", quote(key)));
      if (k != kVa && v[k] > UINT32_MAX) return fail(absl::StrCat(key, " ", v[k], " out of range"));
    }
    if (!kind) return fail("event without a name (expected access or tlb_fill)");
    const int extra = *kind == HwEventKind::kAccess ? kKind : kBlock;
    const char* name = *kind == HwEventKind::kAccess ? "access" : "tlb_fill";
    for (int k = 0; k < kNumOperands; ++k) {
      const bool wanted = (k != kKind && k != kBlock) || k == extra;
      if (wanted && !(seen & (1u << k)))
        return fail(absl::StrCat("`", name, "` needs `", kNames[k], "=`"));
      if (!wanted && (seen & (1u << k)))
        return fail(absl::StrCat("`", name, "` has no operand `", kNames[k], "`"));
    }
    if (v[kBlock] > 1) return fail(absl::StrCat("block ", v[kBlock], " out of range (0 or 1)"));
    if (prog_.ops.empty()) {
      return fail("event before the first op (an event fires inside the op above it)");
    }
    std::vector<Event>& evs = prog_.ops.back().events;
    if (evs.size() >= kMaxEventsPerOp)
      return fail(absl::StrCat("more than ", kMaxEventsPerOp, " events under one op"));
    Event ev;
    ev.kind = *kind;
    ev.prim = static_cast<uint32_t>(v[kPrim]);
    ev.mm = static_cast<uint32_t>(v[kMm]);
    ev.va = v[kVa];
    ev.access = static_cast<AccessKind>(v[kKind]);
    ev.block = v[kBlock] != 0;
    ev.pick = static_cast<uint32_t>(v[kPick]);
    std::string why;
    if (!validate_event(ev, h_, &why)) return fail(why);
    if (!evs.empty() && ev.prim < evs.back().prim) {
      return fail(absl::StrCat("event prim=", ev.prim,
                               " before the event above it (list events in firing order)"));
    }
    evs.push_back(ev);
    return true;
  }

  std::string_view file_;
  ParseError* err_;
  Program prog_;
  HState h_;  // the program's hstate, once the ops start
  int line_ = 0;
};

}  // namespace

std::string format_program(const Program& p) {
  ReproHeader h = default_header(header_schema());
  h.granule = p.granule;
  h.choice[0] = static_cast<size_t>(p.size);
  h.features = p.features;
  h.mutant = p.mutant;
  std::string out = format_header(header_schema(), h);
  for (const Op& op : p.ops) {
    absl::StrAppend(&out, format_op(op), "\n");
    for (const Event& ev : op.events) absl::StrAppend(&out, format_event(ev), "\n");
  }
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

}  // namespace ptediff::hugetlb
