// ptediff: lock, every entry a backend wrote against the locks its caller
// holds (docs/DESIGN.md §5.5).
#include "subjects/contpte/checks.h"

namespace ptediff {

void check_locks(const CheckContext& c, std::vector<Divergence>* out) {
  for (const Machine* m : {&c.ref, &c.opt}) {
    ptediff::check_locks(c.ref.geo(), m->log(), c.op.locks, m == &c.ref,
                         [&](DivClass cls, uint32_t mm, uint64_t va, std::string what) {
                           add_divergence(c, cls, mm, va, std::move(what), out);
                         });
  }
}

}  // namespace ptediff
