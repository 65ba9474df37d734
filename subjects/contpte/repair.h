// ptediff: making a decoded op legal in the current state.
//
// Binary inputs decode to ops whose operands are in range but not necessarily
// legal for the call's contract in the current state (set_ptes over present
// entries, a batch crossing a folio, MADV_FREE of part of a folio...).
// prepare_op repairs them the way a caller that respects the contract would,
// looking at the reference machine's tables (without logging), and allocates
// the folios the op needs. Repair is idempotent: a repaired op repairs to
// itself, so the text form of a program replays exactly.
#ifndef PTEDIFF_SUBJECTS_CONTPTE_REPAIR_H_
#define PTEDIFF_SUBJECTS_CONTPTE_REPAIR_H_

#include "subjects/contpte/flows.h"
#include "mmu/folio.h"
#include "mmu/machine.h"

namespace ptediff {

// Fills *out from `in`; returns false when the op cannot be made legal (the
// caller skips and counts it). Folios are allocated from `folios` only when
// the op is kept.
bool prepare_op(const Op& in, const Machine& ref, FolioMap& folios, Prepared* out);

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_REPAIR_H_
