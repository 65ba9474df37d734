// ptediff optimized backend: arm64's private, contiguous-unaware helpers.
//
// These model the double-underscore layer of arch/arm64/include/asm/pgtable.h
// (__set_ptes, __ptep_get_and_clear, __ptep_set_access_flags, ...): they act on
// exactly the entries they name and never look at PTE_CONT. The contpte layer
// builds on them; nothing outside optimized/ calls them.
#ifndef PTEDIFF_SUBJECTS_CONTPTE_PLAIN_H_
#define PTEDIFF_SUBJECTS_CONTPTE_PLAIN_H_

#include <cstdint>

#include "subjects/contpte/ctx.h"

namespace ptediff::contpte::plain {

void set_ptes(const Ctx& c, uint64_t addr, pte_t pte, uint64_t nr);
void pte_clear(const Ctx& c, uint64_t addr);
pte_t ptep_get_and_clear(const Ctx& c, uint64_t addr);
int ptep_test_and_clear_young(const Ctx& c, uint64_t addr);
int ptep_clear_flush_young(const Ctx& c, uint64_t addr);
void ptep_set_wrprotect(const Ctx& c, uint64_t addr, pte_t guess);
void wrprotect_ptes(const Ctx& c, uint64_t addr, uint64_t nr);
int ptep_set_access_flags(const Ctx& c, uint64_t addr, pte_t entry, int dirty);
void clear_full_ptes(const Ctx& c, uint64_t addr, uint64_t nr);
pte_t get_and_clear_full_ptes(const Ctx& c, uint64_t addr, uint64_t nr);
void clear_young_dirty_ptes(const Ctx& c, uint64_t addr, uint64_t nr, unsigned flags);

}  // namespace ptediff::contpte::plain

#endif  // PTEDIFF_SUBJECTS_CONTPTE_PLAIN_H_
