// ptediff: what every check shares: divergence evidence and touched blocks (see checks.h).
#include "subjects/contpte/checks.h"

namespace ptediff {

void add_divergence(const CheckContext& c, DivClass cls, uint32_t mm, uint64_t va, std::string what,
                    std::vector<Divergence>* out) {
  for (const Divergence& d : *out) {
    if (d.cls == cls && d.op_index == c.op_index) return;  // one per class and op
  }
  Divergence d;
  d.cls = cls;
  d.op_index = c.op_index;
  d.mm = mm;
  d.va = va;
  d.what = std::move(what);
  const ptediff_geometry& g = c.ref.geo();
  d.block_va = va & ~(block_bytes(g) - 1);
  if (mm < kNumMms) {
    for (uint32_t i = 0; i < g.cont_ptes; ++i) {
      d.ref_block.push_back(c.ref.peek(mm, d.block_va + i * page_bytes(g)));
      d.opt_block.push_back(c.opt.peek(mm, d.block_va + i * page_bytes(g)));
    }
  }
  d.ref_log = c.ref.log();
  d.opt_log = c.opt.log();
  out->push_back(std::move(d));
}

}  // namespace ptediff
