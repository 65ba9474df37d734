// ptediff: the structure-aware mutator every subject's fuzz target uses.
//
// libFuzzer mutates bytes; a subject's binary input is a program of ops. The
// mutations here act on the decoded op list (insert a fresh op, delete a
// short run, duplicate, swap, splice a run elsewhere, tweak one operand, add a
// mid-op event, change the header) and re-encode the result within the size
// libFuzzer allows, so every subject fuzzes by ops, operands and events rather
// than by bytes. What an op, an operand value or an event is stays with the
// subject, in a traits type:
//
//   struct Traits {
//     using Program = ...;  // has `std::vector<Op> ops`
//     using Op = ...;
//     static Program decode(std::span<const uint8_t>);         // total
//     static std::vector<uint8_t> encode(const Program&);      // decodes back to the program
//     static Op random_op(MutationRng&, const Program&);       // a fresh, legal op
//     static void tweak(MutationRng&, const Program&, Op*);    // one operand to a telling value
//     static void mutate_header(MutationRng&, Program*);       // granule, features, ...
//     static bool add_event(MutationRng&, Program*);           // false: the subject has none
//     static bool is_event(const Op&);                          // an event line under an op
//   };
//
// Everything is deterministic given the seed (libFuzzer replays a mutation
// sequence from its seeds), and nothing is kept between calls.
#ifndef PTEDIFF_ENGINE_OP_MUTATOR_H_
#define PTEDIFF_ENGINE_OP_MUTATOR_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "formats/byte_reader.h"

namespace ptediff {

// The random source of one mutation, with the small helpers every subject's
// traits use.
class MutationRng {
 public:
  explicit MutationRng(uint64_t seed) : rng_(seed) {}
  uint64_t next() { return rng_(); }
  // Uniform in [0, n) (0 when n is 0).
  uint64_t below(uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  // True with probability 1/n.
  bool one_in(uint64_t n) { return below(n) == 0; }
  template <typename T>
  T pick_of(std::initializer_list<T> xs) {
    return xs.begin()[below(xs.size())];
  }

 private:
  std::mt19937_64 rng_;
};

namespace op_mutator_detail {

// The ops of `p` from `at` that belong together: an op and the events under it.
template <typename T>
size_t group_end(const std::vector<typename T::Op>& ops, size_t at) {
  size_t end = at + 1;
  while (end < ops.size() && T::is_event(ops[end])) ++end;
  return end;
}

// Encodes `p` into out (capacity max_size), dropping trailing ops until it
// fits. Returns the size written, or 0 when not even the empty program fits.
template <typename T>
size_t write(typename T::Program* p, uint8_t* out, size_t max_size) {
  std::vector<uint8_t> bytes = T::encode(*p);
  while (bytes.size() > max_size && !p->ops.empty()) {
    // Cut in proportion first (a long program is cut in a few rounds), then op by op.
    const size_t n = p->ops.size();
    const size_t keep = std::min(n - 1, n * max_size / bytes.size());
    p->ops.resize(keep);
    while (!p->ops.empty() && T::is_event(p->ops.front())) p->ops.erase(p->ops.begin());
    bytes = T::encode(*p);
  }
  if (bytes.size() > max_size) return 0;
  std::memcpy(out, bytes.data(), bytes.size());
  return bytes.size();
}

// One structural mutation of p.
template <typename T>
void mutate_once(MutationRng& rng, typename T::Program* p) {
  auto& ops = p->ops;
  const size_t n = ops.size();
  const uint64_t what = n == 0 ? 0 : rng.below(16);
  switch (what) {
    case 0:
    case 1:
    case 2: {  // insert a fresh op (never inside another op's events)
      size_t at = rng.below(n + 1);
      while (at < n && T::is_event(ops[at])) ++at;
      ops.insert(ops.begin() + at, T::random_op(rng, *p));
      break;
    }
    case 3:
    case 4: {  // delete a short run
      const size_t at = rng.below(n), len = 1 + rng.below(std::min<size_t>(4, n - at));
      ops.erase(ops.begin() + at, ops.begin() + at + len);
      break;
    }
    case 5: {  // duplicate one op, at once or elsewhere
      const auto op = ops[rng.below(n)];
      ops.insert(ops.begin() + rng.below(n + 1), op);
      break;
    }
    case 6:  // swap two ops
      std::swap(ops[rng.below(n)], ops[rng.below(n)]);
      break;
    case 7: {  // splice a run of ops to another position
      const size_t from = rng.below(n), len = 1 + rng.below(std::min<size_t>(8, n - from));
      const std::vector<typename T::Op> run(ops.begin() + from, ops.begin() + from + len);
      ops.insert(ops.begin() + rng.below(n + 1), run.begin(), run.end());
      break;
    }
    case 9:
    case 10:  // a mid-op event, where the subject has them
      if (T::add_event(rng, p)) break;
      [[fallthrough]];
    case 8:
      if (rng.one_in(4)) {
        T::mutate_header(rng, p);
        break;
      }
      [[fallthrough]];
    default: {  // operand tweaks are the most productive
      typename T::Op& op = ops[rng.below(n)];
      T::tweak(rng, *p, &op);
      break;
    }
  }
  // Events stand under an op: drop any the moves above left at the front.
  while (!ops.empty() && T::is_event(ops.front())) ops.erase(ops.begin());
}

}  // namespace op_mutator_detail

// libFuzzer's custom mutator over a subject's programs: data[0, size) is
// replaced by a mutated program of at most max_size bytes; returns its size.
template <typename T>
size_t mutate_program_bytes(uint8_t* data, size_t size, size_t max_size, unsigned seed) {
  MutationRng rng(seed);
  typename T::Program p = T::decode(std::span<const uint8_t>(data, size));
  const uint64_t rounds = 1 + rng.below(3);
  for (uint64_t i = 0; i < rounds; ++i) op_mutator_detail::mutate_once<T>(rng, &p);
  const size_t n = op_mutator_detail::write<T>(&p, data, max_size);
  return n != 0 ? n : std::min(size, max_size);
}

// libFuzzer's custom cross-over: a prefix of the first program, a run of the
// second, and (half the time) the rest of the first, under the first's
// header (the decoder makes the borrowed ops legal there).
template <typename T>
size_t cross_over_program_bytes(const uint8_t* data1, size_t size1, const uint8_t* data2,
                                size_t size2, uint8_t* out, size_t max_out_size, unsigned seed) {
  MutationRng rng(seed);
  typename T::Program a = T::decode(std::span<const uint8_t>(data1, size1));
  const typename T::Program b = T::decode(std::span<const uint8_t>(data2, size2));
  const size_t cut = rng.below(a.ops.size() + 1);
  const size_t from = rng.below(b.ops.size() + 1);
  const size_t len = rng.below(b.ops.size() - from + 1);
  std::vector<typename T::Op> ops(a.ops.begin(), a.ops.begin() + cut);
  ops.insert(ops.end(), b.ops.begin() + from, b.ops.begin() + from + len);
  if (rng.one_in(2)) ops.insert(ops.end(), a.ops.begin() + cut, a.ops.end());
  a.ops = std::move(ops);
  while (!a.ops.empty() && T::is_event(a.ops.front())) a.ops.erase(a.ops.begin());
  return op_mutator_detail::write<T>(&a, out, max_out_size);
}

// Traits pieces for a subject whose fuzz decoder draws one op from bytes and
// whose ops expose their operands through an op table (linear-map, hugetlb):
// fresh ops and most operand values come from the decoder, so they keep its
// bias towards boundaries and shared pages. D provides Program, Op and
// mutate_header as above, and
//   static constexpr Program (*kDecode)(std::span<const uint8_t>);  // decode_program
//   static auto geometry(const Program&);  // what decode_op and validate_op take
// The rest is found in the subject's namespace by argument-dependent lookup:
// decode_op, validate_op, encode_program, op_spec(kind).fields, op_field,
// set_op_field. Programs have a `mutant` header, which fuzzing never takes
// from its input (the target injects its own).
template <typename D>
struct OpTableTraits {
  template <typename DD = D>
  static auto decode(std::span<const uint8_t> bytes) {
    auto p = DD::kDecode(bytes);
    p.mutant = "none";
    return p;
  }
  template <typename Program>
  static std::vector<uint8_t> encode(const Program& p) {
    return encode_program(p);
  }
  // The decoder's op from 16 random bytes.
  template <typename Program>
  static auto draw(MutationRng& rng, const Program& p) {
    uint8_t bytes[16];
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng.next());
    ByteReader r(bytes);
    return decode_op(r, D::geometry(p));
  }
  template <typename Program, typename Op>
  static bool valid(const Program& p, const Op& op) {
    return validate_op(op, D::geometry(p), nullptr);
  }
  template <typename Op>
  static auto fields(const Op& op) {
    return op_spec(op.kind).fields;
  }
  template <typename Op, typename Field>
  static uint64_t get(const Op& op, Field f) {
    return op_field(op, f);
  }
  template <typename Op, typename Field>
  static void set(Op* op, Field f, uint64_t v) {
    set_op_field(op, f, v);
  }
  // No mid-op events unless D says otherwise.
  template <typename Program>
  static bool add_event(MutationRng&, Program*) {
    return false;
  }
  template <typename Op>
  static bool is_event(const Op&) {
    return false;
  }
  template <typename Program>
  static auto random_op(MutationRng& rng, const Program& p) {
    return D::draw(rng, p);
  }
  // One operand to another value the op stays legal with: the decoder's
  // value for an op of the same kind, a neighbour, a half or double, zero,
  // or the value another op of the program has in that operand.
  template <typename Program, typename Op>
  static void tweak(MutationRng& rng, const Program& p, Op* op) {
    const auto fields = D::fields(*op);
    if (fields.empty()) return;
    const auto f = fields[rng.below(fields.size())];
    const uint64_t v = D::get(*op, f);
    for (int tries = 0; tries < 16; ++tries) {
      uint64_t x;
      switch (rng.below(6)) {
        case 0:
        case 1: {
          Op other = D::draw(rng, p);
          for (int d = 0; d < 32 && other.kind != op->kind; ++d) other = D::draw(rng, p);
          if (other.kind != op->kind) continue;
          x = D::get(other, f);
          break;
        }
        case 2:
          x = rng.one_in(2) ? v + 1 : v - 1;
          break;
        case 3:
          x = rng.one_in(2) ? v / 2 : v * 2;
          break;
        case 4: {
          const Op& other = p.ops[rng.below(p.ops.size())];
          const auto of = D::fields(other);
          if (std::find(of.begin(), of.end(), f) == of.end()) continue;
          x = D::get(other, f);
          break;
        }
        default:
          x = 0;
          break;
      }
      Op cand = *op;
      D::set(&cand, f, x);
      if (D::valid(p, cand)) {
        *op = cand;
        return;
      }
    }
  }
};

}  // namespace ptediff

#endif  // PTEDIFF_ENGINE_OP_MUTATOR_H_
