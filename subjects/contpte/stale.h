// ptediff: stale translations and deferred flushes, the rules in one place.
//
// TLB contents of R and O legitimately differ: O flushes whole blocks, caches
// whole CONT blocks, and many calls leave their flush to a caller (mmu_gather,
// fork's flush_tlb_mm, mprotect) who may never issue it in a fuzzed program.
// Six false positives came from this area (conformance/regressions/*.repro).
// Every check that asks "is this stale translation O's fault?" asks here:
//
//  - flush-missing applies only when R's version of the op flushed
//    (docs/DESIGN.md §5.4: ops whose R version does not flush defer it);
//  - tlb-stale blames O only for pages R's op invalidated with a completed
//    flush and that were not already stale before the op (§8.4.5);
//  - an access result decided by a stale cached translation, on either side,
//    is not compared (§8.4.3 access), nor is a spurious fault the arm64 fault
//    path fixes (after_fault_path);
//  - a retried write refused by a stale translation R's op did not
//    invalidate either is the deferring caller's (§8.4.3 retry);
//  - an access R walked and O's TLB decided owes no young (and, through a
//    stale entry, no dirty) bit (§8.4.2 TLB-served access, spurious fault).
#ifndef PTEDIFF_SUBJECTS_CONTPTE_STALE_H_
#define PTEDIFF_SUBJECTS_CONTPTE_STALE_H_

#include <cstdint>
#include <vector>

#include "mmu/machine.h"
#include "subjects/contpte/envelope.h"
#include "subjects/contpte/flows.h"

namespace ptediff {

// One page of a TLB entry that grants more than its table (tlb_entry_stale).
struct StalePage {
  uint32_t mm;
  uint64_t va;
  bool operator==(const StalePage&) const = default;
};

// Whether `stale` lists a page of mm in [va, va + size).
bool any_stale_in(const std::vector<StalePage>& stale, uint32_t mm, uint64_t va, uint64_t size);

// Whether TLB entry `t` of machine `m` grants more for page va than m's
// table does now (invalid, other address, or write on a read-only entry).
bool tlb_entry_stale(const Machine& m, const TlbEntry& t, uint64_t va);

// Whether m's TLB holds a translation of (mm, va) that grants more than m's
// table: an access there is decided by the TLB, not the table.
bool tlb_decided_stale(const Machine& m, uint32_t mm, uint64_t va);

// Every page of m's TLB entries that grants more than m's table.
std::vector<StalePage> stale_tlb_pages(const Machine& m);

// Whether a log holds a TLB flush (flush_tlb_range or flush_tlb_mm).
bool log_flushes(const std::vector<LogRec>& log);

// Whether the invalidations of `log` include one of (mm, va) that completed:
// a synced flush, or a flush followed by a DSB. Unsynced flushes alone are
// young hints (ptep_clear_flush_young's), which no permission depends on.
bool synced_invalidation_hits(const std::vector<LogRec>& log, uint32_t mm, uint64_t va,
                              uint64_t page);

// What an access result `x` on entry `e` ends as once the arm64 fault path
// has handled a spurious fault and the access is retried: an access-flag
// fault is fixed by ptep_set_access_flags (setting AF), a write permission
// fault on a writable entry too (setting dirty, flushing the stale
// read-only translation); other faults stay.
AccessResult after_fault_path(AccessResult x, pte_t e, AccessKind kind, bool hafdbs);

// The access kind of an access or retry return of `op`.
AccessKind access_kind(const Ret& r, const Op& op);

// Whether R's and O's results of one access may legitimately differ (§8.4.3
// access): both completed, one was decided by a stale cached translation, or
// the arm64 fault path makes them agree (a fault a cached translation decided
// is judged as the fault path sees it: on the table, walked).
bool access_results_compatible(const Machine& ref, const Machine& opt, const Op& op, const Ret& r,
                               const Ret& o);

// Whether O's failed retry of a write at (mm, va) was decided by a stale
// cached translation that R's version of this op did not invalidate either
// (§8.4.3 retry): the flush is one a caller deferred and the program never
// issued.
bool retry_refused_by_deferred_flush(const Machine& ref, const Machine& opt, uint32_t mm,
                                     uint64_t va);

// What a walk of entry `e` alone makes of an access of `kind`, the TLB left
// aside (Machine::access's fault priority: translation, access flag,
// permission; FEAT_HAFDBS sets AF and clears RDONLY for a DBM write).
AccessResult walk_verdict(pte_t e, AccessKind kind, bool hafdbs);

// An access R completed by a walk and O served from a cached translation
// without one (ok-tlb): forgives young; when that translation granted more
// than O's table at the moment of the access (`stale`), exempts dirty too
// (§8.4.2 TLB-served access).
void forgive_tlb_hit(uint32_t mm, uint64_t va, bool stale, Envelope* env);

// Accesses R completed by a walk that O's TLB decided without one: forgives
// young, and exempts dirty where O's translation was stale (§8.4.2). A refusal
// counts when O's table, walked, permits the access after the fault path.
// The returns are of an op that ends with its access (an access op, a
// wp_fault retry): O's TLB and table now are as the access found them.
void forgive_tlb_decided(const std::vector<Ret>& rr, const std::vector<Ret>& orr,
                         const Machine& opt, const Op& op, Envelope* env);

// What O's TLB held stale before O ran the op, and R's completed
// invalidations of the op: whom tlb-stale may blame (§8.4.5). An oracle keeps
// one and reuses its buffers.
class StaleLedger {
 public:
  // Between R's op and O's op: snapshots O's stale pages when R's version
  // flushed (otherwise nothing can be blamed on O and none is needed).
  void before_opt(const Machine& ref, const Machine& opt);
  // Whether R's op flushed at all (flush-missing and tlb-stale apply only then).
  bool ref_flushed() const { return ref_flushed_; }
  // Whether O's stale translation of (mm, va) after the op is this op's fault:
  // R's op invalidated the page with a completed flush, and the page was not
  // already stale in O before the op (a flush an earlier caller deferred).
  bool blames_opt(const Machine& ref, uint32_t mm, uint64_t va) const;
  // The same with O's stale pages taken before O ran (O ran first: mid-op
  // events make R's op run once per linearization after O's).
  void set(const Machine& ref, std::vector<StalePage> opt_stale_before) {
    ref_flushed_ = log_flushes(ref.log());
    before_ = ref_flushed_ ? std::move(opt_stale_before) : std::vector<StalePage>{};
  }
  // Without a snapshot (a check run on hand-built machines): notes only
  // whether R's op flushed; no page counts as stale before the op.
  void note_ref_only(const Machine& ref);

 private:
  std::vector<StalePage> before_;
  bool ref_flushed_ = false;
};

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_STALE_H_
