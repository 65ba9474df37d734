// ptediff hugetlb: the total binary decoder (the fuzz alphabet).
//
// Byte 0 (below 0xf0) picks the granule, the huge page size (pud, which
// only 4K pages have, becomes cont-pmd with 16K and 64K) and the features;
// then each op is one opcode byte followed by operand bytes. Missing bytes
// read as zero and every value is reduced into range, so every byte string
// is a valid program. Page indices favour the first few huge pages and the
// last ones, so ops collide on the same folio often; a sub-page index picks
// one entry of a contiguous range and, sometimes, a base page inside it.
//
// A header byte 0xf0-0xff selects the literal form that encode_program
// writes (so `ptediff encode` and the seed corpus can carry any text
// program): the low nibble is granule * 4 + size, then a features byte (bit
// 0 hafdbs, bit 1 lpa2), the mutant name (a length byte, then its
// characters; kept only when find_mutant knows it), then per op a kind byte
// and each operand of the op's spec as 8 little-endian bytes; a mid-op event
// of the op before it is a kind byte kLiteralEvent + 0 (access) or + 1
// (tlb_fill), then the operands of its spec (prim, mm, va, kind (access) or
// block (tlb_fill) and pick), 8 bytes each (formats/op_table.h). A literal op that validate_op
// rejects is dropped, and so is an event validate_event rejects, one under no op or past
// kMaxEventsPerOp (one firing before the event above it fires with it), so this form is total too.
#include <algorithm>

#include "formats/byte_reader.h"
#include "formats/op_table.h"
#include "ptediff/backend.h"  // PTEDIFF_FEAT_*
#include "subjects/hugetlb/mutants.h"
#include "subjects/hugetlb/program.h"

namespace ptediff::hugetlb {
namespace {

inline constexpr size_t kMaxDecodedOps = 48;
// Page picks: the first kLowPages huge pages, the last kHighPages, or any.
inline constexpr uint64_t kLowPages = 8, kHighPages = 4;

inline constexpr uint8_t kLiteral = 0xf0;       // the high nibble of a literal header
inline constexpr uint8_t kLiteralEvent = 0xe0;  // a literal event's kind byte (+ HwEventKind)
// The non-literal header: granule, size and features in mixed radix.
inline constexpr uint32_t kNumGranules = 3, kNumCombos = kNumGranules * kNumHSizes;

using Reader = ByteReader;

// Features from two bits: bit 0 hafdbs, bit 1 lpa2.
uint32_t features_of(uint32_t bits) {
  return ((bits & 1) ? PTEDIFF_FEAT_HAFDBS : 0) | ((bits & 2) ? PTEDIFF_FEAT_LPA2 : 0);
}
uint8_t feature_bits(uint32_t features) {
  return ((features & PTEDIFF_FEAT_HAFDBS) ? 1 : 0) | ((features & PTEDIFF_FEAT_LPA2) ? 2 : 0);
}

// A huge page index in [0, h.pages): mostly one of the first or last few.
uint64_t pick_page(Reader& r, const HState& h) {
  const uint8_t b = r.u8();
  switch (b & 3) {
    case 0:
    case 1:
      return (b >> 2) % std::min(h.pages, kLowPages);
    case 2:
      return h.pages - 1 - (b >> 2) % std::min(h.pages, kHighPages);
    default:
      return r.u16() % h.pages;
  }
}

// A base page inside the huge page: one entry of the range, at its first
// base page or (sometimes) anywhere inside it.
uint64_t pick_sub(Reader& r, const HState& h) {
  const uint64_t entry = r.u8() % h.ncontig;
  const uint64_t o = r.le(3);
  return entry * h.dpfn() + ((o & 1) ? (o >> 1) % h.dpfn() : 0);
}

// The op of an opcode (below 19) that takes only mm and page.
OpKind page_only_op(uint32_t c) {
  switch (c) {
    case 8:
      return OpKind::kGet;
    case 10:
      return OpKind::kUnmap;
    case 13:
      return OpKind::kMigrate;
    case 14:
      return OpKind::kRemoveMigr;
    case 16:
      return OpKind::kMkold;
    default:
      return OpKind::kMkclean;
  }
}

}  // namespace

Op decode_op(Reader& r, const HState& h) {
  Op op;
  const uint8_t code = r.u8();
  const uint32_t arg = code >> 4;  // small operands
  op.mm = arg & 1;
  const uint32_t c = code % 19;
  switch (c) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 18:  // a fault with a hardware write racing it
      op.kind = OpKind::kFault;
      op.page = pick_page(r, h);
      op.write = (arg >> 1) & 1;
      if (c == 18) op.race = 1 + r.u8() % h.ncontig;
      return op;
    case 4:
    case 5:
    case 6:
    case 7:
      op.kind = OpKind::kAccess;
      op.page = pick_page(r, h);
      op.sub = pick_sub(r, h);
      op.access = (arg >> 1) % 3;
      op.pick = r.u8() % kNumPicks;
      return op;
    case 9:
      op.mm = 0;
      op.kind = OpKind::kFork;
      return op;
    case 11:
    case 12:
      op.kind = OpKind::kMprotect;
      op.page = pick_page(r, h);
      op.prot = (arg >> 1) % kNumProts;
      return op;
    case 8:
    case 10:
    case 13:
    case 14:
    case 16:
    case 17:
      op.kind = page_only_op(c);
      op.page = pick_page(r, h);
      return op;
    default:
      op.page = pick_page(r, h);
      if (h.pages < 2) {  // nowhere to move to
        op.kind = OpKind::kGet;
        return op;
      }
      op.kind = OpKind::kMremap;
      op.to = pick_page(r, h);
      if (op.to == op.page) op.to = (op.page + 1) % h.pages;
      return op;
  }
}

namespace {

// A literal event after its kind byte (see the banner), under the last op.
void decode_literal_event(Reader& r, HwEventKind kind, const HState& h, Program* p) {
  Event ev;
  ev.kind = kind;
  bool fits = true;
  take_literal_operands(event_spec(kind), r, [&](EventField f, uint64_t v) {
    fits = set_event_field(&ev, f, v) && fits;
  });
  if (!fits || p->ops.empty() || !validate_event(ev, h, nullptr)) return;
  std::vector<Event>& evs = p->ops.back().events;
  if (evs.size() >= kMaxEventsPerOp) return;
  if (!evs.empty()) ev.prim = std::max(ev.prim, evs.back().prim);
  evs.push_back(ev);
}

// The literal form after its header byte (see the banner).
void decode_literal(Reader& r, Program* p) {
  p->features = features_of(r.u8());
  p->mutant = take_literal_mutant(r, [](std::string_view name) {
    Mutant m;
    return find_mutant(name, &m);
  });
  const HState h = hstate_of(p->granule, p->size);
  while (!r.done() && p->ops.size() < kMaxOps) {
    const uint8_t code = r.u8();
    if ((code & ~1) == kLiteralEvent) {
      decode_literal_event(r, static_cast<HwEventKind>(code & 1), h, p);
      continue;
    }
    const Op op = take_literal_op<Op>(code, r);
    if (validate_op(op, h, nullptr)) p->ops.push_back(op);
  }
}

}  // namespace

Program decode_program(std::span<const uint8_t> data) {
  Reader r(data);
  Program p;
  const uint8_t b = r.u8();
  const bool literal = (b & kLiteral) == kLiteral;
  const uint32_t combo = (literal ? b & 15 : b) % kNumCombos;
  p.granule = static_cast<ptediff_granule>(combo / kNumHSizes);
  p.size = static_cast<HSize>(combo % kNumHSizes);
  if (!hsize_supported(p.granule, p.size)) p.size = literal ? HSize::kContPte : HSize::kContPmd;
  if (literal) {
    decode_literal(r, &p);
    return p;
  }
  p.features = features_of(b / kNumCombos);
  const HState h = hstate_of(p.granule, p.size);
  while (!r.done() && p.ops.size() < kMaxDecodedOps) p.ops.push_back(decode_op(r, h));
  return p;
}

std::vector<uint8_t> encode_program(const Program& p) {
  std::vector<uint8_t> out;
  const uint32_t combo =
      static_cast<uint32_t>(p.granule) * kNumHSizes + static_cast<uint32_t>(p.size);
  out.push_back(kLiteral | static_cast<uint8_t>(combo % kNumCombos));
  out.push_back(feature_bits(p.features));
  put_literal_mutant(p.mutant, &out);
  for (const Op& op : p.ops) {
    put_literal_op(op, &out);
    for (const Event& ev : op.events) {
      out.push_back(kLiteralEvent | static_cast<uint8_t>(ev.kind));
      put_literal_operands(
          event_spec(ev.kind), [&ev](EventField f) { return event_field(ev, f); }, &out);
    }
  }
  return out;
}

}  // namespace ptediff::hugetlb
