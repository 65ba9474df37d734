// ptediff: the per-PTE reference backend.
//
// The straightforward implementation of the arm64 page-table API that the
// optimized (contpte) backend is compared against: every call acts on exactly
// the entries it names, one at a time, never sets PTE_CONT, and issues exactly
// the TLB maintenance that arm64's non-contpte __ptep_* helpers issue. It
// touches the machine only through the primitives of `ptediff_machine`.
#ifndef PTEDIFF_SUBJECTS_CONTPTE_REFERENCE_H_
#define PTEDIFF_SUBJECTS_CONTPTE_REFERENCE_H_

#include "ptediff/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

// The reference backend's function table (static storage, never NULL).
const struct ptediff_backend* ptediff_reference_backend(void);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // PTEDIFF_SUBJECTS_CONTPTE_REFERENCE_H_
