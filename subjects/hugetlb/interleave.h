// ptediff hugetlb: ops with mid-op events, and their linearizations
// (docs/DESIGN.md §10.4.1).
//
// O runs the op once, its events fired between its primitives by an
// HwInterleaver (engine/events.h). R is the specification: every event that
// did something on O (an access that completed, a walk that cached) is made
// on R at one of its places, and O must pass the checks against at least one
// combination of places; the oracle (oracle.h) has the rules: which events
// are made on R, what each must show there and whether a combination is
// clean. This file only runs them. An event may go just before or just after the whole
// op (the contpte subject's rule: the op holds the page-table lock, so for
// other agents it happened at one instant); and since a hugetlb op is a
// kernel flow of several calls into the arch code, between which the lock
// does not stop the hardware, also just before or just after the arch call
// it fired in (or, fired between two calls, right there). R's op is rewound
// and run again for every combination tried (Side::mark), the oracle's
// state with it; the first clean one is kept. When none is,
// the op diverges with what the first combination (every event before the
// op) found.
#ifndef PTEDIFF_SUBJECTS_HUGETLB_INTERLEAVE_H_
#define PTEDIFF_SUBJECTS_HUGETLB_INTERLEAVE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/events.h"
#include "oracle/divergence.h"
#include "subjects/hugetlb/checks.h"
#include "subjects/hugetlb/flows.h"
#include "subjects/hugetlb/program.h"

namespace ptediff::hugetlb {

class Oracle;

// Where R makes an event: before the op, after it, or after R's k-th
// backend call of the op returned (kPlaceAfterCalls + k, k >= 1).
inline constexpr uint32_t kPlaceBefore = 0;
inline constexpr uint32_t kPlaceAfter = 1;
inline constexpr uint32_t kPlaceAfterCalls = 2;
inline constexpr uint32_t kNotPlaced = UINT32_MAX;  // it did nothing on O

// What one event did on both sides.
struct EventRecord {
  HwEventOutcome opt;           // on O
  uint32_t place = kNotPlaced;  // on R, in the combination kept (or reported)
  HwEventOutcome ref;           // there
};

// Runs `op`, which has events, on R and O and has `oracle` judge it. *out
// gets the divergences of the reported combination (nothing when one is
// clean); *records what each event did.
void run_op_with_events(Side& r, Side& o, const Op& op, const PageIndex& pages, Oracle* oracle,
                        std::vector<EventRecord>* records, std::vector<Divergence>* out);

// A place for people: "before the op", "after the op", "after call 3".
std::string place_name(uint32_t place);

}  // namespace ptediff::hugetlb

#endif  // PTEDIFF_SUBJECTS_HUGETLB_INTERLEAVE_H_
