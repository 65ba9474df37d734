/* ptediff kernel shim, contpte.c: the backend table of the kernel's contpte
 * code (libcontpte-<version>.so, include/ptediff/backend.h).
 *
 * The ptediff world's side: each entry enters the call on its machine
 * (kernel/common/machine.c), checks the caller contract of the contpte API
 * and calls the kernel world (shim/entry.c, kshim/entries.h).
 */
#include "ptediff/backend.h"

#include <string.h>

#include "kshim/entries.h"
#include "kshim/machine.h"

#ifndef KSHIM_NAME
#define KSHIM_NAME "linux-contpte"
#endif
#ifndef KSHIM_MUTANT
#define KSHIM_MUTANT "none"
#endif

/* Enters a call on `nr` entries from `addr`: checks the caller contract
 * (nr >= 1, addr page aligned and representable as a fake pointer, the
 * entries in one PTE table). Returns the mm_struct, or NULL (reported) when
 * the call must not run. */
static struct mm_struct *enter(const struct ptediff_machine *m, struct ptediff_mm *pmm,
                               const char *fn, uint64_t addr, uint64_t nr) {
  kshim_enter(m);
  const uint64_t page = 1ULL << m->geo.page_shift;
  const uint64_t table = (uint64_t)m->geo.ptrs_per_pte << m->geo.page_shift;
  const char *why = nr == 0 ? "nr == 0" : kshim_addr_problem(addr);
  if (why == NULL &&
      (nr > m->geo.ptrs_per_pte || addr / table != (addr + (nr - 1) * page) / table)) {
    why = "entries cross a PTE table";
  }
  if (why != NULL) return kshim_refuse(fn, why, addr, "nr", (long long)nr);
  return kshim_mm_struct_of(pmm);
}

typedef const struct ptediff_machine machine_t;
typedef struct ptediff_mm pmm_t;

/* The entries on the one entry at addr whose kernel side takes (mm, addr):
 * be_NAME calls kentry_NAME. */
#define KSHIM_ENTRY(ret_type, name)                                                  \
  static ret_type be_##name(machine_t *m, pmm_t *pmm, uint64_t addr) {               \
    KSHIM_CALL(ret_type, 0, enter(m, pmm, #name, addr, 1), kentry_##name(mm, addr)); \
  }
#define KSHIM_VOID_ENTRY(name)                                               \
  static void be_##name(machine_t *m, pmm_t *pmm, uint64_t addr) {           \
    KSHIM_VOID_CALL(enter(m, pmm, #name, addr, 1), kentry_##name(mm, addr)); \
  }
KSHIM_ENTRY(pte_t, ptep_get)
KSHIM_ENTRY(pte_t, ptep_get_lockless)
KSHIM_VOID_ENTRY(pte_clear)
KSHIM_ENTRY(pte_t, ptep_get_and_clear)
KSHIM_ENTRY(pte_t, ptep_clear_flush)
KSHIM_ENTRY(int, ptep_test_and_clear_young)
KSHIM_ENTRY(int, ptep_clear_flush_young)
KSHIM_VOID_ENTRY(ptep_set_wrprotect)
KSHIM_ENTRY(pte_t, ptep_modify_prot_start)

/* The others. */
static void be_set_ptes(machine_t *m, pmm_t *pmm, uint64_t addr, pte_t pte, unsigned nr) {
  KSHIM_VOID_CALL(enter(m, pmm, "set_ptes", addr, nr), kentry_set_ptes(mm, addr, pte, nr));
}
static void be_wrprotect_ptes(machine_t *m, pmm_t *pmm, uint64_t addr, unsigned nr) {
  KSHIM_VOID_CALL(enter(m, pmm, "wrprotect_ptes", addr, nr), kentry_wrprotect_ptes(mm, addr, nr));
}
static int be_ptep_set_access_flags(machine_t *m, pmm_t *pmm, uint64_t addr, pte_t entry,
                                    int dirty) {
  KSHIM_CALL(int, 0, enter(m, pmm, "ptep_set_access_flags", addr, 1),
             kentry_ptep_set_access_flags(mm, addr, entry, dirty));
}
static void be_clear_full_ptes(machine_t *m, pmm_t *pmm, uint64_t addr, unsigned nr, int full) {
  KSHIM_VOID_CALL(enter(m, pmm, "clear_full_ptes", addr, nr),
                  kentry_clear_full_ptes(mm, addr, nr, full));
}
static pte_t be_get_and_clear_full_ptes(machine_t *m, pmm_t *pmm, uint64_t addr, unsigned nr,
                                        int full) {
  KSHIM_CALL(pte_t, 0, enter(m, pmm, "get_and_clear_full_ptes", addr, nr),
             kentry_get_and_clear_full_ptes(mm, addr, nr, full));
}
static void be_clear_young_dirty_ptes(machine_t *m, pmm_t *pmm, uint64_t addr, unsigned nr,
                                      unsigned flags) {
  KSHIM_VOID_CALL(enter(m, pmm, "clear_young_dirty_ptes", addr, nr),
                  kentry_clear_young_dirty_ptes(mm, addr, nr, flags));
}
static void be_ptep_modify_prot_commit(machine_t *m, pmm_t *pmm, uint64_t addr, pte_t old_pte,
                                       pte_t pte) {
  KSHIM_VOID_CALL(enter(m, pmm, "ptep_modify_prot_commit", addr, 1),
                  kentry_ptep_modify_prot_commit(mm, addr, old_pte, pte));
}
static unsigned be_pte_batch_hint(machine_t *m, pmm_t *pmm, uint64_t addr, pte_t pte) {
  KSHIM_CALL(unsigned, 1, enter(m, pmm, "pte_batch_hint", addr, 1),
             kentry_pte_batch_hint(mm, addr, pte));
}

/* One init option: profile takes the harness's profile names (the kernel
 * code has one behaviour for all of them); mutant only "none" or the mutant
 * this library was built with. */
static bool accept_option(const char *word, struct kshim_run *run) {
  static const char *const kAccepted[] = {"profile=basic", "profile=batch", "profile=fold",
                                          "mutant=none", ("mutant=" KSHIM_MUTANT)};
  for (size_t i = 0; i < sizeof(kAccepted) / sizeof(kAccepted[0]); i++) {
    if (strcmp(kAccepted[i], word) == 0) return true;
  }
  return false;
}

static int be_init(struct ptediff_machine *m, const char *options) {
  return kshim_init(m, options, KSHIM_NAME, accept_option, "profile=basic|batch|fold, mutant=none");
}

static const struct ptediff_backend kKernelBackend = {
    .abi_version = PTEDIFF_ABI_VERSION,
    .name = KSHIM_NAME,
    .init = be_init,
    .fini = kshim_fini,
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
