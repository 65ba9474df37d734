// ptediff: the conformance checks run after every op (docs/DESIGN.md §5.1).
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

// Buffers check_log reuses from op to op (an executor keeps one), so a
// check allocates nothing once they have grown.
struct CheckScratch {
  std::vector<FlushPage> pages;  // the pages tracked this op
  std::vector<uint32_t> slot;    // (mm, page number) -> 1 + index into pages; 0: untracked
  std::vector<size_t> unsynced;  // pages flushed, not yet synced
};

// One page of a TLB entry that grants more than its table (tlb_entry_stale).
struct StalePage {
  uint32_t mm;
  uint64_t va;
  bool operator==(const StalePage&) const = default;
};

struct CheckContext {
  const Machine& ref;
  const Machine& opt;
  const Envelope& env;  // pre-op bits for return values, post-op for state
  const Prepared& op;
  size_t op_index;
  CheckScratch* scratch = nullptr;  // nullptr: check_log uses its own
  // O's stale TLB pages before the op (taken when R's version flushed);
  // check_tlb does not blame O for them. nullptr: none known.
  const std::vector<StalePage>* stale_before = nullptr;
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

// What an access result `x` on entry `e` ends as once the arm64 fault path
// has handled a spurious fault and the access is retried: an access-flag
// fault is fixed by ptep_set_access_flags (setting AF), a write permission
// fault on a writable entry too (setting dirty, flushing the stale
// read-only translation); other faults stay.
AccessResult after_fault_path(AccessResult x, pte_t e, AccessKind kind, bool hafdbs);

// Whether an entry change needs a TLB flush: validity lost, output address or
// memory attributes changed, or write permission / hardware dirty lost.
// Access-flag-only changes never do.
bool change_needs_flush(const ptediff_geometry& geo, pte_t old_pte, pte_t new_pte);

// Whether TLB entry `t` of machine `m` grants more for page va than m's
// table does now (invalid, other address, or write on a read-only entry).
bool tlb_entry_stale(const Machine& m, const TlbEntry& t, uint64_t va);

// Whether a log holds a TLB flush (flush_tlb_range or flush_tlb_mm).
bool log_flushes(const std::vector<LogRec>& log);

// Every page of m's TLB entries that grants more than m's table.
std::vector<StalePage> stale_tlb_pages(const Machine& m);

// The touched blocks of an op: every block either machine wrote.
std::vector<BlockRef> touched_blocks(const Machine& ref, const Machine& opt);

}  // namespace ptediff

#endif  // PTEDIFF_HARNESS_CHECKS_H_
