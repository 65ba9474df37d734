// ptediff: the delta-debugging passes every subject's minimizer is built from.
//
// A program type P has a `std::vector<Op> ops`. `accept(const P&)` runs a
// candidate and, when it still shows the target divergence, makes it the new
// best (returns true); `budget()` says whether runs are left. The passes only
// propose candidates; what "the same divergence" means is the subject's.
#ifndef PTEDIFF_ENGINE_SHRINK_H_
#define PTEDIFF_ENGINE_SHRINK_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "oracle/divergence.h"

namespace ptediff {

// Removes chunks of ops of decreasing size (halving down to single ops).
// Returns whether anything was removed.
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

// Lowers each operand of each op towards its candidates (`lower(v)` lists
// smaller values to try, best first), repeating on an operand while it keeps
// going down. `fields(op)` is the op's operand list; get/set access one.
template <typename P, typename Fields, typename Get, typename Set, typename Lower, typename Accept,
          typename Budget>
bool lower_operands(const P& best, Fields&& fields, Get&& get, Set&& set, Lower&& lower,
                    Accept&& accept, Budget&& budget) {
  bool any = false;
  for (size_t i = 0; i < best.ops.size() && budget(); ++i) {
    for (auto f : fields(best.ops[i])) {
      for (bool again = true; again && i < best.ops.size() && budget();) {
        again = false;
        const uint64_t v = get(best.ops[i], f);
        for (uint64_t cand_v : lower(best.ops[i], f, v)) {
          if (cand_v >= v) continue;
          P cand = best;
          set(&cand.ops[i], f, cand_v);
          if (accept(cand)) {
            any = true;
            again = i < best.ops.size() && get(best.ops[i], f) < v;
            break;
          }
        }
      }
    }
  }
  return any;
}

// What minimize_program kept: the smallest program showing the divergence,
// the divergence's class and the kind of the op it shows at.
template <typename P, typename Kind>
struct Shrunk {
  P best;
  DivClass cls{};
  Kind kind{};
  size_t before_ops = 0;  // ops up to the divergence in the input
  size_t runs = 0;        // programs run
};

// The minimizer of a subject whose programs run as written: drops op chunks
// and lowers operands to a fixed point (or `max_runs`), keeping the first
// divergence's class and op kind; everything after that op is cut. `valid(p)`
// filters candidates; `run(p, &err)` returns p's divergences (err set on a
// setup error, which ends the search); `kind_of(op)`; `mutant`, when not
// empty, is written into the kept program. The rest is lower_operands'.
// Returns false when `p` does not diverge (or *err is set).
template <typename P, typename Kind, typename Valid, typename Run, typename KindOf, typename Fields,
          typename Get, typename Set, typename Lower>
bool minimize_program(const P& p, const std::string& mutant, size_t max_runs, Valid&& valid,
                      Run&& run, KindOf&& kind_of, Fields&& fields, Get&& get, Set&& set,
                      Lower&& lower, Shrunk<P, Kind>* out, std::string* err) {
  bool have = false;
  auto budget = [&] { return out->runs < max_runs; };
  auto accept = [&](const P& cand) {
    if (!valid(cand)) return false;
    ++out->runs;
    const std::vector<Divergence> ds = run(cand, err);
    if (!err->empty() || ds.empty()) return false;
    const Divergence& d = ds.front();
    const Kind k = kind_of(cand.ops[d.op_index]);
    if (have && (d.cls != out->cls || k != out->kind)) return false;
    have = true;
    out->cls = d.cls;
    out->kind = k;
    out->best = cand;
    out->best.ops.resize(d.op_index + 1);  // nothing after the divergence matters
    if (!mutant.empty()) out->best.mutant = mutant;
    return true;
  };
  if (!accept(p)) return false;
  out->before_ops = out->best.ops.size();
  // To a fixed point: a second minimize of the result changes nothing.
  for (bool changed = true; changed && budget();) {
    changed = drop_op_chunks(out->best, accept, budget);
    changed |= lower_operands(out->best, fields, get, set, lower, accept, budget);
  }
  return true;
}

}  // namespace ptediff

#endif  // PTEDIFF_ENGINE_SHRINK_H_
