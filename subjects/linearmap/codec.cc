// ptediff linear map: the total binary decoder (the fuzz alphabet).
//
// Byte 0 picks the granule and whether the boot CPU has BBML2; then each op
// is one opcode byte followed by operand bytes. Missing bytes read as zero,
// every value is reduced into range, so every byte string is a valid program.
// Addresses and sizes are drawn at the alignment of a leaf kind chosen by the
// input, so block, cont and page boundaries are all easy to reach.
//
// A header byte 0xf0-0xff (bits 0-1 granule, bit 2 BBML2) selects the
// literal form that encode_program writes (so `ptediff encode` and the seed
// corpus can carry any text program):
// the mutant name (a length byte, then its characters), then per op its kind
// byte and the operands formats/op_table.h writes for the op's spec: the
// change of set_memory_* and set_alias_* first, then the key=value operands
// in text order, each as 8 little-endian bytes. A literal op that
// validate_op rejects is dropped, so this form is total too.
#include <algorithm>

#include "formats/byte_reader.h"
#include "formats/op_table.h"
#include "subjects/linearmap/optimized.h"  // find_mutant
#include "subjects/linearmap/program.h"

namespace ptediff::linearmap {
namespace {

inline constexpr size_t kMaxDecodedOps = 48;

using Reader = ByteReader;

// A page number in [0, limit) aligned to a leaf kind picked by the input,
// optionally nudged by a few pages so it lands just off the boundary.
uint64_t pick_page(Reader& r, const Geometry& g, uint64_t limit) {
  const uint8_t cls = r.u8();
  const uint64_t align = g.kinds[cls % g.kinds.size()].pages;
  const uint32_t raw = r.u32();
  uint64_t p = align < limit ? (raw % (limit / align)) * align : 0;
  if (cls & 0x80) p += (cls >> 4) & 7;
  return std::min(p, limit - 1);
}

// A page count in [1, limit]: a small number, or a multiple of a leaf kind.
uint64_t pick_count(Reader& r, const Geometry& g, uint64_t limit) {
  const uint8_t cls = r.u8();
  const uint32_t raw = r.u32();
  uint64_t n;
  if (cls % 4 == 0) {
    n = 1 + raw % 64;
  } else {
    const uint64_t unit = g.kinds[(cls >> 2) % g.kinds.size()].pages;
    n = unit * (1 + raw % 3) + ((cls & 0x80) ? (raw >> 8) % 5 : 0);
  }
  return std::clamp<uint64_t>(n, 1, limit);
}

}  // namespace

Op decode_op(Reader& r, const Geometry& g) {
  Op op;
  const uint8_t code = r.u8();
  const uint64_t ps = g.page_size;
  switch (code % 16) {
    case 0:
    case 1:
    case 2:
    case 3: {
      op.kind = OpKind::kMap;
      const uint64_t va = pick_page(r, g, g.window_pages);
      const uint64_t nr = pick_count(r, g, g.window_pages - va);
      // PA = VA shifted by a multiple of a leaf kind, sometimes off by pages.
      const uint8_t pcls = r.u8();
      const uint64_t shift = g.kinds[pcls % g.kinds.size()].pages * (1 + (pcls >> 5));
      uint64_t pa = va + shift + ((pcls & 0x10) ? 1 + (code >> 4) : 0);
      if (pa + nr > g.pa_pages()) pa = 0;
      op.va = va * ps;
      op.pa = pa * ps;
      op.size = nr * ps;
      op.flags = (code >> 4) % 8 == 0 ? (code >> 7) + 1 : 0;
      return op;
    }
    case 4:
    case 5:
      op.kind = OpKind::kSplit;
      op.va = pick_page(r, g, g.window_pages) * ps;
      return op;
    case 6:
    case 7:
    case 8:
    case 9:
    case 10:
    case 11:
    case 12: {
      op.kind = OpKind::kSetMemory;
      op.change = static_cast<Change>((code >> 4) % kNumChanges);
      const uint64_t va = pick_page(r, g, g.window_pages);
      op.va = va * ps;
      op.nr = pick_count(r, g, g.window_pages - va);
      return op;
    }
    case 13: {
      op.kind = OpKind::kSetAlias;
      op.change = static_cast<Change>((code >> 4) % kNumChanges);
      const uint64_t va = pick_page(r, g, g.window_pages);
      op.va = va * ps;
      op.nr = 1 + r.u8() % 16;
      op.stride = 1 + r.u32() % g.window_pages;
      return op;
    }
    case 14:
      op.kind = OpKind::kRepaint;
      return op;
    default:
      op.kind = OpKind::kFailAlloc;
      op.depth = kMinFailDepth + (code >> 4) % 2;
      return op;
  }
}

namespace {

inline constexpr uint8_t kLiteral = 0xf0;  // the high nibble of a literal header

// The literal form's ops (see the banner).
void decode_literal(Reader& r, const Geometry& g, Program* p) {
  p->mutant = take_literal_mutant(r, [](std::string_view name) {
    Mutant m;
    return find_mutant(name, &m);
  });
  while (!r.done() && p->ops.size() < kMaxOps) {
    const Op op = take_literal_op<Op>(r.u8(), r);
    if (validate_op(op, g, nullptr)) p->ops.push_back(op);
  }
}

}  // namespace

Program decode_program(std::span<const uint8_t> data) {
  Reader r(data);
  Program p;
  const uint8_t h = r.u8();
  const bool literal = (h & kLiteral) == kLiteral;
  p.granule = static_cast<ptediff_granule>((literal ? h & 3 : h) % 3);
  p.bbml2 = ((h >> 2) & (literal ? 1 : 3)) != 0;
  const Geometry& g = geometry_of(p.granule);
  if (literal) {
    decode_literal(r, g, &p);
    return p;
  }
  while (!r.done() && p.ops.size() < kMaxDecodedOps) p.ops.push_back(decode_op(r, g));
  return p;
}

std::vector<uint8_t> encode_program(const Program& p) {
  std::vector<uint8_t> out;
  out.push_back(kLiteral | (p.bbml2 ? 4 : 0) | static_cast<uint8_t>(p.granule));
  put_literal_mutant(p.mutant, &out);
  for (const Op& op : p.ops) {
    put_literal_op(op, &out);
  }
  return out;
}

}  // namespace ptediff::linearmap
