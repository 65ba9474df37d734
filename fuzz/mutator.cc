// ptediff fuzz: structure-aware libFuzzer mutator and cross-over for the binary programs.
//
// Mutations act on the decoded op list (insert, delete, duplicate, swap,
// splice, operand tweaks towards the values where contpte code changes
// behaviour: block and table boundaries, folio orders, pick and nr edges) and
// re-encode with encode_program within MaxSize. With a small probability the
// raw bytes go to libFuzzer's own LLVMFuzzerMutate instead (dictionary,
// byte-level tricks). Everything is deterministic given the Seed argument.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <span>
#include <vector>

#include "subjects/contpte/codec.h"
#include "subjects/contpte/text.h"

// Provided by libFuzzer; weak so that this file also links with engines
// (such as AFL++'s driver) that do not have it.
extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size)
    __attribute__((weak));

namespace ptediff {
namespace {

using Rng = std::mt19937_64;

uint64_t below(Rng& rng, uint64_t n) { return n == 0 ? 0 : rng() % n; }
bool one_in(Rng& rng, uint64_t n) { return below(rng, n) == 0; }
template <typename T>
T pick_of(Rng& rng, std::initializer_list<T> xs) {
  return xs.begin()[below(rng, xs.size())];
}

// Geometry of a program and the window its operands live in.
struct Space {
  explicit Space(const Header& h)
      : geo(ptediff_geometry_of(h.granule)), pages(window_pages_or_default(geo, 0)) {}
  uint64_t max(Field f) const { return field_max(f, geo, pages); }
  uint32_t cont_order() const {
    uint32_t o = 0;
    while ((1u << o) < geo.cont_ptes) ++o;
    return o;
  }
  ptediff_geometry geo;
  uint64_t pages;
};

// A page number near a boundary: CONT block or page table, +-1.
uint64_t boundary_page(Rng& rng, const Space& s) {
  const uint64_t unit = one_in(rng, 3) ? s.geo.ptrs_per_pte : s.geo.cont_ptes;
  const uint64_t base = below(rng, s.pages / unit + 1) * unit;
  const int64_t delta = pick_of<int64_t>(rng, {0, 0, 0, -1, 1, static_cast<int64_t>(unit) - 1});
  return static_cast<uint64_t>(static_cast<int64_t>(base) + delta);
}

// An interesting value for operand f. `near` is a page number used by other
// ops of the program (to hit the same region again), or ~0 when none.
uint64_t interesting(Rng& rng, const Space& s, Field f, uint64_t near) {
  const uint64_t cont = s.geo.cont_ptes;
  switch (f) {
    case Field::kVa:
    case Field::kDst: {
      uint64_t page;
      const uint64_t how = below(rng, 4);
      if (how == 0 && near != ~0ULL) {
        page = near + pick_of<uint64_t>(rng, {0, 1, cont - 1, cont, cont / 2}) - one_in(rng, 4);
      } else if (how <= 2) {
        page = boundary_page(rng, s);
      } else {
        page = below(rng, s.pages);
      }
      return (page % s.pages) << s.geo.page_shift;
    }
    case Field::kNr: {
      const uint64_t nr =
          pick_of<uint64_t>(rng, {1, 1, cont, cont, cont - 1, cont + 1, 2 * cont,
                                  s.geo.ptrs_per_pte, 1 + below(rng, 8), 1 + below(rng, 4 * cont)});
      return std::clamp<uint64_t>(nr, 1, s.pages);
    }
    case Field::kOrder:
      return std::min<uint64_t>(pick_of<uint64_t>(rng, {0, 2, 4, 5, s.cont_order(), s.cont_order(),
                                                        s.max(f), below(rng, s.max(f) + 1)}),
                                s.max(f));
    case Field::kIdx:
      return pick_of<uint64_t>(rng, {0, 0, cont - 1, cont, 1, below(rng, s.max(f) + 1)}) %
             (s.max(f) + 1);
    case Field::kPick:
      return pick_of<uint64_t>(rng, {0, cont - 1, below(rng, cont)});
    case Field::kFolio:
      return pick_of<uint64_t>(rng, {0, 0, 1, 2, below(rng, 16), below(rng, kMaxFolios + 1)});
    case Field::kProt:
      return pick_of<uint64_t>(
          rng, {kProtYoung | kProtWrite | kProtDirty, kProtYoung | kProtRdonly,
                kProtYoung | kProtWrite | kProtRdonly, kProtWrite | kProtRdonly,
                kProtYoung | kProtWrite | kProtDirty | kProtExec, below(rng, kProtAll + 1)});
    case Field::kMm:
      return pick_of<uint64_t>(rng, {0, 0, 0, 0, 1, 2});
    case Field::kPrim: {
      // Just after the start of a phase of a block-wide op: the first
      // entries, the first entries after a block's worth of exchanges (a
      // flush, then the rewrite), or the entry updated after a whole
      // contpte_convert (2 * CONT_PTES + 1 primitives); or anywhere.
      const uint64_t cont = s.geo.cont_ptes;
      if (one_in(rng, 4)) return below(rng, 4 * cont + 8);
      return pick_of<uint64_t>(rng, {0, 0, cont + 1, 2 * cont + 1, 2 * cont + 2}) + below(rng, 4);
    }
    default:
      return below(rng, s.max(f) + 1);
  }
}

// A page number some op of `p` already uses, or ~0.
uint64_t some_page(Rng& rng, const Program& p, const Space& s) {
  if (p.ops.empty()) return ~0ULL;
  const Op& op = p.ops[below(rng, p.ops.size())];
  const OpSpec& spec = op_spec(op.kind);
  for (size_t i = 0; i < spec.num_fields; ++i) {
    if (spec.fields[i] == Field::kVa) return op.get(Field::kVa) >> s.geo.page_shift;
  }
  return ~0ULL;
}

Op random_op(Rng& rng, const Program& p, const Space& s) {
  Op op;
  op.kind = static_cast<OpKind>(below(rng, kNumOpKinds));
  const OpSpec& spec = op_spec(op.kind);
  for (size_t i = 0; i < spec.num_fields; ++i) {
    op.set(spec.fields[i], interesting(rng, s, spec.fields[i], some_page(rng, p, s)));
  }
  return op;
}

void tweak_operand(Rng& rng, Program* p, const Space& s) {
  Op& op = p->ops[below(rng, p->ops.size())];
  const OpSpec& spec = op_spec(op.kind);
  if (spec.num_fields == 0) return;
  const Field f = spec.fields[below(rng, spec.num_fields)];
  op.set(f, interesting(rng, s, f, some_page(rng, *p, s)));
}

void mutate_header(Rng& rng, Header* h) {
  switch (below(rng, 4)) {
    case 0:
      h->granule = static_cast<ptediff_granule>(below(rng, 3));
      break;
    case 1:
      h->hafdbs = !h->hafdbs;
      break;
    case 2:
      h->bbml2 = !h->bbml2;
      break;
    default:
      h->profile = static_cast<Profile>(below(rng, 3));
      break;
  }
}

// Adds a mid-op event under a random op (docs/DESIGN.md §5.11): mostly a
// hardware write or a lockless reader in the op's own block, before an
// early primitive. The decoder keeps events in firing order.
void add_event(Rng& rng, Program* p, const Space& s) {
  std::vector<Op>& ops = p->ops;
  size_t at = below(rng, ops.size());
  while (at > 0 && is_event(ops[at].kind)) --at;
  if (is_event(ops[at].kind)) return;
  size_t end = at + 1;
  while (end < ops.size() && is_event(ops[end].kind)) ++end;
  if (end - at - 1 >= kMaxEventsPerOp) return;
  const Op& owner = ops[at];
  Op ev;
  ev.kind =
      pick_of(rng, {OpKind::kEvAccess, OpKind::kEvAccess, OpKind::kEvLockless, OpKind::kEvTlbFill});
  const uint64_t page = 1ULL << s.geo.page_shift, cont = s.geo.cont_ptes, block = page * cont;
  const uint64_t va0 = owner.get(Field::kVa) & ~(block - 1);
  const uint64_t prim = interesting(rng, s, Field::kPrim, ~0ULL);
  // The op's entry, its block's first, last or any entry, or the entry a
  // per-entry loop over the block reaches around `prim` (one or two
  // primitives per entry, after a first read).
  const uint64_t va = pick_of<uint64_t>(
      rng,
      {owner.get(Field::kVa), va0, va0 + block - page, va0 + below(rng, cont) * page,
       va0 + ((prim + cont - 1) % cont) * page, va0 + ((prim + 2 * cont - 1) / 2 % cont) * page});
  ev.set(Field::kMm, owner.get(Field::kMm));
  ev.set(Field::kVa, std::min(va, s.max(Field::kVa)));
  ev.set(Field::kPrim, prim);
  if (ev.kind == OpKind::kEvAccess) {
    ev.set(Field::kKind, one_in(rng, 4) ? 0 : 1);  // kind=read / kind=write
  }
  if (ev.kind != OpKind::kEvLockless) {
    ev.set(Field::kPick,
           one_in(rng, 2) ? (va / page) % s.geo.cont_ptes : below(rng, s.geo.cont_ptes));
  }
  if (ev.kind == OpKind::kEvTlbFill) ev.set(Field::kBlock, one_in(rng, 4) ? 0 : 1);
  ops.insert(ops.begin() + end, ev);
}

// One structural mutation of p.
void mutate_program(Rng& rng, Program* p) {
  std::vector<Op>& ops = p->ops;
  const Space s(p->header);
  const uint64_t what = ops.empty() ? 0 : below(rng, 16);
  const size_t n = ops.size();
  switch (what) {
    case 0:
    case 1:
    case 2:  // insert a fresh op
      ops.insert(ops.begin() + below(rng, n + 1), random_op(rng, *p, s));
      break;
    case 3:
    case 4: {  // delete a short run
      const size_t at = below(rng, n), len = 1 + below(rng, std::min<size_t>(4, n - at));
      ops.erase(ops.begin() + at, ops.begin() + at + len);
      break;
    }
    case 5: {  // duplicate one op, at once or elsewhere
      const Op op = ops[below(rng, n)];
      ops.insert(ops.begin() + below(rng, n + 1), op);
      break;
    }
    case 6:  // swap two ops
      std::swap(ops[below(rng, n)], ops[below(rng, n)]);
      break;
    case 7: {  // splice a run of ops to another position
      const size_t from = below(rng, n), len = 1 + below(rng, std::min<size_t>(8, n - from));
      const std::vector<Op> run(ops.begin() + from, ops.begin() + from + len);
      ops.insert(ops.begin() + below(rng, n + 1), run.begin(), run.end());
      break;
    }
    case 9:
    case 10:  // a mid-op event
      add_event(rng, p, s);
      break;
    case 8:
      if (one_in(rng, 4)) {
        mutate_header(rng, &p->header);
        break;
      }
      [[fallthrough]];
    default:  // operand tweaks are the most productive
      tweak_operand(rng, p, s);
      break;
  }
}

size_t encoded_op_size(const Op& op) {
  const OpSpec& spec = op_spec(op.kind);
  size_t n = 1;
  for (size_t i = 0; i < spec.num_fields; ++i) n += field_codec(spec.fields[i]).width;
  return n;
}

// Encodes p into out (capacity max_size), dropping trailing ops that do not
// fit. The mutant name is dropped: the fuzz target overrides it anyway.
size_t write_program(Program* p, uint8_t* out, size_t max_size) {
  p->header.mutant = "none";
  size_t total = 2;
  size_t keep = 0;
  while (keep < p->ops.size() && keep < kMaxEncodedOps &&
         total + encoded_op_size(p->ops[keep]) <= max_size) {
    total += encoded_op_size(p->ops[keep++]);
  }
  p->ops.resize(keep);
  const std::vector<uint8_t> bytes = encode_program(*p);
  if (bytes.size() > max_size) return 0;
  std::memcpy(out, bytes.data(), bytes.size());
  return bytes.size();
}

Program decode(const uint8_t* data, size_t size) {
  return decode_program(std::span<const uint8_t>(data, size));
}

}  // namespace
}  // namespace ptediff

namespace {
// $PTEDIFF_PLAIN_MUTATION=1 turns the structure-aware mutator off (plain
// libFuzzer byte mutation), for the mutator's benchmark. Read once.
bool plain_mutation() {
  static const bool plain = [] {
    const char* env = std::getenv("PTEDIFF_PLAIN_MUTATION");
    return env != nullptr && env[0] == '1';
  }();
  return plain;
}
}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  ptediff::Rng rng(seed);
  if (LLVMFuzzerMutate != nullptr && (plain_mutation() || (size > 2 && ptediff::one_in(rng, 8)))) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
  ptediff::Program p = ptediff::decode(data, size);
  const uint64_t rounds = 1 + ptediff::below(rng, 3);
  for (uint64_t i = 0; i < rounds; ++i) ptediff::mutate_program(rng, &p);
  const size_t n = ptediff::write_program(&p, data, max_size);
  return n != 0 ? n : size;
}

extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* data1, size_t size1,
                                            const uint8_t* data2, size_t size2, uint8_t* out,
                                            size_t max_out_size, unsigned int seed) {
  ptediff::Rng rng(seed);
  if (plain_mutation()) {  // byte-level splice, as libFuzzer's own cross-over
    const size_t n1 = std::min<size_t>(ptediff::below(rng, size1 + 1), max_out_size);
    const size_t n2 = std::min<size_t>(size2 - ptediff::below(rng, size2 + 1), max_out_size - n1);
    std::memcpy(out, data1, n1);
    std::memcpy(out + n1, data2 + (size2 - n2), n2);
    return n1 + n2;
  }
  ptediff::Program a = ptediff::decode(data1, size1);
  const ptediff::Program b = ptediff::decode(data2, size2);
  // A prefix of a, a run of b, the rest of a: b's ops are re-read under a's
  // geometry, which the decoder makes legal anyway.
  const size_t cut = ptediff::below(rng, a.ops.size() + 1);
  const size_t from = ptediff::below(rng, b.ops.size() + 1);
  const size_t len = ptediff::below(rng, b.ops.size() - from + 1);
  std::vector<ptediff::Op> ops(a.ops.begin(), a.ops.begin() + cut);
  ops.insert(ops.end(), b.ops.begin() + from, b.ops.begin() + from + len);
  if (ptediff::one_in(rng, 2)) ops.insert(ops.end(), a.ops.begin() + cut, a.ops.end());
  a.ops = std::move(ops);
  return ptediff::write_program(&a, out, max_out_size);
}
