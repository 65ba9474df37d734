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

// The program being read: its ops and the hstate they are checked against.
struct Reading {
  Program prog;
  HState h;
};

// An op line: its operands through the op table (formats/op_table.h), then
// validate_op.
bool read_op(const Toks& t, Reading* r, std::string* why) {
  uint64_t no_suffix = 0;
  const OpSpec* spec = find_op_spec(all_op_specs(), op_fields(), t[0], &no_suffix);
  if (spec == nullptr) {
    *why = absl::StrCat("unknown op ", quote(t[0]));
    return false;
  }
  if (r->prog.ops.size() >= kMaxOps) {
    *why = absl::StrCat("more than ", kMaxOps, " ops");
    return false;
  }
  Op op;
  op.kind = spec->kind;
  // Every value fits its uint64_t member: validate_op checks the ranges.
  const auto any = [](Field, uint64_t, std::string*) { return true; };
  if (!parse_operands(
          *spec, op_fields(), spec->name, std::span(t).subspan(1), any,
          [&op](Field f, uint64_t v) { set_op_field(&op, f, v); }, why) ||
      !validate_op(op, r->h, why)) {
    return false;
  }
  r->prog.ops.push_back(op);
  return true;
}

// `@ prim=N access|tlb_fill key=value...`: a mid-op event of the op above
// it. Its operands may come in any order around the name (as the contpte
// subject's); the events of one op are listed in firing order.
bool read_event(const Toks& t, Reading* r, std::string* why) {
  absl::string_view name;
  Toks operands;
  if (!split_event_tokens(t, "access or tlb_fill", &name, &operands, why)) return false;
  uint64_t no_suffix = 0;
  const EventSpec* spec = find_op_spec(all_event_specs(), event_fields(), name, &no_suffix);
  if (spec == nullptr) {
    *why = absl::StrCat("unknown event ", quote(name), " (expected access or tlb_fill)");
    return false;
  }
  Event ev;
  ev.kind = spec->kind;
  const auto fits = [](EventField f, uint64_t v, std::string* why) {
    Event probe;
    if (set_event_field(&probe, f, v)) return true;
    *why = absl::StrCat(event_fields().name(f), " ", v, " out of range");
    return false;
  };
  if (!parse_operands(
          *spec, event_fields(), spec->name, operands, fits,
          [&ev](EventField f, uint64_t v) { set_event_field(&ev, f, v); }, why)) {
    return false;
  }
  if (r->prog.ops.empty()) {
    *why = "event before the first op (an event fires inside the op above it)";
    return false;
  }
  std::vector<Event>& evs = r->prog.ops.back().events;
  if (evs.size() >= kMaxEventsPerOp) {
    *why = absl::StrCat("more than ", kMaxEventsPerOp, " events under one op");
    return false;
  }
  if (!validate_event(ev, r->h, why)) return false;
  if (!evs.empty() && ev.prim < evs.back().prim) {
    *why = absl::StrCat("event prim=", ev.prim,
                        " before the event above it (list events in firing order)");
    return false;
  }
  evs.push_back(ev);
  return true;
}

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
  Reading r;
  const auto start = [&r](const ReproHeader& h) {
    r.prog.granule = h.granule;
    r.prog.size = static_cast<HSize>(h.choice[0]);
    r.prog.features = h.features;
    r.prog.mutant = h.mutant;
    r.h = hstate_of(r.prog.granule, r.prog.size);
  };
  const auto line = [&r](const Toks& t, std::string* why) {
    return t[0] == "@" ? read_event(t, &r, why) : read_op(t, &r, why);
  };
  if (!read_repro_lines(text, header_schema(), file, err, start, line)) return false;
  *out = std::move(r.prog);
  return true;
}

}  // namespace ptediff::hugetlb
