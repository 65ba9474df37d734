// ptediff: the delta-debugging passes every subject's minimizer is built from.
//
// A program type P has a `std::vector<Op> ops`. `accept(const P&)` runs a
// candidate and, when it still shows the target divergence, makes it the new
// best (returns true); `budget()` says whether runs are left. The passes only
// propose candidates; what "the same divergence" means is the subject's.
#ifndef PTEDIFF_HARNESS_SHRINK_H_
#define PTEDIFF_HARNESS_SHRINK_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

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

}  // namespace ptediff

#endif  // PTEDIFF_HARNESS_SHRINK_H_
