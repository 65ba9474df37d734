/* ptediff kernel linear-map shim: the v3 backend table of the kernel's
 * linear-map code (liblinearmap-<version>.so, include/ptediff/backend_v3.h).
 *
 * The ptediff world's side: init parses the knobs (bbml2=, rodata_full=,
 * debug_pagealloc=, kfence=, realm=; 0 or 1 each), each entry enters the
 * call on its machine (kernel/common/machine.c) with the run's knobs, calls
 * the kernel world (shim/entry.c) and keeps what the call changed.
 */
#include <stdlib.h>
#include <string.h>

#include "klm/entries.h"
#include "kshim/machine.h"
#include "ptediff/backend_v3.h"

#ifndef KLM_NAME
#define KLM_NAME "linux-linear-map"
#endif

/* The knobs of the runs of this thread, by machine (a run at a time per
 * machine; a few machines at once). */
#define KLM_MAX_RUNS 8
static _Thread_local struct {
  const struct ptediff_machine *m;
  struct klm_knobs knobs;
} runs[KLM_MAX_RUNS];
static _Thread_local struct klm_knobs parsed;

static struct klm_knobs *knobs_of(const struct ptediff_machine *m) {
  for (int i = 0; i < KLM_MAX_RUNS; i++) {
    if (runs[i].m == m) return &runs[i].knobs;
  }
  return NULL;
}

/* One init option: NAME=0|1 of a knob. */
static bool accept(const char *word, struct kshim_run *run) {
  (void)run;
  static const struct {
    const char *name;
    size_t offset;
  } knobs[] = {
      {"bbml2=", offsetof(struct klm_knobs, cpu_bbml2)},
      {"rodata_full=", offsetof(struct klm_knobs, rodata_full)},
      {"debug_pagealloc=", offsetof(struct klm_knobs, debug_pagealloc)},
      {"kfence=", offsetof(struct klm_knobs, kfence)},
      {"realm=", offsetof(struct klm_knobs, realm)},
  };
  for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
    const size_t n = strlen(knobs[i].name);
    if (strncmp(word, knobs[i].name, n) != 0) continue;
    const char *v = word + n;
    if ((v[0] != '0' && v[0] != '1') || v[1] != '\0') return false;
    *((bool *)&parsed + knobs[i].offset) = v[0] == '1';
    return true;
  }
  return false;
}

static int klm_init(struct ptediff_machine *m, const char *options) {
  parsed = (struct klm_knobs){.cpu_bbml2 = true, .rodata_full = true};
  if (kshim_init(m, options, KLM_NAME, accept,
                 "bbml2= rodata_full= debug_pagealloc= kfence= realm=, 0 or 1") != 0)
    return 1;
  parsed.system_bbml2 = parsed.cpu_bbml2;
  for (int i = 0; i < KLM_MAX_RUNS; i++) {
    if (runs[i].m == NULL || runs[i].m == m) {
      runs[i].m = m;
      runs[i].knobs = parsed;
      klm_release_tables();
      return 0;
    }
  }
  m->contract_error(m, KLM_NAME ": too many runs at once");
  kshim_fini(m);
  return 1;
}

static void klm_fini(struct ptediff_machine *m) {
  for (int i = 0; i < KLM_MAX_RUNS; i++) {
    if (runs[i].m == m) runs[i].m = NULL;
  }
  klm_release_tables();
  kshim_fini(m);
}

/* Enters a call: the machine, the kernel mm, the run's knobs; NULL
 * (reported) when the call must not run. */
static struct mm_struct *enter(const struct ptediff_machine *m, struct ptediff_mm *pmm) {
  kshim_enter(m);
  struct klm_knobs *k = knobs_of(m);
  if (k == NULL) {
    kshim_report(KLM_NAME ": called without init");
    return NULL;
  }
  klm_knobs = *k;
  return kshim_mm_struct_of(pmm);
}

/* Leaves it, keeping what the call changed of the knobs. */
static int leave(const struct ptediff_machine *m, int ret) {
  struct klm_knobs *k = knobs_of(m);
  if (k != NULL) *k = klm_knobs;
  kshim_leave();
  return ret;
}

#define KLM_CALL(call)                  \
  struct mm_struct *mm = enter(m, pmm); \
  return leave(m, mm != NULL ? (call) : -22)

static void klm_set_alloc_failures(const struct ptediff_machine *m, struct ptediff_mm *pmm,
                                   uint32_t depths) {
  (void)pmm;
  struct klm_knobs *k = knobs_of(m);
  if (k != NULL) k->alloc_failing = depths;
}

static int klm_create_pgd_mapping_e(const struct ptediff_machine *m, struct ptediff_mm *pmm,
                                    uint64_t virt, uint64_t phys, uint64_t size, uint32_t flags) {
  KLM_CALL(klm_create_pgd_mapping(virt, phys, size, flags));
}
static int klm_split_e(const struct ptediff_machine *m, struct ptediff_mm *pmm, uint64_t start,
                       uint64_t end) {
  KLM_CALL(klm_split_kernel_leaf_mapping(start, end));
}
static int klm_ro(const struct ptediff_machine *m, struct ptediff_mm *pmm, uint64_t addr, int n) {
  KLM_CALL(klm_set_memory(0, addr, n, 0));
}
static int klm_rw(const struct ptediff_machine *m, struct ptediff_mm *pmm, uint64_t addr, int n) {
  KLM_CALL(klm_set_memory(1, addr, n, 0));
}
static int klm_x(const struct ptediff_machine *m, struct ptediff_mm *pmm, uint64_t addr, int n) {
  KLM_CALL(klm_set_memory(2, addr, n, 0));
}
static int klm_nx(const struct ptediff_machine *m, struct ptediff_mm *pmm, uint64_t addr, int n) {
  KLM_CALL(klm_set_memory(3, addr, n, 0));
}
static int klm_valid(const struct ptediff_machine *m, struct ptediff_mm *pmm, uint64_t addr, int n,
                     int enable) {
  KLM_CALL(klm_set_memory(4, addr, n, enable));
}
static int klm_repaint(const struct ptediff_machine *m, struct ptediff_mm *pmm, uint64_t start,
                       uint64_t end) {
  KLM_CALL(klm_linear_map_split_to_ptes(start, end));
}

static const struct ptediff_backend_v3 kTable = {
    .abi_version = PTEDIFF_ABI_VERSION_V3,
    .name = KLM_NAME,
    .init = klm_init,
    .fini = klm_fini,
    .set_alloc_failures = klm_set_alloc_failures,
    .create_pgd_mapping = klm_create_pgd_mapping_e,
    .split_kernel_leaf_mapping = klm_split_e,
    .set_memory_ro = klm_ro,
    .set_memory_rw = klm_rw,
    .set_memory_x = klm_x,
    .set_memory_nx = klm_nx,
    .set_memory_valid = klm_valid,
    .linear_map_split_to_ptes = klm_repaint,
};

__attribute__((visibility("default"))) const struct ptediff_backend_v3 *ptediff_backend_v3_get(
    void) {
  return &kTable;
}
