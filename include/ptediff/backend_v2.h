// ptediff: the v2 backend ABI, the hugetlb API over the level-generic machine.
//
// A v2 backend is a table of the hugetlb calls (hugetlb_api.def) that runs on
// machine v2 (read_level/write_level/xchg_level/cmpxchg_level and the lock
// helpers of `struct ptediff_machine`); on machine v3 it may name the source
// site of its primitives (set_site), as a v1 backend may. v1 backends
// (backend.h) are unchanged; the two tables are separate so each subject
// asks for the one it drives.
// An external v2 backend is a shared library exporting `ptediff_backend_v2_get()`.
#ifndef PTEDIFF_BACKEND_V2_H_
#define PTEDIFF_BACKEND_V2_H_

#include "ptediff/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PTEDIFF_ABI_VERSION_V2 2

struct ptediff_backend_v2 {
  uint32_t abi_version;  // PTEDIFF_ABI_VERSION_V2
  const char* name;
  // Per-run set-up, as in v1: `options` is "key=value ..." (hsize=BYTES, the
  // VMA's huge page size; mutant=NAME); unknown keys are an error (nonzero,
  // after contract_error). May be NULL.
  int (*init)(struct ptediff_machine* m, const char* options);
  void (*fini)(struct ptediff_machine* m);  // may be NULL
#define PTEDIFF_HUGETLB_API(ret, name, params, args) \
  ret (*name)(const struct ptediff_machine* m, struct ptediff_mm* mm, PTEDIFF_UNPAREN params);
#include "ptediff/hugetlb_api.def"
#undef PTEDIFF_HUGETLB_API
};

typedef const struct ptediff_backend_v2* (*ptediff_backend_v2_fn)(void);
const struct ptediff_backend_v2* ptediff_backend_v2_get(void);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // PTEDIFF_BACKEND_V2_H_
