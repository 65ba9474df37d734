// ptediff: the oracle, one step per op (see oracle.h).
#include "oracle/oracle.h"

#include <algorithm>

namespace ptediff {
namespace {

bool is_access(const Ret& r) { return r.type == RetType::kAccess || r.type == RetType::kRetry; }

// Accesses that completed on either side may have set AF/dirty there
// (docs/DESIGN.md §5.3 Accesses).
void note_accesses(const std::vector<Ret>& rr, const std::vector<Ret>& orr, const Op& op,
                   Envelope* env) {
  for (size_t i = 0; i < rr.size() && i < orr.size(); ++i) {
    if (!is_access(rr[i]) || !is_access(orr[i])) continue;
    const bool write = access_kind(rr[i], op) == AccessKind::kWrite;
    if (access_ok(static_cast<AccessResult>(rr[i].value)) ||
        access_ok(static_cast<AccessResult>(orr[i].value))) {
      env->note_access(rr[i].range.mm, rr[i].range.va, write);
    }
  }
}

// The blocks either machine wrote, sorted and unique (the machines track
// them as entries are written).
void merge_touched(const Machine& ref, const Machine& opt, std::vector<BlockRef>* out) {
  out->clear();
  const auto& a = ref.touched_blocks();
  const auto& b = opt.touched_blocks();
  // Most ops touch one block on each side, the same one.
  if (a.size() <= 1 && b.size() <= 1) {
    if (!a.empty()) out->push_back(a[0]);
    if (!b.empty() && (a.empty() || !(a[0] == b[0]))) out->push_back(b[0]);
    if (out->size() == 2 && (*out)[1] < (*out)[0]) std::swap((*out)[0], (*out)[1]);
    return;
  }
  out->insert(out->end(), a.begin(), a.end());
  out->insert(out->end(), b.begin(), b.end());
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
}

}  // namespace

Oracle::Oracle(const ptediff_geometry& geo, uint64_t window_pages) : env_(geo, window_pages) {}

void Oracle::reset() { env_.reset(); }

void Oracle::before_op(const Machine& ref, const Machine& opt) { stale_.before_opt(ref, opt); }

void Oracle::after_op(const OpContext& o, std::vector<Divergence>* out) {
  const CheckContext c{o.ref, o.opt, env_, o.op, o.index, &scratch_, &stale_};
  check_returns(c, o.ref_rets, o.opt_rets, out);  // against the pre-op envelope
  note_accesses(o.ref_rets, o.opt_rets, o.op.op, &env_);
  merge_touched(o.ref, o.opt, &blocks_);
  env_.update(o.ref, o.op.hints, blocks_);
  forgive_tlb_decided(o.ref_rets, o.opt_rets, o.opt, o.op.op, &env_);
  check_state(c, blocks_, out);
  check_log(c, out);
  check_tlb(c, out);
}

}  // namespace ptediff
