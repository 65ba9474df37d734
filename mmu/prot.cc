// ptediff: the protections of a private anonymous mapping (see prot.h).
#include "mmu/prot.h"

namespace ptediff {

pte_t vm_page_prot(const ptediff_geometry& geo, uint64_t pfn) {
  // PAGE_READONLY with the access flag set: the user may read, never write
  // (RDONLY, no DBM), and may not execute (PXN, UXN).
  return pfn_pte(&geo, pfn,
                 PTE_VALID | PTE_TYPE_PAGE | PTE_USER | PTE_SHARED | PTE_NG | PTE_PXN | PTE_UXN |
                     PTE_AF | PTE_RDONLY);
}

pte_t page_none(const ptediff_geometry& geo) {
  return (vm_page_prot(geo, 0) & ~(PTE_VALID | PTE_USER)) | PTE_PRESENT_INVALID | PTE_RDONLY |
         PTE_PXN | PTE_UXN;
}

}  // namespace ptediff
