// ptediff: the C ABI between the harness and a page-table backend.
//
// A backend is a table of function pointers named after the page-table API
// arm64 presents to core-mm. It touches the simulated machine only through the
// primitives in `struct ptediff_machine` (READ_ONCE, WRITE_ONCE, xchg, cmpxchg,
// TLB maintenance, barriers); every primitive call is logged and counted, which
// is what lets the harness check flush coverage and break-before-make order.
// Entries are addressed by (mm, virtual address), never by raw pointers.
//
// An external backend is a shared library exporting `ptediff_backend_v1()`.
#ifndef PTEDIFF_BACKEND_H_
#define PTEDIFF_BACKEND_H_

#include <stdbool.h>
#include <stdint.h>

#include "ptediff/pte.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PTEDIFF_ABI_VERSION 1
// Machine v2: the level-generic entry primitives at the end of
// `struct ptediff_machine` exist (a v1 backend never looks past its fields).
// Machine v3: set_site after them.
#define PTEDIFF_MACHINE_VERSION 3

// Translation levels (the TLB level hints): 3 PTE, 2 PMD, 1 PUD.
#define PTEDIFF_LEVEL_PTE 3
#define PTEDIFF_LEVEL_PMD 2
#define PTEDIFF_LEVEL_PUD 1

// Machine features (`ptediff_machine.features`).
#define PTEDIFF_FEAT_HAFDBS (1u << 0)  // hardware access flag and dirty state updates
#define PTEDIFF_FEAT_BBML2 (1u << 1)   // BBML2_NOABORT: size changes need no break-before-make
#define PTEDIFF_FEAT_LPA2 (1u << 2)    // FEAT_LPA2: TLBI level hint 0 names level 0;
                                       // unknown is TLBI_TTL_UNKNOWN

// clear_young_dirty_ptes flags (as in include/linux/mm_types.h).
#define CYDP_CLEAR_YOUNG 0x01u
#define CYDP_CLEAR_DIRTY 0x02u

// Strips the parentheses of a macro argument list: PTEDIFF_UNPAREN (a, b) -> a, b.
#define PTEDIFF_UNPAREN(...) __VA_ARGS__

// One address space. Opaque to backends.
struct ptediff_mm;

// The folio a pfn belongs to, as page_folio() would say.
struct ptediff_folio {
  uint64_t id;         // stable identity, unique per folio
  uint64_t start_pfn;  // first pfn (folios are physically contiguous)
  uint64_t nr_pages;   // 1 << order
};

// Where in a backend's source a primitive was issued (machine v3, set_site),
// e.g. {"<build>/src-6.12/contpte.c", "contpte_set_ptes", 275}; reports show
// "contpte.c:275 contpte_set_ptes" (the file's basename).
struct ptediff_site {
  const char* file;  // __FILE__
  const char* func;  // __func__
  uint32_t line;     // __LINE__
};

// The simulated machine as a backend sees it. The primitives act on the entry
// mapping `addr` (page aligned) at the last level of `mm`'s tables. An address
// outside the mm's window is refused (the harness reports `out-of-window`)
// and reads as 0; it never crashes anything.
struct ptediff_machine {
  uint32_t abi_version;  // PTEDIFF_ABI_VERSION
  uint32_t features;     // PTEDIFF_FEAT_*
  struct ptediff_geometry geo;
  void* priv;          // the machine implementation; do not touch
  void* backend_priv;  // free for the backend (set in init, released in fini)

  // READ_ONCE of one entry.
  pte_t (*read)(const struct ptediff_machine* m, struct ptediff_mm* mm, uint64_t addr);
  // WRITE_ONCE of one entry (__set_pte without the barriers).
  void (*write)(const struct ptediff_machine* m, struct ptediff_mm* mm, uint64_t addr, pte_t val);
  // Atomic exchange (__ptep_get_and_clear when val == 0); returns the old value.
  pte_t (*xchg)(const struct ptediff_machine* m, struct ptediff_mm* mm, uint64_t addr, pte_t val);
  // Atomic compare-and-exchange: if the entry equals *old it becomes val and
  // true is returned; otherwise *old receives the current value.
  bool (*cmpxchg)(const struct ptediff_machine* m, struct ptediff_mm* mm, uint64_t addr, pte_t* old,
                  pte_t val);
  // TLBI for every `start + k*stride < end`. last_level: leaf entries only;
  // tlb_level: the level hint (3 for PTEs); 0 = unknown, but with
  // PTEDIFF_FEAT_LPA2 0 is a level-0 hint (it invalidates nothing the machine
  // caches) and unknown is TLBI_TTL_UNKNOWN (INT_MAX: any value outside
  // 0..3); sync: the
  // trailing DSB is issued (otherwise the invalidation completes at the next
  // dsb or synced flush).
  void (*flush_tlb_range)(const struct ptediff_machine* m, struct ptediff_mm* mm, uint64_t start,
                          uint64_t end, uint64_t stride, bool last_level, int tlb_level, bool sync);
  // Invalidate every entry of the mm (synced).
  void (*flush_tlb_mm)(const struct ptediff_machine* m, struct ptediff_mm* mm);
  // DSB ISH: completes pending invalidations.
  void (*dsb)(const struct ptediff_machine* m);

  // Facts the kernel knows without touching page tables (not logged).
  bool (*mm_is_user)(const struct ptediff_machine* m, struct ptediff_mm* mm);  // mm != &init_mm
  bool (*folio_of)(const struct ptediff_machine* m, uint64_t pfn, struct ptediff_folio* out);
  // A backend reports a caller contract violation (bad address, nr crossing a
  // table, set_ptes nr>1 over a present entry...) and returns without acting.
  void (*contract_error)(const struct ptediff_machine* m, const char* what);

  // Machine v2 (machine_version >= 2): the same four entry primitives for
  // the entry mapping `addr` at `level` (PTEDIFF_LEVEL_*). Level 3 is the
  // primitives above. An upper (PMD, PUD) entry holds a table descriptor
  // (value 3: the tables below are in use), a block leaf, or anything else;
  // a PTE under an upper entry that is not a table descriptor is refused
  // (there is no table), and so is a PUD the window does not cover whole.
  uint32_t machine_version;  // PTEDIFF_MACHINE_VERSION
  pte_t (*read_level)(const struct ptediff_machine* m, struct ptediff_mm* mm, uint64_t addr,
                      int level);
  void (*write_level)(const struct ptediff_machine* m, struct ptediff_mm* mm, uint64_t addr,
                      int level, pte_t val);
  pte_t (*xchg_level)(const struct ptediff_machine* m, struct ptediff_mm* mm, uint64_t addr,
                      int level, pte_t val);
  bool (*cmpxchg_level)(const struct ptediff_machine* m, struct ptediff_mm* mm, uint64_t addr,
                        int level, pte_t* old, pte_t val);
  // Kernel addresses and page-table locks, for code that derives a lock from
  // an entry pointer (huge_pte_lockptr). ptep_of: the entry's address in the
  // linear map (its table page + index); pte_offset_map: the PTE's address
  // through a temporary mapping of its table (kmap_local_page under
  // CONFIG_HIGHPTE); ptlock_ptr: ptlock_ptr(virt_to_ptdesc(kaddr)), the split
  // lock of the page holding kaddr; mm_lock: &mm->page_table_lock. Lock
  // handles are opaque: the harness resolves them (mmu/locks.h).
  uint64_t (*ptep_of)(const struct ptediff_machine* m, struct ptediff_mm* mm, uint64_t addr,
                      int level);
  uint64_t (*pte_offset_map)(const struct ptediff_machine* m, struct ptediff_mm* mm,
                             uint64_t addr);
  uint64_t (*ptlock_ptr)(const struct ptediff_machine* m, uint64_t kaddr);
  uint64_t (*mm_lock)(const struct ptediff_machine* m, struct ptediff_mm* mm);

  // Machine v3 (machine_version >= 3): the source site of the primitives
  // the caller issues from now on, until it sets another (NULL: none); a
  // backend that sets one sets NULL before it returns, since the harness's
  // own primitives (core-mm's flushes) have none. Each agent has its own
  // (the op's CPU; a lockless reader runs on another). Optional: a backend
  // that never calls it has no sites. `site` must stay
  // valid while the library is loaded (static storage; the harness never
  // unloads one). Sites are shown next to the primitives (explain,
  // divergence reports), never checked or hashed.
  void (*set_site)(const struct ptediff_machine* m, const struct ptediff_site* site);
};

// The page-table API, with kernel names and kernel contracts: one function
// pointer per call of backend_api.def, where each call is documented. `addr`
// is the virtual address of the (first) entry; `nr` entries are consecutive
// in one table. vma arguments of the kernel become the mm.
struct ptediff_backend {
  uint32_t abi_version;  // PTEDIFF_ABI_VERSION
  const char* name;

  // Per-run set-up: `options` is a space-separated list of key=value
  // (e.g. "profile=fold mutant=none"); unknown keys are an error. Returns 0 on
  // success, nonzero (and calls contract_error) otherwise. May be NULL.
  int (*init)(struct ptediff_machine* m, const char* options);
  void (*fini)(struct ptediff_machine* m);  // may be NULL

  // One function pointer per row of backend_api.def:
  //   RET (*NAME)(const struct ptediff_machine* m, struct ptediff_mm* mm, PARAMS...);
#define PTEDIFF_API(ret, name, params, args) \
  ret (*name)(const struct ptediff_machine* m, struct ptediff_mm* mm, PTEDIFF_UNPAREN params);
#include "ptediff/backend_api.def"
#undef PTEDIFF_API
};

// Exported by an external backend library.
typedef const struct ptediff_backend* (*ptediff_backend_v1_fn)(void);
const struct ptediff_backend* ptediff_backend_v1(void);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // PTEDIFF_BACKEND_H_
