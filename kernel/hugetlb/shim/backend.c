/* ptediff kernel hugetlb shim: the v2 backend table of the kernel's
 * hugetlbpage.c (libhugetlb-<version>.so).
 *
 * The ptediff world's side (include/ptediff/backend_v2.h): each entry makes
 * the machine the current one of this thread, with its geometry and the
 * VMA's huge page size, maps the harness's mm to a kernel mm_struct (the
 * machine's non-user mm is init_mm, slot 0), checks the caller contract and
 * calls the kernel world (shim/entry.c). The primitives the arch layer
 * issues (khs_read, ...) decode their fake pointer back to (mm, level, va)
 * and call the machine's v2 level primitives. Per-run state lives in
 * backend_priv (init/fini); the thread-local current machine is cleared on
 * the way out of every call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "khs/bridge.h"
#include "ptediff/backend_v2.h"

#ifndef KHS_NAME
#define KHS_NAME "linux-hugetlb"
#endif

/* A call issuing more primitives than this is spinning (a cmpxchg loop that
 * can never succeed): the guard reports it and makes the primitives inert. */
#define KHS_PRIM_BUDGET (1u << 16)

_Thread_local struct khs_geometry khs_geo;

struct khs_run {
  uint64_t hsize;
  struct mm_struct mms[KHS_MAX_MMS]; /* [0]: init_mm */
  unsigned nr_mms;
};

static _Thread_local const struct ptediff_machine *cur;
static _Thread_local unsigned prims_left;
/* The kernel world compiled for the current machine's granule. */
static _Thread_local const struct khs_entries *E;

static struct khs_run *run_of(const struct ptediff_machine *m) { return m->backend_priv; }
static void report(const char *what) { cur->contract_error(cur, what); }

static bool spend(void) {
  if (prims_left == 0) return false;
  if (--prims_left == 0) report("kernel code livelock: primitive budget of one call exhausted");
  return prims_left > 0;
}

/* The machine's mm and the level of a fake pointer; NULL (reported) for a
 * pointer of no mm or of no machine level. */
static struct ptediff_mm *decode(uintptr_t p, int *level, uint64_t *va) {
  const uint64_t slot = khs_ptr_slot(p);
  const struct khs_run *run = run_of(cur);
  *level = khs_ptr_level(p);
  *va = khs_ptr_va(p);
  if (*level == KHS_LEVEL_PGD) {
    report("kernel code accessed a PGD/P4D entry (the machine has none)");
    return NULL;
  }
  if (run != NULL && slot < run->nr_mms && run->mms[slot].pmm != NULL) return run->mms[slot].pmm;
  report("kernel code used a table pointer of no mm");
  return NULL;
}

#define KHS_DECODE(p) \
  int level;          \
  uint64_t va;        \
  struct ptediff_mm *pmm = decode((p), &level, &va)

uint64_t khs_read(uintptr_t p) {
  KHS_DECODE(p);
  return pmm != NULL && spend() ? cur->read_level(cur, pmm, va, level) : 0;
}

void khs_write(uintptr_t p, uint64_t val) {
  KHS_DECODE(p);
  if (pmm != NULL && spend()) cur->write_level(cur, pmm, va, level, val);
}

uint64_t khs_xchg(uintptr_t p, uint64_t val) {
  KHS_DECODE(p);
  return pmm != NULL && spend() ? cur->xchg_level(cur, pmm, va, level, val) : 0;
}

/* The machine reports the value found through *old; the kernel's cmpxchg
 * returns it. A refused or inert one returns `old`, which ends the loop. */
uint64_t khs_cmpxchg(uintptr_t p, uint64_t old, uint64_t val) {
  KHS_DECODE(p);
  pte_t found = old;
  if (pmm == NULL || !spend() || cur->cmpxchg_level(cur, pmm, va, level, &found, val)) return old;
  return found;
}

void khs_flush_tlb_range(struct mm_struct *mm, unsigned long start, unsigned long end,
                         unsigned long stride, bool last_level, int tlb_level, bool sync) {
  cur->flush_tlb_range(cur, mm->pmm, start, end, stride, last_level, tlb_level, sync);
}

void khs_flush_tlb_mm(struct mm_struct *mm) { cur->flush_tlb_mm(cur, mm->pmm); }

void khs_dsb(void) { cur->dsb(cur); }

uint64_t khs_ptlock_of(uintptr_t p) {
  KHS_DECODE(p);
  return pmm != NULL ? cur->ptlock_ptr(cur, cur->ptep_of(cur, pmm, va, level)) : 0;
}

uint64_t khs_mm_lock(struct mm_struct *mm) { return cur->mm_lock(cur, mm->pmm); }

void khs_warn(const char *file, int line, const char *cond) {
  char msg[256];
  const char *base = strrchr(file, '/');
  snprintf(msg, sizeof(msg), "kernel WARN at %s:%d: %s", base ? base + 1 : file, line, cond);
  report(msg);
}

/* The kernel mm_struct of the harness's mm for this call, or NULL. */
static struct mm_struct *mm_struct_of(struct ptediff_mm *pmm) {
  struct khs_run *run = run_of(cur);
  if (!cur->mm_is_user(cur, pmm)) {
    run->mms[0] = (struct mm_struct){.pmm = pmm, .slot = 0};
    return &run->mms[0];
  }
  for (unsigned i = 1; i < run->nr_mms; i++) {
    if (run->mms[i].pmm == pmm) return &run->mms[i];
  }
  if (run->nr_mms == KHS_MAX_MMS) {
    report("kernel backend: too many mms in one run");
    return NULL;
  }
  run->mms[run->nr_mms] = (struct mm_struct){.pmm = pmm, .slot = run->nr_mms};
  return &run->mms[run->nr_mms++];
}

/* Enters a call on the huge page at (addr, level): sets the current machine,
 * geometry and huge page size, checks the caller contract (addr page
 * aligned and representable as a fake pointer, level 1..3; level 0 skips
 * the level check for calls without one). Returns the mm_struct, or NULL
 * (reported) when the call must not run. */
static struct mm_struct *enter(const struct ptediff_machine *m, struct ptediff_mm *pmm,
                               const char *fn, uint64_t addr, int level, bool has_level) {
  cur = m;
  prims_left = KHS_PRIM_BUDGET;
  const struct khs_run *run = run_of(m);
  khs_geo = (struct khs_geometry){m->geo.page_shift,
                                  m->geo.ptrs_per_pte,
                                  m->geo.cont_ptes,
                                  m->geo.pmd_shift,
                                  m->geo.cont_pmds,
                                  m->geo.pa_bits,
                                  run != NULL ? run->hsize : 0};
  E = m->geo.page_shift == 12   ? &khs_entries_12
      : m->geo.page_shift == 14 ? &khs_entries_14
      : m->geo.page_shift == 16 ? &khs_entries_16
                                : NULL;
  const char *why = NULL;
  if (E == NULL) {
    why = "no kernel build for this granule";
  } else if (run == NULL) {
    why = "kernel backend used without init";
  } else if (addr & ((1ULL << m->geo.page_shift) - 1)) {
    why = "addr not page aligned";
  } else if (addr >= khs_va_limit(m->geo.page_shift)) {
    why = "addr beyond the shim's table window";
  } else if (has_level && (level < PTEDIFF_LEVEL_PUD || level > PTEDIFF_LEVEL_PTE)) {
    why = "level is not 1 (PUD), 2 (PMD) or 3 (PTE)";
  }
  if (why != NULL) {
    char msg[160];
    snprintf(msg, sizeof(msg), "%s: %s (addr %#llx, level %d)", fn, why, (unsigned long long)addr,
             level);
    report(msg);
    return NULL;
  }
  return pmm != NULL ? mm_struct_of(pmm) : NULL;
}

static void leave(void) {
  cur = NULL;
  E = NULL;
  khs_geo = (struct khs_geometry){0};
}

#define KHS_CALL(ret_type, fallback, fn, addr, level, has_level, call) \
  struct mm_struct *mm = enter(m, pmm, fn, addr, level, has_level);    \
  ret_type r = fallback;                                               \
  if (mm != NULL) r = call;                                            \
  leave();                                                             \
  return r
#define KHS_VOID_CALL(fn, addr, level, call)                   \
  struct mm_struct *mm = enter(m, pmm, fn, addr, level, true); \
  if (mm != NULL) call;                                        \
  leave()

typedef const struct ptediff_machine machine_t;
typedef struct ptediff_mm pmm_t;

static int be_huge_pte_offset(machine_t *m, pmm_t *pmm, uint64_t addr, uint64_t sz) {
  KHS_CALL(int, 0, "huge_pte_offset", addr, 0, false, E->huge_pte_offset(mm, addr, sz));
}
/* No mm: the flows make entries before they know where they go. */
static pte_t be_arch_make_huge_pte(machine_t *m, pmm_t *pmm, pte_t entry, uint64_t sz) {
  enter(m, NULL, "arch_make_huge_pte", 0, 0, false);
  const pte_t r = E != NULL && run_of(m) != NULL ? E->arch_make_huge_pte(entry, sz) : entry;
  leave();
  return r;
}
static void be_set_huge_pte_at(machine_t *m, pmm_t *pmm, uint64_t addr, int level, pte_t pte,
                               uint64_t sz) {
  KHS_VOID_CALL("set_huge_pte_at", addr, level, E->set_huge_pte_at(mm, addr, level, pte, sz));
}
static pte_t be_huge_ptep_get(machine_t *m, pmm_t *pmm, uint64_t addr, int level) {
  KHS_CALL(pte_t, 0, "huge_ptep_get", addr, level, true, E->huge_ptep_get(mm, addr, level));
}
static pte_t be_huge_ptep_get_and_clear(machine_t *m, pmm_t *pmm, uint64_t addr, int level,
                                        uint64_t sz) {
  KHS_CALL(pte_t, 0, "huge_ptep_get_and_clear", addr, level, true,
           E->huge_ptep_get_and_clear(mm, addr, level, sz));
}
static pte_t be_huge_ptep_clear_flush(machine_t *m, pmm_t *pmm, uint64_t addr, int level) {
  KHS_CALL(pte_t, 0, "huge_ptep_clear_flush", addr, level, true,
           E->huge_ptep_clear_flush(mm, addr, level));
}
static int be_huge_ptep_set_access_flags(machine_t *m, pmm_t *pmm, uint64_t addr, int level,
                                         pte_t pte, int dirty) {
  KHS_CALL(int, 0, "huge_ptep_set_access_flags", addr, level, true,
           E->huge_ptep_set_access_flags(mm, addr, level, pte, dirty));
}
static void be_huge_ptep_set_wrprotect(machine_t *m, pmm_t *pmm, uint64_t addr, int level) {
  KHS_VOID_CALL("huge_ptep_set_wrprotect", addr, level,
                E->huge_ptep_set_wrprotect(mm, addr, level));
}
static void be_huge_pte_clear(machine_t *m, pmm_t *pmm, uint64_t addr, int level, uint64_t sz) {
  KHS_VOID_CALL("huge_pte_clear", addr, level, E->huge_pte_clear(mm, addr, level, sz));
}
static pte_t be_huge_ptep_modify_prot_start(machine_t *m, pmm_t *pmm, uint64_t addr, int level,
                                            uint64_t sz) {
  KHS_CALL(pte_t, 0, "huge_ptep_modify_prot_start", addr, level, true,
           E->huge_ptep_modify_prot_start(mm, addr, level, sz));
}
static void be_huge_ptep_modify_prot_commit(machine_t *m, pmm_t *pmm, uint64_t addr, int level,
                                            pte_t old_pte, pte_t pte, uint64_t sz) {
  KHS_VOID_CALL("huge_ptep_modify_prot_commit", addr, level,
                E->huge_ptep_modify_prot_commit(mm, addr, level, old_pte, pte, sz));
}
static void be_flush_hugetlb_tlb_range(machine_t *m, pmm_t *pmm, uint64_t start, uint64_t end,
                                       uint64_t sz) {
  struct mm_struct *mm = enter(m, pmm, "flush_hugetlb_tlb_range", start, 0, false);
  if (mm != NULL) E->flush_hugetlb_tlb_range(mm, start, end, sz);
  leave();
}
static uint64_t be_huge_pte_lockptr(machine_t *m, pmm_t *pmm, uint64_t addr, int level,
                                    uint64_t sz) {
  KHS_CALL(uint64_t, 0, "huge_pte_lockptr", addr, level, true,
           E->huge_pte_lockptr(mm, addr, level, sz));
}

/* Options: hsize=BYTES (required; the VMA's huge page size) and mutant=none
 * (this library is the tree's code as it is). */
static int be_init(struct ptediff_machine *m, const char *options) {
  uint64_t hsize = 0;
  for (const char *p = options ? options : ""; *p != '\0';) {
    const size_t len = strcspn(p, " ");
    char word[96];
    bool ok = len > 0 && len < sizeof(word);
    if (ok) {
      memcpy(word, p, len);
      word[len] = '\0';
      char *end = NULL;
      if (strncmp(word, "hsize=", 6) == 0) {
        hsize = strtoull(word + 6, &end, 10);
        ok = end != word + 6 && *end == '\0' && hsize != 0;
      } else {
        ok = strcmp(word, "mutant=none") == 0;
      }
    }
    if (len > 0 && !ok) {
      char msg[160];
      snprintf(msg, sizeof(msg), "%s: unsupported option '%.*s' (hsize=BYTES, mutant=none)",
               KHS_NAME, (int)len, p);
      m->contract_error(m, msg);
      return 1;
    }
    p += len + (p[len] == ' ');
  }
  if (hsize == 0) {
    m->contract_error(m, KHS_NAME ": options lack hsize=BYTES");
    return 1;
  }
  struct khs_run *run = calloc(1, sizeof(*run));
  if (run == NULL) {
    m->contract_error(m, KHS_NAME ": out of memory");
    return 1;
  }
  run->hsize = hsize;
  run->nr_mms = 1; /* slot 0: init_mm */
  m->backend_priv = run;
  return 0;
}

static void be_fini(struct ptediff_machine *m) {
  free(m->backend_priv);
  m->backend_priv = NULL;
}

static const struct ptediff_backend_v2 kKernelHugetlb = {
    .abi_version = PTEDIFF_ABI_VERSION_V2,
    .name = KHS_NAME,
    .init = be_init,
    .fini = be_fini,
#define PTEDIFF_HUGETLB_API(ret, name, params, args) .name = be_##name,
#include "ptediff/hugetlb_api.def"
#undef PTEDIFF_HUGETLB_API
};

__attribute__((visibility("default"))) const struct ptediff_backend_v2 *ptediff_backend_v2_get(
    void) {
  return &kKernelHugetlb;
}
