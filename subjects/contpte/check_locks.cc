// ptediff: lock, every entry a backend wrote against the locks its caller
// holds (docs/DESIGN.md §5.5).
#include <algorithm>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "subjects/contpte/checks.h"

namespace ptediff {

void check_locks(const CheckContext& c, std::vector<Divergence>* out) {
  const ptediff_geometry& g = c.ref.geo();
  const std::vector<LockId>& held = c.op.locks;
  for (const Machine* m : {&c.ref, &c.opt}) {
    LockId last_ok{LockKind::kMm, ~0u, 0};  // the last lock found held (writes cluster)
    for (const LogRec& r : m->log()) {
      const bool write =
          r.prim == Prim::kWrite || r.prim == Prim::kXchg || r.prim == Prim::kCmpxchg;
      if (!write || !r.ok || r.agent != Agent::kBackend) continue;
      const LockId need = lock_covering(g, r.mm, r.addr, r.level);
      if (need == last_ok) continue;
      if (std::find(held.begin(), held.end(), need) != held.end()) {
        last_ok = need;
        continue;
      }
      std::vector<std::string> names;
      for (const LockId& l : held) names.push_back(lock_name(g, l));
      // R writing outside its caller's locks is a harness bug (the model's
      // lock sets are wrong): contract, as for R's other violations.
      add_divergence(c, m == &c.ref ? DivClass::kContract : DivClass::kLock, r.mm, r.addr,
                     absl::StrFormat("%s wrote mm=%u va=%#x, covered by %s, which its caller "
                                     "does not hold (holds: %s)",
                                     m == &c.ref ? "R" : "O", r.mm, r.addr, lock_name(g, need),
                                     names.empty() ? "none" : absl::StrJoin(names, ", ")),
                     out);
      break;
    }
  }
}

}  // namespace ptediff
