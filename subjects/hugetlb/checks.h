// ptediff hugetlb: the conformance checks run after every op (docs/DESIGN.md §10.4).
//
// Each check appends at most one divergence (the first violation it finds)
// and uses the shared classes of oracle/divergence.h:
//   return-value   an observation (returned entry, fault outcome) differs
//   pte-state      an entry differs without its access/dirty state
//   access-dirty   a huge page's young or dirty state (ORed over its range) differs
//   flush-missing  O's TLB still caches a translation its tables no longer allow
//   bbm            O changed a contiguous range's output or size over a live or
//                  unflushed one
//   lock           O's flow took a lock core-mm does not take for the entries,
//                  or O wrote an entry under none of the locks its flow took
//   contract / out-of-window  as for every subject
#ifndef PTEDIFF_SUBJECTS_HUGETLB_CHECKS_H_
#define PTEDIFF_SUBJECTS_HUGETLB_CHECKS_H_

#include <cstdint>
#include <vector>

#include "oracle/divergence.h"
#include "subjects/hugetlb/flows.h"

namespace ptediff::hugetlb {

// The entry as compared bit for bit: a present entry without young, dirty
// and (when DBM-writable) RDONLY, which hardware dirtying clears; a
// migration entry without its remembered young/dirty; anything else whole.
// CONT and the descriptor type stay: they are part of a huge mapping.
pte_t entry_norm_huge(const ptediff_geometry& g, pte_t e);

// The huge pages (mm, va) an op may have changed: the program's pages.
struct PageRef {
  uint32_t mm;
  uint64_t va;
  bool operator==(const PageRef&) const = default;
};

// Huge pages whose young state R and O may legitimately disagree on (see
// check_state): an old range accessed through a TLB that still caches it
// young. A page stays in the set until both sides agree again.
using YoungUncertain = std::vector<PageRef>;

// Adds to `uncertain` every page of `pages` that a side's TLB caches young
// while its entries are all old: accesses served by that TLB set no access
// flag. The kernel accepts this wherever it makes entries old without a
// flush (DAMON's damon_hugetlb_mkold, ptep_test_and_clear_young), so young
// may differ from then on (a migration entry even remembers it) until both
// sides agree again with no such translation left.
void note_young_uncertain(const Side& r, const Side& o, const std::vector<PageRef>& pages,
                          YoungUncertain* uncertain);
// Young uncertainty travels with the entries: fork copies mm 0's to mm 1,
// mremap moves a page's to its destination.
void carry_young_uncertain(const Op& op, const HState& h, YoungUncertain* uncertain);
// Observations pairwise; on a page of `uncertain`, the young bit of a
// returned entry and the result of huge_ptep_set_access_flags are not
// compared.
void check_returns(const Side& r, const Side& o, const YoungUncertain& uncertain,
                   std::vector<Divergence>* out);
// Entries of `pages` R against O; updates `uncertain`.
void check_state(const Side& r, const Side& o, const std::vector<PageRef>& pages,
                 YoungUncertain* uncertain, std::vector<Divergence>* out);
void check_tlb(const Side& s, bool is_ref, std::vector<Divergence>* out);
// bbm over O's log: the shared per-entry rule (oracle/log_checks.h
// check_bbm), then what a contiguous range adds: an entry made valid with
// CONT finds every other valid entry of its range consistent (same CONT
// block, consecutive outputs), and after a break anywhere in the range, a
// make that changes the range's output or size (CONT set or dropped) waits
// until a completed invalidation of a matching level covered it; one that
// keeps both (a permission change) need not (checks.cc says why).
void check_bbm(const Side& o, std::vector<Divergence>* out);
// lock: the lock each flow took through huge_pte_lockptr is the one core-mm
// takes for the entries; then the shared check (oracle/log_checks.h) of
// every backend write against the locks the flow took.
void check_locks(const Side& s, bool is_ref, std::vector<Divergence>* out);

// Every check of one op in order, after R and O ran it: both sides'
// violations, young uncertainty carried and noted, returns, entries, both
// TLBs, O's break-before-make, both sides' locks.
void check_op(const Side& r, const Side& o, const Op& op, const std::vector<PageRef>& pages,
              YoungUncertain* uncertain, std::vector<Divergence>* out);

}  // namespace ptediff::hugetlb

#endif  // PTEDIFF_SUBJECTS_HUGETLB_CHECKS_H_
