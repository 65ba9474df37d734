/* ptediff kernel callers: the interface between the two worlds of the callers
 * library, in plain C types only.
 *
 * The kernel world (the cut mm/ functions, the kc/ stub headers,
 * shim/callers.c) sees the kernel's pte_t, a struct; the ptediff world
 * (shim/bridge.c, and the harness through kernel/callers/callers_abi.h) sees
 * include/ptediff/backend.h, whose pte_t is a plain uint64_t. This header is
 * all they share. Entries are named by the fake table pointers of
 * kernel/common/include/kshim/bridge.h (mm slot, level 3, va): slot 0 is the
 * mm a call is about (fork: the parent), slot 1 the fork child. The arch API
 * the callers call goes to the backend table under test, one call each.
 */
#ifndef PTEDIFF_KC_BRIDGE_H_
#define PTEDIFF_KC_BRIDGE_H_

#include <stdbool.h>
#include <stdint.h>

/* What one call into the kernel callers did to the folio, rmap and rss
 * state (the folio/rmap/mmu_gather model of kc/rmap.h): deltas the harness
 * accumulates per run, and the marks of zap's folio accounting. */
struct kc_acct {
  int64_t rss[4];      /* MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES */
  int64_t refcount;    /* folio_get/put, folio_ref_add/sub */
  int64_t mapcount;    /* rmap dup (fork) and removal (zap, or deferred) */
  int64_t delayed;     /* zap: rmap removals waiting for the TLB flush */
  int64_t gathered;    /* zap: pages handed to the mmu_gather for freeing */
  int64_t wrprotected; /* fork: parent entries wrprotect_ptes() made read-only */
  uint32_t marks;      /* zap: bit 0 folio_mark_accessed, bit 1 folio_mark_dirty */
  uint32_t warnings;   /* kernel warnings and bad-pte reports that fired */
};

/* The mmu_gather of one zap op, kept by the harness across its calls: the
 * range tlb_remove_tlb_entries() gathered and whether the kernel asked for
 * the flush before the page-table lock drops (force_flush). */
struct kc_gather {
  uint64_t start, end; /* end == 0: nothing gathered */
  bool fullmm;
  bool delayed_rmap;
  bool force_flush;
  bool force_break;
};

/* The arch API on the entry a fake pointer names (the backend table). */
uint64_t kc_ptep_get(uintptr_t ptep);
void kc_set_ptes(uintptr_t ptep, uint64_t pte, unsigned nr);
void kc_wrprotect_ptes(uintptr_t ptep, unsigned nr);
uint64_t kc_get_and_clear_full_ptes(uintptr_t ptep, unsigned nr, int full);
void kc_clear_full_ptes(uintptr_t ptep, unsigned nr, int full);
uint64_t kc_ptep_get_and_clear(uintptr_t ptep);
unsigned kc_pte_batch_hint(uintptr_t ptep, uint64_t pte);

/* The accounting of the current call (never NULL inside a call). */
extern _Thread_local struct kc_acct *kc_acct_cur;
/* A kernel warning or bad-pte report: counted, and reported to the harness
 * as a contract error naming `what`. */
void kc_warn(const char *what);

/* The kernel world's entries (shim/callers.c), run by the ptediff world
 * with the machine entered. fork: copy_present_ptes() from slot 0 to slot 1
 * at addr; zap: zap_present_ptes() in slot 0 under `g`. Both return what the
 * kernel function returns. */
int kc_copy_present_ptes(uint64_t addr, uint64_t pte, int max_nr);
int kc_zap_present_ptes(uint64_t addr, uint64_t pte, unsigned max_nr, struct kc_gather *g);
/* The answer the stubs give for a Kconfig symbol ("CONFIG_SMP"): 1 or 0,
 * -1 for a symbol they do not answer. */
int kc_config(const char *symbol);

#endif /* PTEDIFF_KC_BRIDGE_H_ */
