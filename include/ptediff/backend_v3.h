// ptediff: the v3 backend ABI, the kernel linear-map API over the
// level-generic machine.
//
// A v3 backend is a table of the linear-map calls (linearmap_api.def) that
// runs on machine v2 or later (read_level/write_level and the TLB and
// barrier primitives of `struct ptediff_machine`) on the machine's kernel
// mm. Upper entries follow the machine's convention (backend.h): a table
// descriptor is the value 3 and a fresh table below one is all none, so a
// backend that fills a table before installing it (the kernel's split_pmd)
// writes its entries after the descriptor. The v1 (backend.h) and v2
// (backend_v2.h) tables are unchanged; each subject asks for the one it
// drives. An external v3 backend is a shared library exporting
// `ptediff_backend_v3_get()`.
#ifndef PTEDIFF_BACKEND_V3_H_
#define PTEDIFF_BACKEND_V3_H_

#include "ptediff/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PTEDIFF_ABI_VERSION_V3 3

// create_pgd_mapping flags (mmu.c's NO_BLOCK_MAPPINGS, NO_CONT_MAPPINGS).
#define PTEDIFF_LM_NO_BLOCK (1u << 0)
#define PTEDIFF_LM_NO_CONT (1u << 1)

struct ptediff_backend_v3 {
  uint32_t abi_version;  // PTEDIFF_ABI_VERSION_V3
  const char* name;
  // Per-run set-up: `options` is "key=value ..." (bbml2=0|1: the boot CPU
  // has BBML2, and so the system until linear_map_split_to_ptes; a backend
  // may take more, e.g. mutant=NAME); unknown keys are an error (nonzero,
  // after contract_error). May be NULL.
  int (*init)(struct ptediff_machine* m, const char* options);
  void (*fini)(struct ptediff_machine* m);  // may be NULL
#define PTEDIFF_LINEARMAP_API(ret, name, params, args) \
  ret (*name)(const struct ptediff_machine* m, struct ptediff_mm* mm, PTEDIFF_UNPAREN params);
#include "ptediff/linearmap_api.def"
#undef PTEDIFF_LINEARMAP_API
};

typedef const struct ptediff_backend_v3* (*ptediff_backend_v3_fn)(void);
const struct ptediff_backend_v3* ptediff_backend_v3_get(void);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // PTEDIFF_BACKEND_V3_H_
