/* ptediff kernel linear-map shim: what the two worlds of the linear-map
 * backend share (plain C types only, as kshim/bridge.h): the run's knobs and
 * the kernel world's entries, one per row of include/ptediff/linearmap_api.def
 * (shim/entry.c; the ptediff world's table is shim/backend.c).
 */
#ifndef PTEDIFF_KLM_ENTRIES_H_
#define PTEDIFF_KLM_ENTRIES_H_

#include <stdbool.h>
#include <stdint.h>

#include "kshim/bridge.h"

/* What force_pte_mapping(), split_kernel_leaf_mapping() and
 * can_set_direct_map() read: the run's options and what its calls changed.
 * The current call's copy is klm_knobs (thread local). */
struct klm_knobs {
  bool cpu_bbml2;         /* the boot CPU has BBML2 (cpu_supports_bbml3) */
  bool system_bbml2;      /* every CPU has it (system_supports_bbml3) */
  bool caps_finalized;    /* system_capabilities_finalized() */
  bool rodata_full;       /* rodata=full (pageattr.c's rodata_full) */
  bool debug_pagealloc;   /* debug_pagealloc_enabled() */
  bool kfence;            /* arm64_kfence_can_set_direct_map() */
  bool realm;             /* is_realm_world() */
  bool booted;            /* a call other than a mapping has run: maps are hotplug */
  unsigned alloc_failing; /* bit d: table allocations at depth d fail */
};
extern _Thread_local struct klm_knobs klm_knobs;

/* The entries (the rows' contracts are linearmap_api.def's). */
int klm_create_pgd_mapping(uint64_t virt, uint64_t phys, uint64_t size, uint32_t flags);
int klm_split_kernel_leaf_mapping(uint64_t start, uint64_t end);
/* set_memory_ro/rw/x/nx (which: 0..3) and set_memory_valid (4, enable). */
int klm_set_memory(int which, uint64_t addr, int numpages, int enable);
int klm_linear_map_split_to_ptes(uint64_t start, uint64_t end);
/* Releases the run's table pages (init and fini). */
void klm_release_tables(void);

#endif /* PTEDIFF_KLM_ENTRIES_H_ */
