// ptediff: the minimizer of every subject (delta debugging over a program's
// op list, operands and header).
//
// shrink_program keeps the first divergence's class and the kind of the op it
// shows at, and shrinks in rounds (chunks of ops removed, halving down to
// single ops; each operand lowered towards the values the subject proposes;
// header features turned off) until a round changes nothing or the run budget
// is spent, so shrinking the result again returns it unchanged. What a
// program, a run and "the op it shows at" are stays with the subject, in a
// shrink traits object `m`:
//
//   using Program = ...;  // has `std::vector<Op> ops`
//   using Kind = ...;     // what makes two diverging ops the same
//   bool valid(const Program&);  // a candidate text can state (the input is never checked)
//   const std::vector<Divergence>& run(const Program&, std::string* err);
//                                // runs a candidate; *err: a setup error
//   const Program& ran(const Program& cand);  // what that run executed: cand or its repair
//   Kind kind_of(const Op&);
//   bool is_event(const Op&);    // a mid-op event line, kept with the op above it
//   auto fields(const Op&);      // the op's operands; get(op, f) and set(&op, f, v) access one
//   std::vector<uint64_t> lower(const Op&, F f, uint64_t v);  // smaller values, best first
//   void set_mutant(Program*, const std::string&);
//   static constexpr size_t kHeaderSteps;        // optional: header shrinks to try, with
//   bool lower_header(size_t step, Program* p);  // false when step does not apply to p
//
// What is kept is always what ran (`ran`), cut after the diverging op and its
// events. Program and Op may be equality comparable: then a round that only
// re-kept an equal program counts as no change, and a lowered operand the op
// does not take (set leaves it as it was) is not run.
#ifndef PTEDIFF_ENGINE_SHRINK_H_
#define PTEDIFF_ENGINE_SHRINK_H_

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "oracle/divergence.h"

namespace ptediff {

// Minimize's default execution budget.
inline constexpr size_t kMaxShrinkRuns = 20000;

// Removes chunks of ops of decreasing size (halving down to single ops).
// `accept(p)` runs a candidate and makes it the new best when it still shows
// the target divergence; `budget()` says whether runs are left. Returns
// whether anything was accepted.
template <typename P, typename Accept, typename Budget>
bool drop_op_chunks(const P& best, Accept&& accept, Budget&& budget) {
  bool any = false;
  for (size_t chunk = std::max<size_t>(1, best.ops.size() / 2);; chunk /= 2) {
    for (size_t start = 0; start < best.ops.size() && budget();) {
      P cand = best;
      const size_t end = std::min(start + chunk, cand.ops.size());
      cand.ops.erase(cand.ops.begin() + start, cand.ops.begin() + end);
      if (!cand.ops.empty() && accept(cand)) {
        any = true;
      } else {
        start += chunk;
      }
    }
    if (chunk <= 1) return any;
  }
}

// Lowers each operand of each op towards m.lower's candidates, repeating on
// an operand while it keeps going down.
template <typename P, typename M, typename Accept, typename Budget>
bool lower_operands(const P& best, M& m, Accept&& accept, Budget&& budget) {
  using Op = typename decltype(P::ops)::value_type;
  bool any = false;
  for (size_t i = 0; i < best.ops.size() && budget(); ++i) {
    for (auto f : m.fields(best.ops[i])) {
      for (bool again = true; again && i < best.ops.size() && budget();) {
        again = false;
        const uint64_t v = m.get(best.ops[i], f);
        for (uint64_t cand_v : m.lower(best.ops[i], f, v)) {
          if (cand_v >= v) continue;
          P cand = best;
          m.set(&cand.ops[i], f, cand_v);
          if constexpr (std::equality_comparable<Op>) {
            if (cand.ops[i] == best.ops[i]) continue;
          }
          if (accept(cand)) {
            any = true;
            again = i < best.ops.size() && m.get(best.ops[i], f) < v;
            break;
          }
        }
      }
    }
  }
  return any;
}

// Tries each of m's header shrinks (when it has any) on the best program.
template <typename P, typename M, typename Accept>
bool lower_header(const P& best, M& m, Accept&& accept) {
  bool any = false;
  if constexpr (requires { M::kHeaderSteps; }) {
    for (size_t step = 0; step < M::kHeaderSteps; ++step) {
      P cand = best;
      if (m.lower_header(step, &cand)) any |= accept(cand);
    }
  }
  return any;
}

// What shrink_program kept: the smallest program showing the divergence,
// the divergence's class and the kind of the op it shows at.
template <typename P, typename Kind>
struct Shrunk {
  P best;
  P first;  // the first program kept: the input as it ran, cut after its divergence
  DivClass cls{};
  Kind kind{};
  size_t before_ops = 0;  // ops up to the divergence in the input
  size_t runs = 0;        // programs run
};

// Shrinks `p` with the shrink traits `m` (see the top of this file) within
// `max_runs` runs; `mutant`, when not empty, is written into what is kept.
// Returns false when `p` does not diverge, with *err set when its run failed
// to set up (a candidate that fails is only refused).
template <typename M>
bool shrink_program(const typename M::Program& p, M& m, const std::string& mutant, size_t max_runs,
                    Shrunk<typename M::Program, typename M::Kind>* out, std::string* err) {
  using P = typename M::Program;
  bool have = false;
  auto budget = [&] { return out->runs < max_runs; };
  // Runs a candidate (`checked`: refuse one text cannot state) and keeps
  // what ran when it shows the target divergence.
  auto keep = [&](const P& cand, bool checked) {
    if (!budget() || (checked && !m.valid(cand))) return false;
    ++out->runs;
    std::string e;
    const std::vector<Divergence>& ds = m.run(cand, &e);
    if (!e.empty()) {
      if (!have) *err = e;
      return false;
    }
    if (ds.empty()) return false;
    const P& ran = m.ran(cand);
    const Divergence& d = ds.front();
    if (d.op_index >= ran.ops.size()) return false;
    const typename M::Kind k = m.kind_of(ran.ops[d.op_index]);
    if (have && (d.cls != out->cls || k != out->kind)) return false;
    out->cls = d.cls;
    out->kind = k;
    out->best = ran;
    // Nothing after the diverging op (and its mid-op events) matters.
    size_t end = d.op_index + 1;
    while (end < out->best.ops.size() && m.is_event(out->best.ops[end])) ++end;
    out->best.ops.resize(end);
    if (!mutant.empty()) m.set_mutant(&out->best, mutant);
    if (!have) out->first = out->best;
    have = true;
    return true;
  };
  if (!keep(p, false)) return false;
  out->before_ops = out->best.ops.size();
  auto accept = [&](const P& cand) { return keep(cand, true); };
  // Rounds until one changes nothing: a later shrink (an operand, a feature
  // off) can make an earlier one possible, and only a fixed point makes
  // shrinking the result again return it unchanged.
  auto round = [&] {
    bool changed = drop_op_chunks(out->best, accept, budget);
    changed |= lower_operands(out->best, m, accept, budget);
    changed |= lower_header(out->best, m, accept);
    return changed;
  };
  if constexpr (std::equality_comparable<P>) {
    P last;
    do {
      last = out->best;
      round();
    } while (!(out->best == last) && budget());
  } else {
    for (bool changed = true; changed && budget();) changed = round();
  }
  return true;
}

}  // namespace ptediff

#endif  // PTEDIFF_ENGINE_SHRINK_H_
