// ptediff hugetlb: operations and programs of the hugetlb subject.
//
// A program maps hugetlb folios of one size (one hstate, as one hugetlbfs
// mapping has) into a private anonymous hugetlb VMA of the user mm (0) and,
// after a fork, the child mm (1), and runs the kernel's hugetlb flows over
// them. The header names the granule, the huge page size (cont-pte, pmd,
// cont-pmd, pud: arm64's four hstates; pud only with 4K pages, where
// pud_sect_supported()), the machine features and an optional mutant of the
// optimized backend. Ops address huge pages by index (`page=N`: the huge page
// at N * size in the mm's window). Each op kind has one row in a static spec
// table (text name and operands); the .repro text format and the binary fuzz
// decoder both work from it. An op may carry mid-op events: the hardware
// acting between two of O's primitives of the op (docs/DESIGN.md §10.4.1).
#ifndef PTEDIFF_SUBJECTS_HUGETLB_PROGRAM_H_
#define PTEDIFF_SUBJECTS_HUGETLB_PROGRAM_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/events.h"
#include "formats/text.h"  // ParseError, granule and mutant names
#include "subjects/hugetlb/hstate.h"

namespace ptediff {
class ByteReader;
}  // namespace ptediff

namespace ptediff::hugetlb {

enum class OpKind : uint8_t {
  kFault,       // a user fault on the huge page: hugetlb_no_page / hugetlb_wp / hugetlb_fault
  kAccess,      // a hardware access (no fault handling): the MMU walks and updates A/D
  kGet,         // huge_ptep_get (a lockless reader: gup, smaps, pagemap)
  kFork,        // the child exits, then fork: copy_hugetlb_page_range + flush_tlb_mm
  kUnmap,       // munmap of one huge page: __unmap_hugepage_range
  kMprotect,    // hugetlb_change_protection to `prot`
  kMigrate,     // try_to_migrate_one on every mapping of the folio
  kRemoveMigr,  // remove_migration_pte: the new folio replaces the migration entries
  kMremap,      // move_hugetlb_page_tables of one huge page to `to`
  kMkold,       // damon_hugetlb_mkold: an old entry through set_huge_pte_at
  kMkclean,     // a clean writable entry through the API (no 6.12 path does this)
  kCount,
};
inline constexpr size_t kNumOpKinds = static_cast<size_t>(OpKind::kCount);

// Operands. Unused operands are zero.
enum class Field : uint8_t { kMm, kPage, kWrite, kSub, kKind, kPick, kProt, kTo, kRace };

// mprotect targets.
enum class Prot : uint8_t { kNone = 0, kRead = 1, kReadWrite = 2 };
inline constexpr uint32_t kNumProts = 3;

// A mid-op event, in the contpte subject's syntax under its op:
// `  @ prim=N access mm=M va=V kind=read|write|exec pick=P` (a hardware access
// whose access/dirty update lands on entry P of a contiguous range) or
// `  @ prim=N tlb_fill mm=M va=V block=0|1 pick=P` (a speculative walk).
using Event = HwEvent;
inline constexpr size_t kMaxEventsPerOp = 4;
inline constexpr uint32_t kMaxEventPrim = 4095;

struct Op {
  OpKind kind = OpKind::kFault;
  uint32_t mm = 0;      // 0 user, 1 child
  uint64_t page = 0;    // huge page index in the window
  uint32_t write = 0;   // kFault: a write fault
  uint64_t sub = 0;     // kAccess: base page inside the huge page
  uint32_t access = 0;  // kAccess: 0 read, 1 write, 2 exec
  uint32_t pick = 0;    // kAccess: which entry of a contiguous range takes the A/D update
  uint32_t prot = 0;    // kMprotect: Prot
  uint64_t to = 0;      // kMremap: destination huge page index
  uint32_t race = 0;    // kFault: 0, or 1 + the entry of the range a hardware write
                        // dirties between the handler's read and its update
  // Mid-op events, in firing order (prim never decreasing).
  std::vector<Event> events;
  bool operator==(const Op&) const = default;
};

struct Program {
  ptediff_granule granule = PTEDIFF_GRANULE_4K;
  HSize size = HSize::kContPte;
  uint32_t features = 0;  // PTEDIFF_FEAT_HAFDBS | PTEDIFF_FEAT_LPA2
  std::string mutant = "none";
  std::vector<Op> ops;
};

// The static description of one op kind.
struct OpSpec {
  OpKind kind;
  const char* name;
  std::span<const Field> fields;
};
const OpSpec& op_spec(OpKind k);
const char* field_name(Field f);
uint64_t op_field(const Op& op, Field f);
void set_op_field(Op* op, Field f, uint64_t v);

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
