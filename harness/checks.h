// ptediff: the conformance checks run after every op (DESIGN.md section 5).
//
// Each check looks at the reference (R) and optimized (O) machines, the op's
// primitive logs and the envelope, and appends divergences. They only look
// at the blocks the op touched (plus the TLB), so a check costs what the op
// changed, not the size of the window.
#ifndef PTEDIFF_HARNESS_CHECKS_H_
#define PTEDIFF_HARNESS_CHECKS_H_

#include <vector>

#include "harness/divergence.h"
#include "harness/envelope.h"
#include "harness/flows.h"

namespace ptediff {

struct CheckContext {
  const Machine& ref;
  const Machine& opt;
  const Envelope& env;  // pre-op bits for return values, post-op for state
  const Prepared& op;
  size_t op_index;
};

// pte-state, access-dirty and cont-malformed over the touched blocks.
void check_state(const CheckContext& c, const std::vector<BlockRef>& blocks,
                 std::vector<Divergence>* out);
// return-value: R's and O's returns, pairwise (call before Envelope::update).
void check_returns(const CheckContext& c, const std::vector<Ret>& r, const std::vector<Ret>& o,
                   std::vector<Divergence>* out);
// flush-missing (only when R's op flushed), bbm, out-of-window/contract.
void check_log(const CheckContext& c, std::vector<Divergence>* out);
// tlb-stale: an O TLB entry granting more than O's table for a page R's
// version of the op invalidated.
void check_tlb(const CheckContext& c, std::vector<Divergence>* out);

// Whether an entry change needs a TLB flush: validity lost, output address or
// memory attributes changed, or write permission / hardware dirty lost.
// Access-flag-only changes never do.
bool change_needs_flush(const ptediff_geometry& geo, pte_t old_pte, pte_t new_pte);

// Whether TLB entry `t` of machine `m` grants more for page va than m's
// table does now (invalid, other address, or write on a read-only entry).
bool tlb_entry_stale(const Machine& m, const TlbEntry& t, uint64_t va);

// The touched blocks of an op: every block either machine wrote.
std::vector<BlockRef> touched_blocks(const Machine& ref, const Machine& opt);

}  // namespace ptediff

#endif  // PTEDIFF_HARNESS_CHECKS_H_
