/* ptediff kernel shim, hugetlbpage.c: the v2 backend table of the kernel's
 * hugetlbpage.c (libhugetlb-<version>.so, include/ptediff/backend_v2.h).
 *
 * The ptediff world's side: each entry enters the call on its machine
 * (kernel/common/machine.c; the VMA's huge page size is the run's hsize=),
 * picks the kernel world compiled for the machine's granule, checks the
 * caller contract of the hugetlb API and calls it (shim/entry.c,
 * khs/entries.h).
 */
#include <stdlib.h>
#include <string.h>

#include "khs/entries.h"
#include "kshim/machine.h"
#include "ptediff/backend_v2.h"

#ifndef KHS_NAME
#define KHS_NAME "linux-hugetlb"
#endif

/* The kernel world compiled for the granule of machine m, or NULL. */
static const struct khs_entries *entries_of(const struct ptediff_machine *m) {
  switch (m->geo.page_shift) {
    case 12:
      return &khs_entries_12;
    case 14:
      return &khs_entries_14;
    case 16:
      return &khs_entries_16;
    default:
      return NULL;
  }
}

/* Enters a call on the huge page at (addr, level) with the kernel world E
 * of the machine's granule: checks the caller contract (a kernel world for
 * the granule, addr page aligned and representable as a fake pointer,
 * level 1..3; has_level false skips the level check for calls without
 * one). Returns the mm_struct, or NULL (reported) when the call must not
 * run or has no mm. */
static struct mm_struct *enter(const struct ptediff_machine *m, struct ptediff_mm *pmm,
                               const char *fn, uint64_t addr, int level, bool has_level,
                               const struct khs_entries *E) {
  kshim_enter(m);
  const char *why = E == NULL ? "no kernel build for this granule" : kshim_addr_problem(addr);
  if (why == NULL && has_level && (level < PTEDIFF_LEVEL_PUD || level > PTEDIFF_LEVEL_PTE))
    why = "level is not 1 (PUD), 2 (PMD) or 3 (PTE)";
  if (why != NULL) return kshim_refuse(fn, why, addr, "level", level);
  return pmm != NULL ? kshim_mm_struct_of(pmm) : NULL;
}

/* An entry's body on the huge page at (addr, level), `call` naming the
 * granule's kernel world E; see KSHIM_CALL. */
#define KHS_CALL(ret_type, fallback, fn, addr, level, has_level, call) \
  const struct khs_entries *E = entries_of(m);                         \
  KSHIM_CALL(ret_type, fallback, enter(m, pmm, fn, addr, level, has_level, E), call)
#define KHS_VOID_CALL(fn, addr, level, call)   \
  const struct khs_entries *E = entries_of(m); \
  KSHIM_VOID_CALL(enter(m, pmm, fn, addr, level, true, E), call)

typedef const struct ptediff_machine machine_t;
typedef struct ptediff_mm pmm_t;

static int be_huge_pte_offset(machine_t *m, pmm_t *pmm, uint64_t addr, uint64_t sz) {
  KHS_CALL(int, 0, "huge_pte_offset", addr, 0, false, E->huge_pte_offset(mm, addr, sz));
}
/* No mm: the flows make entries before they know where they go. */
static pte_t be_arch_make_huge_pte(machine_t *m, pmm_t *pmm, pte_t entry, uint64_t sz) {
  const struct khs_entries *E = entries_of(m);
  enter(m, NULL, "arch_make_huge_pte", 0, 0, false, E);
  const pte_t r = E != NULL && m->backend_priv != NULL ? E->arch_make_huge_pte(entry, sz) : entry;
  kshim_leave();
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
  const struct khs_entries *E = entries_of(m);
  KSHIM_VOID_CALL(enter(m, pmm, "flush_hugetlb_tlb_range", start, 0, false, E),
                  E->flush_hugetlb_tlb_range(mm, start, end, sz));
}
static uint64_t be_huge_pte_lockptr(machine_t *m, pmm_t *pmm, uint64_t addr, int level,
                                    uint64_t sz) {
  KHS_CALL(uint64_t, 0, "huge_pte_lockptr", addr, level, true,
           E->huge_pte_lockptr(mm, addr, level, sz));
}

/* One init option: hsize=BYTES (the VMA's huge page size) or mutant=none
 * (this library is the tree's code as it is). */
static bool accept_option(const char *word, struct kshim_run *run) {
  if (strncmp(word, "hsize=", 6) != 0) return strcmp(word, "mutant=none") == 0;
  char *end = NULL;
  run->hsize = strtoull(word + 6, &end, 10);
  return end != word + 6 && *end == '\0' && run->hsize != 0;
}

/* init: the options, of which hsize= is required. */
static int be_init(struct ptediff_machine *m, const char *options) {
  if (kshim_init(m, options, KHS_NAME, accept_option, "hsize=BYTES, mutant=none") != 0) return 1;
  const struct kshim_run *run = m->backend_priv;
  if (run->hsize != 0) return 0;
  m->contract_error(m, KHS_NAME ": options lack hsize=BYTES");
  kshim_fini(m);
  return 1;
}

static const struct ptediff_backend_v2 kKernelHugetlb = {
    .abi_version = PTEDIFF_ABI_VERSION_V2,
    .name = KHS_NAME,
    .init = be_init,
    .fini = kshim_fini,
#define PTEDIFF_HUGETLB_API(ret, name, params, args) .name = be_##name,
#include "ptediff/hugetlb_api.def"
#undef PTEDIFF_HUGETLB_API
};

__attribute__((visibility("default"))) const struct ptediff_backend_v2 *ptediff_backend_v2_get(
    void) {
  return &kKernelHugetlb;
}
