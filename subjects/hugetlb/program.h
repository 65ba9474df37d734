// ptediff hugetlb: operations and programs of the hugetlb subject.
//
// A program maps hugetlb folios of one size (one hstate, as one hugetlbfs
// mapping has) into a private anonymous hugetlb VMA of the user mm (0) and,
// after a fork, the child mm (1), and runs the kernel's hugetlb flows over
// them. The header names the granule, the huge page size (cont-pte, pmd,
// cont-pmd, pud: arm64's four hstates; pud only with 4K pages, where
// pud_sect_supported()), the machine features and an optional mutant of the
// optimized backend. Ops address huge pages by index (`page=N`: the huge page
// at N * size in the mm's window). Each op kind and operand has one row in
// ops.def (text name, representation, operands); the .repro text format and
// the literal binary form run on that table through formats/op_table.h, the
// fuzz decoder draws ops of it. An op may carry mid-op events: the hardware
// acting between two of O's primitives of the op (docs/DESIGN.md §10.4.1).
#ifndef PTEDIFF_SUBJECTS_HUGETLB_PROGRAM_H_
#define PTEDIFF_SUBJECTS_HUGETLB_PROGRAM_H_

#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/events.h"
#include "formats/op_table.h"
#include "formats/text.h"  // ParseError, granule and mutant names
#include "subjects/hugetlb/hstate.h"

namespace ptediff::hugetlb {

// The op kinds (ops.def, where each is described).
enum class OpKind : uint8_t {
#define PTEDIFF_HT_OP(e, name, ...) e,
#include "subjects/hugetlb/ops.def"
  kCount,
};
inline constexpr size_t kNumOpKinds = static_cast<size_t>(OpKind::kCount);

// The operands (ops.def). An op uses those of its spec; the others stay zero.
enum class Field : uint8_t {
#define PTEDIFF_HT_FIELD(e, member, name, repr, symbols) e,
#include "subjects/hugetlb/ops.def"
};
inline constexpr size_t kNumFields = 0
#define PTEDIFF_HT_FIELD(e, member, name, repr, symbols) +1
#include "subjects/hugetlb/ops.def"
    ;

// mprotect targets.
enum class Prot : uint8_t { kNone = 0, kRead = 1, kReadWrite = 2 };
inline constexpr uint32_t kNumProts = 3;
// Entries of a contiguous range an access may pick (pick=0..63).
inline constexpr uint32_t kNumPicks = 64;

// A mid-op event, in the contpte subject's syntax under its op:
// `  @ prim=N access mm=M va=V kind=read|write|exec pick=P` (a hardware access
// whose access/dirty update lands on entry P of a contiguous range) or
// `  @ prim=N tlb_fill mm=M va=V block=0|1 pick=P` (a speculative walk).
using Event = HwEvent;
inline constexpr size_t kMaxEventsPerOp = 4;
inline constexpr uint32_t kMaxEventPrim = 4095;

// One op: its kind and a plain uint64_t member per operand (ops.def), read
// directly by the flows, the executor and the checks.
struct Op {
  OpKind kind = OpKind::kFault;
#define PTEDIFF_HT_FIELD(e, member, name, repr, symbols) uint64_t member = 0;
#include "subjects/hugetlb/ops.def"
  // Mid-op events, in firing order (prim never decreasing).
  std::vector<Event> events;
  bool operator==(const Op&) const = default;
};

// Op's member of each operand, indexed by Field.
inline constexpr uint64_t Op::*kOpMembers[] = {
#define PTEDIFF_HT_FIELD(e, member, name, repr, symbols) &Op::member,
#include "subjects/hugetlb/ops.def"
};
static_assert(std::size(kOpMembers) == kNumFields, "one member per operand");

// The header of a program (the hstate's granule and size, the features, O's
// mutant); a Program is the header and its ops (formats/op_table.h).
struct Header {
  ptediff_granule granule = PTEDIFF_GRANULE_4K;
  HSize size = HSize::kContPte;
  uint32_t features = 0;  // PTEDIFF_FEAT_HAFDBS | PTEDIFF_FEAT_LPA2
  std::string mutant = "none";
};
using Program = ProgramOf<Header, Op>;

// The static description of one op kind (a row of ops.def; formats/op_table.h).
using OpSpec = OpSpecOf<OpKind, Field>;
const OpSpec& op_spec(OpKind k);
std::span<const OpSpec> all_op_specs();
// The operand rows (text name, representation, symbols), indexed by Field.
const FieldTable<Field>& op_fields();
const char* field_name(Field f);
// An operand's value, by Field.
inline uint64_t op_field(const Op& op, Field f) {
  return op.*kOpMembers[static_cast<size_t>(f) % kNumFields];
}
inline void set_op_field(Op* op, Field f, uint64_t v) {
  op->*kOpMembers[static_cast<size_t>(f) % kNumFields] = v;
}

// The operands of events (ops.def), the spec of each event kind and its rows.
enum class EventField : uint8_t {
#define PTEDIFF_HT_EVENT_FIELD(e, member, type, name, repr, symbols) e,
#include "subjects/hugetlb/ops.def"
};
// The static description of one event kind: `prim` first, then the rest in
// text order (the name follows `@ prim=N`).
using EventSpec = OpSpecOf<HwEventKind, EventField>;
// The spec of an event kind (kAccess or kTlbFill), and all of them.
const EventSpec& event_spec(HwEventKind k);
std::span<const EventSpec> all_event_specs();
const FieldTable<EventField>& event_fields();
uint64_t event_field(const Event& ev, EventField f);
// Sets an event operand; false (and `ev` unchanged) when `v` does not fit
// its member (prim, mm and pick are 32 bits, kind an AccessKind, block 0/1).
bool set_event_field(Event* ev, EventField f, uint64_t v);

// Limits of the formats.
inline constexpr size_t kMaxOps = 100000;
inline constexpr uint32_t kNumMms = 2;

// Checks operand ranges against the program's hstate: mm, page and `to`
// inside the window, sub inside the huge page, kind/prot/write/pick in range,
// mremap's `to` differs from `page`. On failure sets *why (when non-null).
bool validate_op(const Op& op, const HState& h, std::string* why);

// Checks an event's operands: mm, a page-aligned va inside the window,
// kind, block, pick and prim in range. On failure sets *why (when non-null).
bool validate_event(const Event& ev, const HState& h, std::string* why);

// The one-line text of an op without its events (no newline), of an event
// (`  @ prim=N ...`, indented under its op) and of a whole program.
std::string format_op(const Op& op);
std::string format_event(const Event& ev);
std::string format_program(const Program& p);

// Parses the text of a hugetlb repro: `ptediff-repro 1`, `subject hugetlb`,
// `granule 4k|16k|64k`, `size cont-pte|pmd|cont-pmd|pud`, `features
// hafdbs|lpa2|hafdbs,lpa2|none`, optional `mutant NAME`, then one op per
// line (`fault mm=0 page=3 write=1`), each op's events on the lines after it
// (`  @ prim=N ...`, at most kMaxEventsPerOp, in firing order); `#` starts a
// comment. Strict (every
// operand of the op exactly once, no other, validate_op, headers once and
// before the ops, a size the granule supports) and total. On error fills
// *err (file:line) and leaves *out unchanged.
bool parse_program(std::string_view text, std::string_view file, Program* out, ParseError* err);

// Decodes any byte string into a valid program (the fuzz alphabet). The
// mutant is "none" unless the input is in the literal form and names one.
Program decode_program(std::span<const uint8_t> data);
// One op as the fuzz decoder draws it from bytes (legal under the header:
// validate_op accepts it); the structure-aware mutator's source of fresh ops.
Op decode_op(ByteReader& r, const HState& h);
// The literal binary form of `p`: decode_program(encode_program(p)) == p for
// every program parse_program accepts.
std::vector<uint8_t> encode_program(const Program& p);

}  // namespace ptediff::hugetlb

#endif  // PTEDIFF_SUBJECTS_HUGETLB_PROGRAM_H_
