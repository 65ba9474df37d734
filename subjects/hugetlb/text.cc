// ptediff hugetlb: the .repro text format (program.h): the parser and the
// canonical text; the header goes through the shared front end
// (formats/header.h), op and event operands through the op table (ops.def,
// formats/op_table.h).
#include "formats/text.h"

#include <span>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "formats/header.h"
#include "formats/op_table.h"
#include "ptediff/backend.h"  // PTEDIFF_FEAT_*
#include "subjects/hugetlb/mutants.h"
#include "subjects/hugetlb/program.h"

namespace ptediff::hugetlb {

namespace {

using Toks = std::vector<absl::string_view>;

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

class Parser {
 public:
  Parser(std::string_view file, ParseError* err) : file_(file), err_(err) {}

  // Parses `text`; on success fills *out.
  bool run(std::string_view text, Program* out) {
    if (!read_repro(
            text, header_schema(), file_, err_, [this](const ReproHeader& h) { start(h); },
            [this](int n, const Toks& toks) {
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

  // An op line: its operands through the op table (formats/op_table.h),
  // then validate_op.
  bool op(const Toks& t) {
    if (t[0] == "@") return event(t);
    uint64_t no_suffix = 0;
    const OpSpec* spec = find_op_spec(all_op_specs(), op_fields(), t[0], &no_suffix);
    if (spec == nullptr) return fail(absl::StrCat("unknown op ", quote(t[0])));
    if (prog_.ops.size() >= kMaxOps) return fail(absl::StrCat("more than ", kMaxOps, " ops"));
    Op op;
    op.kind = spec->kind;
    std::string why;
    // Every value fits its uint64_t member: validate_op checks the ranges.
    const auto any = [](Field, uint64_t, std::string*) { return true; };
    if (!parse_operands(
            *spec, op_fields(), spec->name, std::span(t).subspan(1), any,
            [&op](Field f, uint64_t v) { set_op_field(&op, f, v); }, &why) ||
        !validate_op(op, h_, &why)) {
      return fail(why);
    }
    prog_.ops.push_back(op);
    return true;
  }

  // `@ prim=N access|tlb_fill key=value...`: a mid-op event of the op above
  // it. Its operands may come in any order around the name (as the contpte
  // subject's); the events of one op are listed in firing order.
  bool event(const Toks& t) {
    Toks operands;
    const EventSpec* spec = nullptr;
    for (size_t i = 1; i < t.size(); ++i) {
      if (absl::StrContains(t[i], '=')) {
        operands.push_back(t[i]);
        continue;
      }
      if (spec != nullptr) return fail(absl::StrCat("event names two events: ", quote(t[i])));
      uint64_t no_suffix = 0;
      spec = find_op_spec(all_event_specs(), event_fields(), t[i], &no_suffix);
      if (spec == nullptr) {
        return fail(absl::StrCat("unknown event ", quote(t[i]), " (expected access or tlb_fill)"));
      }
    }
    if (spec == nullptr) return fail("event without a name (expected access or tlb_fill)");
    Event ev;
    ev.kind = spec->kind;
    std::string why;
    const auto fits = [](EventField f, uint64_t v, std::string* why) {
      Event probe;
      if (set_event_field(&probe, f, v)) return true;
      *why = absl::StrCat(event_fields().name(f), " ", v, " out of range");
      return false;
    };
    if (!parse_operands(
            *spec, event_fields(), spec->name, operands, fits,
            [&ev](EventField f, uint64_t v) { set_event_field(&ev, f, v); }, &why)) {
      return fail(why);
    }
    if (prog_.ops.empty()) {
      return fail("event before the first op (an event fires inside the op above it)");
    }
    std::vector<Event>& evs = prog_.ops.back().events;
    if (evs.size() >= kMaxEventsPerOp)
      return fail(absl::StrCat("more than ", kMaxEventsPerOp, " events under one op"));
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
