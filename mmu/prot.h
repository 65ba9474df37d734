// ptediff: the protections core-mm gives a private anonymous mapping, as
// entries (arm64's protection_map), shared by every subject's flows.
#ifndef PTEDIFF_MMU_PROT_H_
#define PTEDIFF_MMU_PROT_H_

#include <cstdint>

#include "include/ptediff/pte.h"

namespace ptediff {

// mk_pte(page, vma->vm_page_prot) of a private anonymous vma: young,
// read-only until a write makes it writable (arm64 protection_map).
pte_t vm_page_prot(const ptediff_geometry& geo, uint64_t pfn);
// PAGE_NONE: the default attributes, present-invalid, no user access.
pte_t page_none(const ptediff_geometry& geo);

}  // namespace ptediff

#endif  // PTEDIFF_MMU_PROT_H_
