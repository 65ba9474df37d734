// ptediff: tlb-stale, O's TLB after the op against what R's version of the
// op invalidated (docs/DESIGN.md §8.4.5); whom to blame is stale.cc's rule.
#include "absl/strings/str_format.h"
#include "subjects/contpte/checks.h"

namespace ptediff {

void check_tlb(const CheckContext& c, std::vector<Divergence>* out) {
  // Without a flush of R's op nothing can be blamed on O.
  StaleLedger local;
  if (c.stale == nullptr) local.note_ref_only(c.ref);
  const StaleLedger& ledger = c.stale != nullptr ? *c.stale : local;
  if (!ledger.ref_flushed()) return;
  const uint64_t page = page_bytes(c.opt.geo());
  for (const TlbEntry& t : c.opt.tlb().entries()) {
    for (uint64_t va = t.va; va < t.va + t.size; va += page) {
      if (!tlb_entry_stale(c.opt, t, va) || !ledger.blames_opt(c.ref, t.mm, va)) continue;
      add_divergence(c, DivClass::kTlbStale, t.mm, va,
                     absl::StrFormat("O's TLB %s entry for mm=%u va=%#x (%s) grants more than "
                                     "O's table (%#x), though R's version of this op invalidated "
                                     "the page",
                                     t.size > page ? "block" : "page", t.mm, va,
                                     t.pending ? "invalidation not completed" : "never invalidated",
                                     c.opt.peek(t.mm, va)),
                     out);
      return;
    }
  }
}

}  // namespace ptediff
