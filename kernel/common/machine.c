/* ptediff kernel shim: the ptediff world's common side of every kernel
 * backend (see kshim/machine.h).
 *
 * The primitives the arch layer issues (kshim_read, ...) decode their fake
 * table pointer back to (mm, level, va) and call the machine: the v1
 * primitive for a PTE, the machine v2 level primitive above it. Everything
 * a call sets up is thread local and cleared when it leaves.
 */
#include "kshim/machine.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A call that issues more primitives than this is spinning (e.g.
 * contpte_ptep_get_lockless retrying forever on a block that can never be
 * consistent in a sequential run, or a cmpxchg loop that can never
 * succeed): the guard reports it and makes the primitives inert so the call
 * returns. The largest call that is no livelock, the linear map's repaint
 * of a whole 4K window (2^19 PTEs, each walked and written, and their
 * tables'), stays well below it. */
#define KSHIM_PRIM_BUDGET (1u << 22)

_Thread_local struct kshim_geometry kshim_geo;
_Thread_local struct mm_struct init_mm;
_Thread_local const struct ptediff_machine *kshim_cur;
_Thread_local const struct kshim_site *kshim_site_cur;
static _Thread_local unsigned prims_left;

/* The kernel world's site record is the ABI's. */
_Static_assert(sizeof(struct kshim_site) == sizeof(struct ptediff_site), "site layout");
_Static_assert(offsetof(struct kshim_site, file) == offsetof(struct ptediff_site, file), "file");
_Static_assert(offsetof(struct kshim_site, func) == offsetof(struct ptediff_site, func), "func");
_Static_assert(offsetof(struct kshim_site, line) == offsetof(struct ptediff_site, line), "line");

static struct kshim_run *run_of(const struct ptediff_machine *m) { return m->backend_priv; }

void kshim_report(const char *what) { kshim_cur->contract_error(kshim_cur, what); }

/* Spends one primitive of the call's budget; false once it is exhausted. */
static bool spend(void) {
  if (prims_left == 0) return false;
  if (--prims_left == 0)
    kshim_report("kernel code livelock: primitive budget of one call exhausted");
  return prims_left > 0;
}

/* Hands the current site to the machine before a primitive (a machine
 * before v3 has no set_site: no sites). */
static void tell_site(void) {
  if (kshim_cur->machine_version >= 3 && kshim_cur->set_site != NULL)
    kshim_cur->set_site(kshim_cur, (const struct ptediff_site *)kshim_site_cur);
}

/* The machine's mm, level and va of a fake pointer; NULL (reported) for a
 * pointer of no mm or of no machine level. */
static struct ptediff_mm *decode(uintptr_t p, int *level, uint64_t *va) {
  const uint64_t slot = kshim_ptr_slot(p);
  const struct kshim_run *run = run_of(kshim_cur);
  *level = kshim_ptr_level(p);
  *va = kshim_ptr_va(p);
  if (*level == KSHIM_LEVEL_PGD) {
    kshim_report("kernel code accessed a PGD/P4D entry (the machine has none)");
    return NULL;
  }
  if (slot == 0 && init_mm.pmm != NULL) return init_mm.pmm;
  if (slot != 0 && run != NULL && slot < run->nr_mms) return run->mms[slot].pmm;
  kshim_report("kernel code used a table pointer of no mm");
  return NULL;
}

__attribute__((weak)) uintptr_t kshim_table_alias(uintptr_t p) { return 0; }

/* Whether *p is plain memory (kshim/bridge.h); a pointer into an installed
 * table page becomes the fake pointer of its machine entry. */
static bool plain_memory(uintptr_t *p) {
  if (((uint64_t)*p >> KSHIM_SLOT_SHIFT) != 0) return false;
  const uintptr_t alias = kshim_table_alias(*p);
  if (alias == 0) return true;
  *p = alias;
  return false;
}

#define KSHIM_DECODE(p) \
  int level;            \
  uint64_t va;          \
  struct ptediff_mm *pmm = decode((p), &level, &va)

/* KSHIM_DECODE, then the checks every entry primitive makes: a known mm, the
 * call's budget; the site told. */
#define KSHIM_ENTRY_PRIM(p, fallback)           \
  KSHIM_DECODE(p);                              \
  if (pmm == NULL || !spend()) return fallback; \
  tell_site()

uint64_t kshim_read(uintptr_t p) {
  if (plain_memory(&p)) return *(const uint64_t *)p;
  KSHIM_ENTRY_PRIM(p, 0);
  return level == KSHIM_LEVEL_PTE ? kshim_cur->read(kshim_cur, pmm, va)
                                  : kshim_cur->read_level(kshim_cur, pmm, va, level);
}

void kshim_write(uintptr_t p, uint64_t val) {
  if (plain_memory(&p)) {
    *(uint64_t *)p = val;
    return;
  }
  KSHIM_ENTRY_PRIM(p, );
  if (level == KSHIM_LEVEL_PTE) {
    kshim_cur->write(kshim_cur, pmm, va, val);
  } else {
    kshim_cur->write_level(kshim_cur, pmm, va, level, val);
  }
}

uint64_t kshim_xchg(uintptr_t p, uint64_t val) {
  KSHIM_ENTRY_PRIM(p, 0);
  return level == KSHIM_LEVEL_PTE ? kshim_cur->xchg(kshim_cur, pmm, va, val)
                                  : kshim_cur->xchg_level(kshim_cur, pmm, va, level, val);
}

/* The machine's cmpxchg reports the value found through *old; the kernel's
 * returns it. A refused or inert one returns `old`, which ends the loop. */
uint64_t kshim_cmpxchg(uintptr_t p, uint64_t old, uint64_t val) {
  KSHIM_ENTRY_PRIM(p, old);
  pte_t found = old;
  const bool done = level == KSHIM_LEVEL_PTE
                        ? kshim_cur->cmpxchg(kshim_cur, pmm, va, &found, val)
                        : kshim_cur->cmpxchg_level(kshim_cur, pmm, va, level, &found, val);
  return done ? old : found;
}

void kshim_flush_tlb_range(struct mm_struct *mm, unsigned long start, unsigned long end,
                           unsigned long stride, bool last_level, int tlb_level, bool sync) {
  tell_site();
  kshim_cur->flush_tlb_range(kshim_cur, mm->pmm, start, end, stride, last_level, tlb_level, sync);
}

void kshim_flush_tlb_mm(struct mm_struct *mm) {
  tell_site();
  kshim_cur->flush_tlb_mm(kshim_cur, mm->pmm);
}

void kshim_dsb(void) {
  tell_site();
  kshim_cur->dsb(kshim_cur);
}

/* A feature bit, not a table access: nothing to log. */
bool kshim_bbml2_noabort(void) { return (kshim_cur->features & PTEDIFF_FEAT_BBML2) != 0; }

uint64_t kshim_ptlock_of(uintptr_t p) {
  KSHIM_DECODE(p);
  return pmm != NULL
             ? kshim_cur->ptlock_ptr(kshim_cur, kshim_cur->ptep_of(kshim_cur, pmm, va, level))
             : 0;
}

uint64_t kshim_mm_lock(struct mm_struct *mm) { return kshim_cur->mm_lock(kshim_cur, mm->pmm); }

void kshim_folio_of(uint64_t pfn, uint64_t *start_pfn, uint64_t *nr_pages) {
  struct ptediff_folio f;
  if (kshim_cur->folio_of(kshim_cur, pfn, &f)) {
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
  kshim_report(msg);
}

void kshim_enter(const struct ptediff_machine *m) {
  const struct kshim_run *run = run_of(m);
  kshim_cur = m;
  kshim_site_cur = NULL;
  prims_left = KSHIM_PRIM_BUDGET;
  kshim_geo = (struct kshim_geometry){.page_shift = m->geo.page_shift,
                                      .ptrs_per_pte = m->geo.ptrs_per_pte,
                                      .cont_ptes = m->geo.cont_ptes,
                                      .pmd_shift = m->geo.pmd_shift,
                                      .cont_pmds = m->geo.cont_pmds,
                                      .pa_bits = m->geo.pa_bits,
                                      .hsize = run != NULL ? run->hsize : 0};
}

const char *kshim_addr_problem(uint64_t addr) {
  if (addr & ((1ULL << kshim_geo.page_shift) - 1)) return "addr not page aligned";
  if (addr >= kshim_va_limit(kshim_geo.page_shift)) return "addr beyond the shim's table window";
  return NULL;
}

struct mm_struct *kshim_refuse(const char *fn, const char *why, uint64_t addr, const char *what,
                               long long value) {
  char msg[160];
  snprintf(msg, sizeof(msg), "%s: %s (addr %#llx, %s %lld)", fn, why, (unsigned long long)addr,
           what, value);
  kshim_report(msg);
  return NULL;
}

struct mm_struct *kshim_mm_struct_of(struct ptediff_mm *pmm) {
  struct kshim_run *run = run_of(kshim_cur);
  if (run == NULL) {
    kshim_report("kernel backend used without init");
    return NULL;
  }
  if (!kshim_cur->mm_is_user(kshim_cur, pmm)) {
    init_mm = (struct mm_struct){.pmm = pmm, .slot = 0};
    return &init_mm;
  }
  for (unsigned i = 1; i < run->nr_mms; i++) {
    if (run->mms[i].pmm == pmm) return &run->mms[i];
  }
  if (run->nr_mms == KSHIM_MAX_MMS) {
    kshim_report("kernel backend: too many mms in one run");
    return NULL;
  }
  run->mms[run->nr_mms] = (struct mm_struct){.pmm = pmm, .slot = run->nr_mms};
  return &run->mms[run->nr_mms++];
}

void kshim_leave(void) {
  /* The harness's own primitives after the call (core-mm's flushes) have no
   * kernel line. */
  kshim_site_cur = NULL;
  if (kshim_cur != NULL) tell_site();
  kshim_cur = NULL;
  init_mm = (struct mm_struct){0};
  kshim_geo = (struct kshim_geometry){0};
}

int kshim_init(struct ptediff_machine *m, const char *options, const char *name,
               kshim_option_fn accept, const char *usage) {
  struct kshim_run *run = calloc(1, sizeof(*run));
  if (run == NULL) {
    char msg[160];
    snprintf(msg, sizeof(msg), "%s: out of memory", name);
    m->contract_error(m, msg);
    return 1;
  }
  run->nr_mms = 1; /* slot 0: init_mm */
  for (const char *p = options ? options : ""; *p != '\0';) {
    const size_t len = strcspn(p, " ");
    char word[96];
    bool ok = len < sizeof(word);
    if (ok && len > 0) {
      memcpy(word, p, len);
      word[len] = '\0';
      ok = accept(word, run);
    }
    if (!ok) {
      char msg[224];
      snprintf(msg, sizeof(msg), "%s: unsupported option '%.*s' (%s)", name, (int)len, p, usage);
      m->contract_error(m, msg);
      free(run);
      return 1;
    }
    p += len + (p[len] == ' ');
  }
  m->backend_priv = run;
  return 0;
}

void kshim_fini(struct ptediff_machine *m) {
  free(m->backend_priv);
  m->backend_priv = NULL;
}
