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
#include <string>
#include <vector>

#include "oracle/divergence.h"
#include "subjects/hugetlb/flows.h"
#include "subjects/hugetlb/pages.h"

namespace ptediff::hugetlb {

// Appends a divergence of class `cls` at (mm, va) saying `what`.
void add_divergence(std::vector<Divergence>* out, DivClass cls, uint32_t mm, uint64_t va,
                    std::string what);

// The entry as compared bit for bit: a present entry without young, dirty
// and (when DBM-writable) RDONLY, which hardware dirtying clears; a
// migration entry without its remembered young/dirty; anything else whole.
// CONT and the descriptor type stay: they are part of a huge mapping.
pte_t entry_norm_huge(const ptediff_geometry& g, pte_t e);

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
// Adds to `dirty_uncertain` every page of `pages` both sides hold clean
// while a side's TLB caches it dirty (a writable translation): writes served
// by that TLB set no dirty state. Only after `mkold`: damon_hugetlb_mkold
// writes a present entry back through set_huge_pte_at without a flush, and a
// hardware write landing between its huge_ptep_get and that store is lost
// (the "racy dirty state clearing" arm64's __check_safe_pte_update names)
// while the translation it cached stays. Every other flow that cleans dirty
// state flushes (mkclean's huge_ptep_clear_flush, mprotect's
// flush_hugetlb_tlb_range), so a dirty translation it leaves over clean
// entries stays a divergence. Hugetlbfs never writes a folio back, so the
// kernel loses nothing by it.
void note_dirty_uncertain(const Side& r, const Side& o, const std::vector<PageRef>& pages,
                          YoungUncertain* dirty_uncertain);
// Young uncertainty travels with the entries: fork copies mm 0's to mm 1,
// mremap moves a page's to its destination.
void carry_young_uncertain(const Op& op, const HState& h, YoungUncertain* uncertain);
// Observations pairwise; on a page of `uncertain`, the young bit of a
// returned entry and the result of huge_ptep_set_access_flags are not
// compared; on one of `dirty_uncertain`, a returned dirty state.
void check_returns(const Side& r, const Side& o, const YoungUncertain& uncertain,
                   std::vector<Divergence>* out, const YoungUncertain* dirty_uncertain = nullptr);
// Entries of `pages` R against O, in order, up to the first divergence;
// updates `uncertain` (and `dirty_uncertain`, whose pages' dirty state is
// not compared). Returns how many pages it found alike before it (all of
// them when there is none).
size_t check_state(const Side& r, const Side& o, const std::vector<PageRef>& pages,
                   YoungUncertain* uncertain, std::vector<Divergence>* out,
                   YoungUncertain* dirty_uncertain = nullptr);
void check_tlb(const Side& s, bool is_ref, std::vector<Divergence>* out);
// bbm over O's log: the shared per-entry rule (oracle/log_checks.h
// check_bbm), then what a contiguous range adds: an entry made valid with
// CONT finds every other valid entry of its range consistent (same CONT
// block, consecutive outputs), and after a break anywhere in the range, a
// make that changes the range's output or size (CONT set or dropped) waits
// until a completed invalidation of a matching level covered it; one that
// keeps both (a permission change) need not (bbm.cc says why). Returns
// false, judging only the shared rule, when it needs the reads O's machine
// did not log (Machine::set_log_reads): O wrote an entry above the hstate's
// level, whose fresh tables zero entries no record names, so their values
// at the op's start are the ones reads saw. Run again with reads then.
bool check_bbm(const Side& o, std::vector<Divergence>* out);
// lock: the lock each flow took through huge_pte_lockptr is the one core-mm
// takes for the entries; then the shared check (oracle/log_checks.h) of
// every backend write against the locks the flow took.
void check_locks(const Side& s, bool is_ref, std::vector<Divergence>* out);

// What the checks carry from op to op: the young-uncertain pages, and the
// named pages R and O may hold differently (unsettled). Every other named
// page check_state found alike, not young-uncertain, and neither side wrote
// it since, so it is alike still: the checks need not look at it again.
struct CheckState {
  YoungUncertain uncertain;
  YoungUncertain dirty_uncertain;  // note_dirty_uncertain
  PosSet unsettled;                // positions in the PageIndex
  size_t seen = 0;  // pages named when the last op was checked (newer ones are unsettled)
  // check_bbm could not judge an op without the reads O did not log.
  bool reads_missing = false;
};

// Every check of one op in order, after R and O ran it: both sides'
// violations, young uncertainty carried and noted, returns, entries, both
// TLBs, O's break-before-make, both sides' locks; over every page of
// `pages`, as if each were looked at. With `every_page` each one is; else
// the young uncertainty is noted on the pages a young translation of either
// TLB overlaps (no other may be), and check_state looks at the unsettled
// pages after adding those either side wrote since the last check: O's log,
// R's log and journal (Side::journal: R's op is rewound and run again, its
// events before the op are not in its log). Only poke_level writes entries
// past them: Side::reset, before any page is named, and Side::rewind, which
// restores what the oracle's State was saved with. `opt_written`: the
// pages O's log wrote (PageIndex::add_written), when the caller has them.
void check_op(const Side& r, const Side& o, const Op& op, const PageIndex& pages, bool every_page,
              const PosSet* opt_written, CheckState* st, std::vector<Divergence>* out);

}  // namespace ptediff::hugetlb

#endif  // PTEDIFF_SUBJECTS_HUGETLB_CHECKS_H_
