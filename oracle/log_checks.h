// ptediff: the checks every subject shares, over the primitive logs of one op
// (docs/DESIGN.md §5.3-§5.6).
//
// Each is written once here and called by every subject's oracle with that
// subject's parameters; a subject whose rule needs more state (the contpte
// subject's per-page flush and break tracker, hugetlb's contiguous-range
// rules) builds it on the predicates declared here rather than restating
// them:
//   out-of-window / contract  check_violations
//   lock                      check_locks
//   bbm                       bbm_change, bbm_needs_break, check_bbm
//   flush-missing             oracle/flush.h (change_needs_flush, FlushLedger)
#ifndef PTEDIFF_ORACLE_LOG_CHECKS_H_
#define PTEDIFF_ORACLE_LOG_CHECKS_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mmu/locks.h"
#include "mmu/machine.h"
#include "mmu/tlb.h"
#include "oracle/contract.h"

namespace ptediff {

// Whether `r` changed an entry: a write, an xchg or a successful cmpxchg
// (refused ones are logged with ok=false), or a hardware access/dirty update.
inline bool is_entry_write(const LogRec& r) {
  return r.ok && (r.prim == Prim::kWrite || r.prim == Prim::kXchg || r.prim == Prim::kCmpxchg ||
                  r.prim == Prim::kHw);
}
// The same, made by the backend's op itself (not the hardware, nor another
// agent interfering with it: docs/DESIGN.md §5.7).
inline bool is_backend_entry_write(const LogRec& r) {
  return is_entry_write(r) && r.prim != Prim::kHw && r.agent == Agent::kBackend;
}

// Bytes one entry at `level` maps (3 PTE, 2 PMD, 1 PUD).
inline uint64_t entry_bytes(const ptediff_geometry& g, int level) {
  if (level >= kPteLevel) return uint64_t{1} << g.page_shift;
  return level == kPmdLevel ? uint64_t{1} << g.pmd_shift : pud_size(g);
}
// Whether an invalidation with level hint `hint` (LogRec::tlb_level as the
// machine applies it: kTlbAnyLevel, kTlbLevelZero or 1..3) reaches a
// translation cached from an entry at `level`. A TLBI whose TTL names
// another level need not invalidate it (Arm ARM, TLBI by VA with a
// translation table level hint; eed6bfa8b282 "arm64: hugetlb: Fix
// flush_hugetlb_tlb_range() invalidation level").
inline bool tlb_level_reaches(int hint, int level) { return hint == kTlbAnyLevel || hint == level; }
// Whether flush record `f` invalidates mm's translation of the entry at
// (va, level): flush_tlb_mm of that mm, or a range flush of a reaching level
// hint whose addresses hit the entry's span.
bool flush_reaches(const ptediff_geometry& g, const LogRec& f, uint32_t mm, uint64_t va, int level);
// Whether `f` completes every invalidation issued before it: a DSB, a
// synced range flush, flush_tlb_mm.
inline bool completes_invalidations(const LogRec& f) {
  return f.prim == Prim::kDsb || f.prim == Prim::kFlushMm ||
         (f.prim == Prim::kFlushRange && f.sync);
}

// out-of-window and contract: every violation a machine recorded (a
// primitive it refused, logged ok=false or, for a flush, not logged at all;
// a contract error its backend reported), at most one per side and class,
// reported at (mm, va). R's are the model's own errors (contract); O's are
// out-of-window, or contract when O reported them ("contract: ...").
// A subject whose R is no machine passes no R violations.
void check_violations(const std::vector<std::string>& ref, const std::vector<std::string>& opt,
                      uint32_t mm, uint64_t va, Report report);

// lock: the first entry the backend wrote in `log` (is_backend_entry_write)
// that no lock of `held` covers (lock_covering). The contract of every
// entry-modifying helper is that its caller holds the lock covering the
// entry (split PTE/PMD locks, 'mm/hugetlb: fix hugetlb vs. core-mm PT
// locking'). `is_ref`: R's miss is the model's error (contract), O's lock.
void check_locks(const ptediff_geometry& g, const std::vector<LogRec>& log,
                 std::span<const LockId> held, bool is_ref, Report report);

// What replacing a valid entry `before` by a valid `after` at `level`
// changes that break-before-make guards (Arm ARM D8.16 "Using
// break-before-make when updating translation table entries"): the output
// address, the memory type (AttrIndx), or the size (the contiguous bit, or
// a block replaced by a table or the reverse). Access/dirty state and
// permissions are not among them. A table replaced by another table is an
// address change.
enum class BbmChange : uint8_t { kNone, kSize, kAddress, kMemoryType };
BbmChange bbm_change(const ptediff_geometry& g, int level, pte_t before, pte_t after);
const char* bbm_change_name(BbmChange c);
// Whether change `c` needs invalid + completed TLBI in between. With
// BBML2_NOABORT a size-only change does not (83bbd6be7d17 "arm64/mm: Elide
// tlbi in contpte_convert() under BBML2"; the linear map's live splits,
// a166563e7ec3 "arm64: mm: support large block mapping when rodata=full");
// an address or memory-type change always does.
inline bool bbm_needs_break(BbmChange c, bool bbml2) {
  return c != BbmChange::kNone && !(c == BbmChange::kSize && bbml2);
}

// bbm over `log`, per entry (mm, level, address): an entry write (any
// agent's; the hardware's never changes what bbm_change compares) that
// replaces a valid entry by a valid one with a change bbm_needs_break, or
// makes valid again, with such a change, an entry a break of this op
// cleared before an invalidation of it (a flush that reaches it,
// flush_reaches) completed (completes_invalidations). Reports the first.
void check_bbm(const ptediff_geometry& g, const std::vector<LogRec>& log, bool bbml2,
               Report report);

}  // namespace ptediff

#endif  // PTEDIFF_ORACLE_LOG_CHECKS_H_
