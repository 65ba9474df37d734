// ptediff optimized backend: the contpte layer (arch/arm64/mm/contpte.c).
//
// Block conversion (fold/unfold with break-before-make), the fold and unfold
// policies, access/dirty gathering and the block-wide implementations the
// public wrappers (contpte_api.cc) dispatch to when an entry is valid+CONT.
#ifndef PTEDIFF_SUBJECTS_CONTPTE_CONTPTE_H_
#define PTEDIFF_SUBJECTS_CONTPTE_CONTPTE_H_

#include <cstdint>

#include "subjects/contpte/ctx.h"

namespace ptediff::contpte {

// Block conversion and the fold/unfold policies.
void contpte_convert(const Ctx& c, uint64_t addr, pte_t pte);
void contpte_try_unfold_block(const Ctx& c, uint64_t addr, pte_t pte);  // __contpte_try_unfold
void contpte_try_unfold(const Ctx& c, uint64_t addr, pte_t pte);
void contpte_try_unfold_partial(const Ctx& c, uint64_t addr, uint64_t nr);
void contpte_try_fold_block(const Ctx& c, uint64_t addr, pte_t pte);  // __contpte_try_fold
void contpte_try_fold(const Ctx& c, uint64_t addr, pte_t pte);

// Getters.
pte_t contpte_ptep_get(const Ctx& c, uint64_t addr, pte_t orig_pte);
pte_t contpte_ptep_get_lockless(const Ctx& c, uint64_t addr);

// Setters and block-wide updates.
void contpte_set_ptes(const Ctx& c, uint64_t addr, pte_t pte, uint64_t nr);
int contpte_ptep_test_and_clear_young(const Ctx& c, uint64_t addr);
int contpte_ptep_clear_flush_young(const Ctx& c, uint64_t addr);
int contpte_ptep_set_access_flags(const Ctx& c, uint64_t addr, pte_t orig_pte, pte_t entry,
                                  int dirty);

// Batch helpers (profiles batch and fold).
void contpte_wrprotect_ptes(const Ctx& c, uint64_t addr, uint64_t nr);
void contpte_clear_full_ptes(const Ctx& c, uint64_t addr, uint64_t nr);
pte_t contpte_get_and_clear_full_ptes(const Ctx& c, uint64_t addr, uint64_t nr);
void contpte_clear_young_dirty_ptes(const Ctx& c, uint64_t addr, uint64_t nr, unsigned flags);

}  // namespace ptediff::contpte

#endif  // PTEDIFF_SUBJECTS_CONTPTE_CONTPTE_H_
