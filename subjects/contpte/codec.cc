// ptediff: the binary fuzz-input encoding (see codec.h).
#include "subjects/contpte/codec.h"

#include <algorithm>
#include <array>
#include <string>

#include "subjects/contpte/optimized.h"  // known_optimized_mutant
#include "subjects/contpte/text.h"

namespace ptediff {
namespace {

// Reads bytes in order; past the end every byte reads as 0.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> b) : b_(b) {}

  bool done() const { return pos_ >= b_.size(); }
  size_t remaining() const { return done() ? 0 : b_.size() - pos_; }

  // A little-endian value of `width` bytes.
  uint64_t take(size_t width) {
    uint64_t v = 0;
    for (size_t i = 0; i < width; ++i, ++pos_) {
      if (pos_ < b_.size()) v |= static_cast<uint64_t>(b_[pos_]) << (8 * i);
    }
    return v;
  }

 private:
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
};

void put(std::vector<uint8_t>* out, uint64_t v, size_t width) {
  for (size_t i = 0; i < width; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

constexpr unsigned kGranuleMask = 0x3, kHafdbsBit = 1 << 2, kBbml2Bit = 1 << 3;
constexpr unsigned kProfileShift = 4;

Header decode_header(Reader* r) {
  Header h;
  const unsigned b = static_cast<unsigned>(r->take(1));
  const unsigned g = b & kGranuleMask;
  h.granule = g == 3 ? PTEDIFF_GRANULE_4K : static_cast<ptediff_granule>(g);
  h.hafdbs = (b & kHafdbsBit) != 0;
  h.bbml2 = (b & kBbml2Bit) != 0;
  const unsigned prof = (b >> kProfileShift) & 3;
  h.profile = prof == 3 ? Profile::kFold : static_cast<Profile>(prof);
  const size_t len = r->take(1) & kMaxMutantNameLen;
  if (len != 0) {
    h.mutant.assign(len, 'x');
    for (char& c : h.mutant) {
      const char in = static_cast<char>(r->take(1));
      if (valid_mutant_char(in)) c = in;
    }
  }
  // As in text, a mutant the catalogue does not know is no mutant.
  if (!known_optimized_mutant(h.mutant)) h.mutant = "none";
  return h;
}

// The event just decoded at the end of `ops` as text allows it: dropped
// under no op or past kMaxEventsPerOp, never before the event above it.
void normalize_event(std::vector<Op>* ops) {
  size_t owner = ops->size() - 1, events = 0;
  while (owner > 0 && is_event((*ops)[owner - 1].kind)) --owner, ++events;
  if (owner == 0 || events >= kMaxEventsPerOp) {
    ops->pop_back();
    return;
  }
  if (events > 0) {
    const uint64_t before = (*ops)[ops->size() - 2].get(Field::kPrim);
    Op& ev = ops->back();
    ev.set(Field::kPrim, std::max(before, ev.get(Field::kPrim)));
  }
}

}  // namespace

Program decode_program(std::span<const uint8_t> bytes, uint64_t window_pages) {
  static_assert(kMaxMutantNameLen == 63, "the length byte is masked with kMaxMutantNameLen");
  Reader r(bytes);
  Program p;
  p.header = decode_header(&r);
  const ptediff_geometry geo = ptediff_geometry_of(p.header.granule);
  const uint64_t win = window_pages_or_default(geo, window_pages);
  std::array<uint64_t, kNumFields> modulus;
  for (size_t i = 0; i < kNumFields; ++i) {
    modulus[i] = field_max(static_cast<Field>(i), geo, win) + 1;
  }
  p.ops.reserve(std::min(kMaxEncodedOps, r.remaining()));
  while (!r.done() && p.ops.size() < kMaxEncodedOps) {
    Op& op = p.ops.emplace_back();
    op.kind = static_cast<OpKind>(r.take(1) % kNumOpKinds);
    const OpSpec& spec = op_spec(op.kind);
    for (size_t i = 0; i < spec.num_fields; ++i) {
      const Field f = spec.fields[i];
      const FieldDesc& c = field_codec(f);
      const uint64_t raw = r.take(c.width);
      uint64_t v;
      switch (c.repr) {
        case FieldRepr::kAddress:
          v = (raw % win) << geo.page_shift;
          break;
        case FieldRepr::kCount:
          v = 1 + raw % win;
          break;
        default:
          v = raw % modulus[static_cast<size_t>(f)];
          break;
      }
      // Only entries the kernel can create (ops.h): text rejects the others.
      if (f == Field::kProt) v = possible_prot(v);
      op.set(f, v);
    }
    if (is_event(op.kind)) normalize_event(&p.ops);
  }
  return p;
}

std::vector<uint8_t> encode_program(const Program& p) {
  const Header& h = p.header;
  const ptediff_geometry geo = ptediff_geometry_of(h.granule);
  const std::string_view mutant = h.mutant == "none"
                                      ? std::string_view()
                                      : std::string_view(h.mutant).substr(0, kMaxMutantNameLen);
  std::vector<uint8_t> out;
  out.reserve(2 + mutant.size() + p.ops.size() * max_encoded_op_size());
  put(&out,
      (static_cast<unsigned>(h.granule) & kGranuleMask) | (h.hafdbs ? kHafdbsBit : 0) |
          (h.bbml2 ? kBbml2Bit : 0) | (static_cast<unsigned>(h.profile) & 3) << kProfileShift,
      1);
  put(&out, mutant.size(), 1);
  out.insert(out.end(), mutant.begin(), mutant.end());
  for (const Op& op : p.ops) {
    put(&out, static_cast<uint64_t>(op.kind), 1);
    const OpSpec& spec = op_spec(op.kind);
    for (size_t i = 0; i < spec.num_fields; ++i) {
      const Field f = spec.fields[i];
      const FieldDesc& c = field_codec(f);
      uint64_t raw = op.get(f);
      if (c.repr == FieldRepr::kAddress) raw >>= geo.page_shift;
      if (c.repr == FieldRepr::kCount) raw -= 1;
      put(&out, raw, c.width);
    }
  }
  return out;
}

size_t max_encoded_op_size() {
  static const size_t size = [] {
    size_t best = 0;
    for (const OpSpec& s : all_op_specs()) {
      size_t n = 1;
      for (size_t i = 0; i < s.num_fields; ++i) n += field_codec(s.fields[i]).width;
      best = std::max(best, n);
    }
    return best;
  }();
  return size;
}

}  // namespace ptediff
