/* ptediff kernel shim: the backend table of the kernel's contpte code.
 *
 * The ptediff world's side (include/ptediff/backend.h): each entry makes the
 * machine the current one of this thread, with its geometry, maps the
 * harness's mm to a kernel mm_struct (the machine's non-user mm is init_mm),
 * checks the caller contract and calls the kernel world (shim/entry.c). The
 * primitives the arch layer issues (kshim_read, ...) decode their fake table
 * pointer back to (mm, va) and call the machine. Per-run state (the mm table)
 * lives in backend_priv, allocated by init and released by fini; the thread-
 * local current machine is cleared on the way out of every call.
 */
#include "ptediff/backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kshim/bridge.h"

#ifndef KSHIM_NAME
#define KSHIM_NAME "linux-contpte"
#endif
#ifndef KSHIM_MUTANT
#define KSHIM_MUTANT "none"
#endif

/* A call that issues more primitives than this is spinning (e.g.
 * contpte_ptep_get_lockless retrying forever on a block that can never be
 * consistent in a sequential run): the guard reports it and makes the
 * primitives inert so the call returns. */
#define KSHIM_PRIM_BUDGET (1u << 16)

_Thread_local struct kshim_geometry kshim_geo;
_Thread_local struct mm_struct init_mm;

/* The mms of one run: slot 0 is init_mm, user mms get slots in order of use. */
struct kshim_run {
  struct mm_struct mms[KSHIM_MAX_MMS];
  unsigned nr_mms;
};

static _Thread_local const struct ptediff_machine *cur;
static _Thread_local unsigned prims_left;

static struct kshim_run *run_of(const struct ptediff_machine *m) { return m->backend_priv; }

static void report(const char *what) { cur->contract_error(cur, what); }

/* Spends one primitive of the call's budget; false once it is exhausted. */
static bool spend(void) {
  if (prims_left == 0) return false;
  if (--prims_left == 0) report("kernel code livelock: primitive budget of one call exhausted");
  return prims_left > 0;
}

/* The machine's mm of a fake table pointer, or NULL (reported). */
static struct ptediff_mm *pmm_of(uintptr_t ptep) {
  const uint64_t slot = kshim_ptep_slot(ptep);
  if (slot == 0) return init_mm.pmm;
  const struct kshim_run *run = run_of(cur);
  if (run != NULL && slot < run->nr_mms) return run->mms[slot].pmm;
  report("kernel code used a table pointer of no mm");
  return NULL;
}

#define KSHIM_DECODE(ptep)                                         \
  struct ptediff_mm *pmm = pmm_of(ptep);                           \
  const uint64_t va = kshim_ptep_va((ptep), kshim_geo.page_shift); \
  (void)va

uint64_t kshim_read(uintptr_t ptep) {
  KSHIM_DECODE(ptep);
  return pmm != NULL && spend() ? cur->read(cur, pmm, va) : 0;
}

void kshim_write(uintptr_t ptep, uint64_t val) {
  KSHIM_DECODE(ptep);
  if (pmm != NULL && spend()) cur->write(cur, pmm, va, val);
}

uint64_t kshim_xchg(uintptr_t ptep, uint64_t val) {
  KSHIM_DECODE(ptep);
  return pmm != NULL && spend() ? cur->xchg(cur, pmm, va, val) : 0;
}

/* The machine's cmpxchg reports the value found through *old; the kernel's
 * returns it. A refused or inert one returns `old`, which ends the loop. */
uint64_t kshim_cmpxchg(uintptr_t ptep, uint64_t old, uint64_t val) {
  KSHIM_DECODE(ptep);
  pte_t found = old;
  if (pmm == NULL || !spend() || cur->cmpxchg(cur, pmm, va, &found, val)) return old;
  return found;
}

void kshim_flush_tlb_range(struct mm_struct *mm, unsigned long start, unsigned long end,
                           unsigned long stride, bool last_level, int tlb_level, bool sync) {
  cur->flush_tlb_range(cur, mm->pmm, start, end, stride, last_level, tlb_level, sync);
}

void kshim_flush_tlb_mm(struct mm_struct *mm) { cur->flush_tlb_mm(cur, mm->pmm); }

void kshim_dsb(void) { cur->dsb(cur); }

/* A feature bit, not a table access: nothing to log. */
bool kshim_bbml2_noabort(void) { return (cur->features & PTEDIFF_FEAT_BBML2) != 0; }

void kshim_folio_of(uint64_t pfn, uint64_t *start_pfn, uint64_t *nr_pages) {
  struct ptediff_folio f;
  if (cur->folio_of(cur, pfn, &f)) {
    *start_pfn = f.start_pfn;
    *nr_pages = f.nr_pages;
  } else {
    *start_pfn = pfn;
    *nr_pages = 1;
  }
}

void kshim_warn(const char *file, int line, const char *cond) {
  char msg[256];
  const char *base = strrchr(file, '/');
  snprintf(msg, sizeof(msg), "kernel WARN at %s:%d: %s", base ? base + 1 : file, line, cond);
  report(msg);
}

/* The kernel mm_struct of the harness's mm for this call, or NULL. */
static struct mm_struct *mm_struct_of(struct ptediff_mm *pmm) {
  if (!cur->mm_is_user(cur, pmm)) {
    init_mm.pmm = pmm;
    init_mm.slot = 0;
    return &init_mm;
  }
  struct kshim_run *run = run_of(cur);
  if (run == NULL) {
    report("kernel backend used without init");
    return NULL;
  }
  for (unsigned i = 1; i < run->nr_mms; i++) {
    if (run->mms[i].pmm == pmm) return &run->mms[i];
  }
  if (run->nr_mms == KSHIM_MAX_MMS) {
    report("kernel backend: too many mms in one run");
    return NULL;
  }
  run->mms[run->nr_mms] = (struct mm_struct){.pmm = pmm, .slot = run->nr_mms};
  return &run->mms[run->nr_mms++];
}

/* Enters a call on `nr` entries from `addr`: sets the current machine and
 * geometry and checks the caller contract (nr >= 1, addr page aligned, the
 * entries in one PTE table, addr representable as a fake pointer). Returns
 * the mm_struct, or NULL (reported) when the call must not run. */
static struct mm_struct *enter(const struct ptediff_machine *m, struct ptediff_mm *pmm,
                               const char *fn, uint64_t addr, uint64_t nr) {
  cur = m;
  prims_left = KSHIM_PRIM_BUDGET;
  kshim_geo = (struct kshim_geometry){m->geo.page_shift, m->geo.cont_ptes, m->geo.ptrs_per_pte,
                                      m->geo.pa_bits};
  const uint64_t page = 1ULL << m->geo.page_shift;
  const uint64_t table = (uint64_t)m->geo.ptrs_per_pte << m->geo.page_shift;
  const char *why = NULL;
  if (nr == 0) {
    why = "nr == 0";
  } else if (addr & (page - 1)) {
    why = "addr not page aligned";
  } else if (addr >> (KSHIM_SLOT_SHIFT - 3 + m->geo.page_shift) != 0) {
    why = "addr beyond the shim's table window";
  } else if (nr > m->geo.ptrs_per_pte || addr / table != (addr + (nr - 1) * page) / table) {
    why = "entries cross a PTE table";
  }
  if (why != NULL) {
    char msg[160];
    snprintf(msg, sizeof(msg), "%s: %s (addr %#llx, nr %llu)", fn, why, (unsigned long long)addr,
             (unsigned long long)nr);
    report(msg);
    return NULL;
  }
  return mm_struct_of(pmm);
}

/* Leaves a call: nothing of it stays in the thread-local state. */
static void leave(void) {
  cur = NULL;
  init_mm = (struct mm_struct){0};
  kshim_geo = (struct kshim_geometry){0};
}

/* Every backend entry: enter, run `call` if the contract holds, leave. */
#define KSHIM_CALL(ret_type, fallback, fn, addr, nr, call) \
  struct mm_struct *mm = enter(m, pmm, fn, addr, nr);      \
  ret_type r = fallback;                                   \
  if (mm != NULL) r = call;                                \
  leave();                                                 \
  return r
#define KSHIM_VOID_CALL(fn, addr, nr, call)           \
  struct mm_struct *mm = enter(m, pmm, fn, addr, nr); \
  if (mm != NULL) call;                               \
  leave()

typedef const struct ptediff_machine machine_t;
typedef struct ptediff_mm pmm_t;

static pte_t be_ptep_get(machine_t *m, pmm_t *pmm, uint64_t addr) {
  KSHIM_CALL(pte_t, 0, "ptep_get", addr, 1, kentry_ptep_get(mm, addr));
}
static pte_t be_ptep_get_lockless(machine_t *m, pmm_t *pmm, uint64_t addr) {
  KSHIM_CALL(pte_t, 0, "ptep_get_lockless", addr, 1, kentry_ptep_get_lockless(mm, addr));
}
static void be_set_ptes(machine_t *m, pmm_t *pmm, uint64_t addr, pte_t pte, unsigned nr) {
  KSHIM_VOID_CALL("set_ptes", addr, nr, kentry_set_ptes(mm, addr, pte, nr));
}
static void be_pte_clear(machine_t *m, pmm_t *pmm, uint64_t addr) {
  KSHIM_VOID_CALL("pte_clear", addr, 1, kentry_pte_clear(mm, addr));
}
static pte_t be_ptep_get_and_clear(machine_t *m, pmm_t *pmm, uint64_t addr) {
  KSHIM_CALL(pte_t, 0, "ptep_get_and_clear", addr, 1, kentry_ptep_get_and_clear(mm, addr));
}
static pte_t be_ptep_clear_flush(machine_t *m, pmm_t *pmm, uint64_t addr) {
  KSHIM_CALL(pte_t, 0, "ptep_clear_flush", addr, 1, kentry_ptep_clear_flush(mm, addr));
}
static int be_ptep_test_and_clear_young(machine_t *m, pmm_t *pmm, uint64_t addr) {
  KSHIM_CALL(int, 0, "ptep_test_and_clear_young", addr, 1,
             kentry_ptep_test_and_clear_young(mm, addr));
}
static int be_ptep_clear_flush_young(machine_t *m, pmm_t *pmm, uint64_t addr) {
  KSHIM_CALL(int, 0, "ptep_clear_flush_young", addr, 1, kentry_ptep_clear_flush_young(mm, addr));
}
static void be_ptep_set_wrprotect(machine_t *m, pmm_t *pmm, uint64_t addr) {
  KSHIM_VOID_CALL("ptep_set_wrprotect", addr, 1, kentry_ptep_set_wrprotect(mm, addr));
}
static void be_wrprotect_ptes(machine_t *m, pmm_t *pmm, uint64_t addr, unsigned nr) {
  KSHIM_VOID_CALL("wrprotect_ptes", addr, nr, kentry_wrprotect_ptes(mm, addr, nr));
}
static int be_ptep_set_access_flags(machine_t *m, pmm_t *pmm, uint64_t addr, pte_t entry,
                                    int dirty) {
  KSHIM_CALL(int, 0, "ptep_set_access_flags", addr, 1,
             kentry_ptep_set_access_flags(mm, addr, entry, dirty));
}
static void be_clear_full_ptes(machine_t *m, pmm_t *pmm, uint64_t addr, unsigned nr, int full) {
  KSHIM_VOID_CALL("clear_full_ptes", addr, nr, kentry_clear_full_ptes(mm, addr, nr, full));
}
static pte_t be_get_and_clear_full_ptes(machine_t *m, pmm_t *pmm, uint64_t addr, unsigned nr,
                                        int full) {
  KSHIM_CALL(pte_t, 0, "get_and_clear_full_ptes", addr, nr,
             kentry_get_and_clear_full_ptes(mm, addr, nr, full));
}
static void be_clear_young_dirty_ptes(machine_t *m, pmm_t *pmm, uint64_t addr, unsigned nr,
                                      unsigned flags) {
  KSHIM_VOID_CALL("clear_young_dirty_ptes", addr, nr,
                  kentry_clear_young_dirty_ptes(mm, addr, nr, flags));
}
static pte_t be_ptep_modify_prot_start(machine_t *m, pmm_t *pmm, uint64_t addr) {
  KSHIM_CALL(pte_t, 0, "ptep_modify_prot_start", addr, 1, kentry_ptep_modify_prot_start(mm, addr));
}
static void be_ptep_modify_prot_commit(machine_t *m, pmm_t *pmm, uint64_t addr, pte_t old_pte,
                                       pte_t pte) {
  KSHIM_VOID_CALL("ptep_modify_prot_commit", addr, 1,
                  kentry_ptep_modify_prot_commit(mm, addr, old_pte, pte));
}
static unsigned be_pte_batch_hint(machine_t *m, pmm_t *pmm, uint64_t addr, pte_t pte) {
  KSHIM_CALL(unsigned, 1, "pte_batch_hint", addr, 1, kentry_pte_batch_hint(mm, addr, pte));
}

/* Checks one "key=value" option: profile takes the harness's profile names
 * (the kernel code has one behaviour for all of them); mutant only "none"
 * or the mutant this library was built with. */
static bool option_ok(const char *opt, size_t len) {
  static const char *const kAccepted[] = {"profile=basic", "profile=batch", "profile=fold",
                                          "mutant=none", ("mutant=" KSHIM_MUTANT)};
  for (size_t i = 0; i < sizeof(kAccepted) / sizeof(kAccepted[0]); i++) {
    if (strlen(kAccepted[i]) == len && strncmp(kAccepted[i], opt, len) == 0) return true;
  }
  return false;
}

/* Contract: validates the options, allocates the run's mm table. */
static int be_init(struct ptediff_machine *m, const char *options) {
  for (const char *p = options ? options : ""; *p != '\0';) {
    const size_t len = strcspn(p, " ");
    if (len > 0 && !option_ok(p, len)) {
      char msg[160];
      snprintf(msg, sizeof(msg),
               "%s: unsupported option '%.*s' (profile=basic|batch|fold, "
               "mutant=none)",
               KSHIM_NAME, (int)len, p);
      m->contract_error(m, msg);
      return 1;
    }
    p += len + (p[len] == ' ');
  }
  struct kshim_run *run = calloc(1, sizeof(*run));
  if (run == NULL) {
    m->contract_error(m, KSHIM_NAME ": out of memory");
    return 1;
  }
  run->nr_mms = 1; /* slot 0: init_mm */
  m->backend_priv = run;
  return 0;
}

/* Contract: releases the mm table; safe on a machine init never set up. */
static void be_fini(struct ptediff_machine *m) {
  free(m->backend_priv);
  m->backend_priv = NULL;
}

static const struct ptediff_backend kKernelBackend = {
    .abi_version = PTEDIFF_ABI_VERSION,
    .name = KSHIM_NAME,
    .init = be_init,
    .fini = be_fini,
    .ptep_get = be_ptep_get,
    .ptep_get_lockless = be_ptep_get_lockless,
    .set_ptes = be_set_ptes,
    .pte_clear = be_pte_clear,
    .ptep_get_and_clear = be_ptep_get_and_clear,
    .ptep_clear_flush = be_ptep_clear_flush,
    .ptep_test_and_clear_young = be_ptep_test_and_clear_young,
    .ptep_clear_flush_young = be_ptep_clear_flush_young,
    .ptep_set_wrprotect = be_ptep_set_wrprotect,
    .wrprotect_ptes = be_wrprotect_ptes,
    .ptep_set_access_flags = be_ptep_set_access_flags,
    .clear_full_ptes = be_clear_full_ptes,
    .get_and_clear_full_ptes = be_get_and_clear_full_ptes,
    .clear_young_dirty_ptes = be_clear_young_dirty_ptes,
    .ptep_modify_prot_start = be_ptep_modify_prot_start,
    .ptep_modify_prot_commit = be_ptep_modify_prot_commit,
    .pte_batch_hint = be_pte_batch_hint,
};

__attribute__((visibility("default"))) const struct ptediff_backend *ptediff_backend_v1(void) {
  return &kKernelBackend;
}
