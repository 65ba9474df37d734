// ptediff: the conformance checks run after every op (docs/DESIGN.md §5.2).
//
// Each check looks at the reference (R) and optimized (O) machines, the op's
// primitive logs and the envelope, and appends divergences. They only look
// at the blocks the op touched (plus the TLB), so a check costs what the op
// changed, not the size of the window. One file per concern:
// check_state.cc (pte-state, access-dirty, cont-malformed), check_returns.cc
// (return-value), check_flush.cc (flush-missing, bbm, out-of-window,
// contract), check_tlb.cc (tlb-stale); whether a stale translation is O's
// fault is decided in stale.cc, block shapes in block.cc.
#ifndef PTEDIFF_SUBJECTS_CONTPTE_CHECKS_H_
#define PTEDIFF_SUBJECTS_CONTPTE_CHECKS_H_

#include <string>
#include <vector>

#include "subjects/contpte/block.h"
#include "oracle/divergence.h"
#include "oracle/flush.h"
#include "oracle/log_checks.h"
#include "subjects/contpte/envelope.h"
#include "subjects/contpte/flows.h"
#include "subjects/contpte/stale.h"

namespace ptediff {

// What check_log tracks per page of O's log: the pending flush need and the
// break-before-make state.
struct FlushPage {
  uint32_t mm = 0;
  uint64_t va = 0;
  pte_t last_valid = 0;     // the valid entry an invalidation removed
  bool need = false;        // changed in a way that needs a TLB flush
  bool flushed = false;     // a covering TLBI was issued since
  bool synced = false;      // ... and completed (DSB)
  bool need_young = false;  // access flag cleared by a clear_flush_young op
  // The translations a TLB may hold for the page since its last completed
  // invalidation (the old values of the changes that needed one): the first,
  // whether another differs from it beyond access/dirty/write/CONT, and
  // whether any was writable. `upgrade`: a need no final entry can meet (a
  // stale read-only translation ptep_set_access_flags must remove).
  pte_t cached = 0;
  bool cached_mixed = false;
  bool cached_writable = false;
  bool upgrade = false;
};

// Buffers check_log reuses from op to op (an oracle keeps one), so a
// check allocates nothing once they have grown.
struct CheckScratch {
  std::vector<FlushPage> pages;  // the pages tracked this op
  std::vector<uint32_t> slot;    // (mm, page number) -> 1 + index into pages; 0: untracked
  std::vector<size_t> unsynced;  // pages flushed, not yet synced
};

struct CheckContext {
  const Machine& ref;
  const Machine& opt;
  const Envelope& env;  // pre-op bits for return values, post-op for state
  const Prepared& op;
  size_t op_index;
  CheckScratch* scratch = nullptr;  // nullptr: check_log uses its own
  // What O's TLB held stale before the op and whether R's op flushed
  // (StaleLedger::before_opt); check_tlb does not blame O for stale pages
  // it lists. nullptr: none known, R's flush read from its log.
  const StaleLedger* stale = nullptr;
};

// pte-state, access-dirty and cont-malformed over the touched blocks.
void check_state(const CheckContext& c, const std::vector<BlockRef>& blocks,
                 std::vector<Divergence>* out);
// return-value: R's and O's returns, pairwise (call before Envelope::update).
void check_returns(const CheckContext& c, const std::vector<Ret>& r, const std::vector<Ret>& o,
                   std::vector<Divergence>* out);
// flush-missing (only when R's op flushed), bbm, out-of-window/contract:
// the shared rules of oracle/log_checks.h and oracle/flush.h, with the
// per-page state contpte's ops need (FlushPage).
void check_log(const CheckContext& c, std::vector<Divergence>* out);
// lock: every entry a backend wrote must be covered by a lock of c.op.locks
// (R's misses are contract errors of the model).
void check_locks(const CheckContext& c, std::vector<Divergence>* out);
// tlb-stale: an O TLB entry granting more than O's table for a page R's
// version of the op invalidated.
void check_tlb(const CheckContext& c, std::vector<Divergence>* out);

// Appends a divergence of class `cls` at (mm, va) with the block of (mm, va)
// from both sides and both logs as evidence; at most one per class and op.
void add_divergence(const CheckContext& c, DivClass cls, uint32_t mm, uint64_t va, std::string what,
                    std::vector<Divergence>* out);

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_CHECKS_H_
