/* ptediff kernel callers: the ptediff world's side of a callers library
 * (kc/callers_abi.h, kc/bridge.h).
 *
 * An entry makes the machine, the backend table and the mms of the call the
 * thread's current ones (slot 0 and slot 1 of the fake table pointers), sets
 * the shim's geometry from the machine, runs the kernel world's function and
 * forgets them again: nothing outlives a call. The arch API the kernel code
 * calls becomes one call of the backend table each; page_folio() asks the
 * machine's folio_of(); a kernel warning becomes a contract error.
 */
#include "kshim/bridge.h"

#include <stdio.h>
#include <string.h>

#include "callers_caps.h"
#include "kc/callers_abi.h"

#ifndef KC_NAME
#define KC_NAME "linux-callers"
#endif

/* The shim's arch layer reads these (kshim/bridge.h, kshim/types.h). */
_Thread_local struct kshim_geometry kshim_geo;
_Thread_local struct kc_acct *kc_acct_cur;

/* The current call. */
static _Thread_local struct ptediff_machine *kc_m;
static _Thread_local const struct ptediff_backend *kc_be;
static _Thread_local struct ptediff_mm *kc_mms[2];

static void kc_enter(struct ptediff_machine *m, const struct ptediff_backend *be,
                     struct ptediff_mm *mm0, struct ptediff_mm *mm1, struct kc_acct *acct) {
  kc_m = m;
  kc_be = be;
  kc_mms[0] = mm0;
  kc_mms[1] = mm1;
  kc_acct_cur = acct;
  kshim_geo = (struct kshim_geometry){.page_shift = m->geo.page_shift,
                                      .ptrs_per_pte = m->geo.ptrs_per_pte,
                                      .cont_ptes = m->geo.cont_ptes,
                                      .pmd_shift = m->geo.pmd_shift,
                                      .cont_pmds = m->geo.cont_pmds,
                                      .pa_bits = m->geo.pa_bits};
}

static void kc_leave(void) {
  kc_m = NULL;
  kc_be = NULL;
  kc_mms[0] = kc_mms[1] = NULL;
  kc_acct_cur = NULL;
  kshim_geo = (struct kshim_geometry){0};
}

void kc_warn(const char *what) {
  char msg[160];
  kc_acct_cur->warnings++;
  snprintf(msg, sizeof(msg), "%s: kernel warning: %s", KC_NAME, what);
  kc_m->contract_error(kc_m, msg);
}

void kshim_warn(const char *file, int line, const char *cond) {
  char what[128];
  const char *base = strrchr(file, '/');
  snprintf(what, sizeof(what), "%s:%d %s", base != NULL ? base + 1 : file, line, cond);
  kc_warn(what);
}

void kshim_folio_of(uint64_t pfn, uint64_t *start_pfn, uint64_t *nr_pages) {
  struct ptediff_folio f;
  if (kc_m->folio_of(kc_m, pfn, &f)) {
    *start_pfn = f.start_pfn;
    *nr_pages = f.nr_pages;
  } else {
    *start_pfn = pfn;
    *nr_pages = 1;
  }
}

/* The mm and address a fake pointer names. */
static struct ptediff_mm *kc_mm_of(uintptr_t p) { return kc_mms[kshim_ptr_slot(p) & 1]; }

uint64_t kc_ptep_get(uintptr_t p) { return kc_be->ptep_get(kc_m, kc_mm_of(p), kshim_ptr_va(p)); }
void kc_set_ptes(uintptr_t p, uint64_t pte, unsigned nr) {
  kc_be->set_ptes(kc_m, kc_mm_of(p), kshim_ptr_va(p), pte, nr);
}
void kc_wrprotect_ptes(uintptr_t p, unsigned nr) {
  kc_acct_cur->wrprotected += nr;
  kc_be->wrprotect_ptes(kc_m, kc_mm_of(p), kshim_ptr_va(p), nr);
}
uint64_t kc_get_and_clear_full_ptes(uintptr_t p, unsigned nr, int full) {
  return kc_be->get_and_clear_full_ptes(kc_m, kc_mm_of(p), kshim_ptr_va(p), nr, full);
}
void kc_clear_full_ptes(uintptr_t p, unsigned nr, int full) {
  kc_be->clear_full_ptes(kc_m, kc_mm_of(p), kshim_ptr_va(p), nr, full);
}
uint64_t kc_ptep_get_and_clear(uintptr_t p) {
  return kc_be->ptep_get_and_clear(kc_m, kc_mm_of(p), kshim_ptr_va(p));
}
unsigned kc_pte_batch_hint(uintptr_t p, uint64_t pte) {
  return kc_be->pte_batch_hint(kc_m, kc_mm_of(p), kshim_ptr_va(p), pte);
}

static int entry_copy_present_ptes(struct ptediff_machine *m, const struct ptediff_backend *be,
                                   struct ptediff_mm *src, struct ptediff_mm *dst, uint64_t addr,
                                   pte_t pte, int max_nr, struct kc_acct *acct) {
  kc_enter(m, be, src, dst, acct);
  const int nr = kc_copy_present_ptes(addr, pte, max_nr);
  kc_leave();
  return nr;
}

static int entry_zap_present_ptes(struct ptediff_machine *m, const struct ptediff_backend *be,
                                  struct ptediff_mm *mm, uint64_t addr, pte_t pte, unsigned max_nr,
                                  struct kc_gather *g, struct kc_acct *acct) {
  kc_enter(m, be, mm, NULL, acct);
  const int nr = kc_zap_present_ptes(addr, pte, max_nr, g);
  kc_leave();
  return nr;
}

__attribute__((visibility("default"))) const struct ptediff_callers *ptediff_callers_v1(void) {
  static const struct ptediff_callers table = {
      .abi_version = PTEDIFF_CALLERS_ABI_VERSION,
      .name = KC_NAME,
      .flows = (KC_FLOW_FORK ? PTEDIFF_CALLERS_FORK : 0) | (KC_FLOW_ZAP ? PTEDIFF_CALLERS_ZAP : 0),
      .copy_present_ptes = entry_copy_present_ptes,
      .zap_present_ptes = entry_zap_present_ptes,
      .config = kc_config,
  };
  return &table;
}
