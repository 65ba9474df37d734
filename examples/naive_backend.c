/* ptediff: an example external backend, in C.
 *
 * A straightforward per-PTE implementation of the page-table API written only
 * against include/ptediff/backend.h, built as a shared library exporting
 * ptediff_backend_v1(). Run it against the reference with
 *   ptediff run --backend build/examples/libptediff_naive_backend.so FILE.repro
 * Compiled with -DNAIVE_FORGET_FLUSH it "forgets" the TLB flush of
 * ptep_clear_flush, which ptediff must report (flush-missing).
 */
#include <stddef.h>
#include <string.h>

#include "ptediff/backend.h"

typedef const struct ptediff_machine machine_t;
typedef struct ptediff_mm mm_t;

static uint64_t page_size(machine_t *m) { return 1ULL << m->geo.page_shift; }

/* Invalidate one page and wait for completion (flush_tlb_page). */
static void flush_page(machine_t *m, mm_t *mm, uint64_t addr, bool sync) {
  m->flush_tlb_range(m, mm, addr, addr + page_size(m), page_size(m), true, 3, sync);
}

/* Applies fn to the entry with a compare-and-exchange loop (bounded). */
static pte_t update(machine_t *m, mm_t *mm, uint64_t addr, pte_t (*fn)(pte_t, const void *),
                    const void *arg) {
  pte_t old = m->read(m, mm, addr);
  for (int i = 0; i < 16; i++) {
    if (pte_none(old)) return old;
    if (m->cmpxchg(m, mm, addr, &old, fn(old, arg))) return old;
  }
  return old;
}

static pte_t do_mkold(pte_t p, const void *a) { (void)a; return pte_mkold(p); }
static pte_t do_wrprotect(pte_t p, const void *a) { (void)a; return pte_wrprotect(p); }
static pte_t do_cyd(pte_t p, const void *a) {
  unsigned flags = *(const unsigned *)a;
  if (flags & CYDP_CLEAR_YOUNG) p = pte_mkold(p);
  if (flags & CYDP_CLEAR_DIRTY) p = pte_mkclean(p);
  return p;
}
/* __ptep_set_access_flags: RDONLY ends up set only if set in both. */
static pte_t do_access(pte_t p, const void *a) {
  pte_t e = *(const pte_t *)a & (PTE_RDONLY | PTE_AF | PTE_WRITE | PTE_DIRTY);
  return ((p ^ PTE_RDONLY) | (e ^ PTE_RDONLY)) ^ PTE_RDONLY;
}

static pte_t naive_get(machine_t *m, mm_t *mm, uint64_t addr) { return m->read(m, mm, addr); }

static void naive_set_ptes(machine_t *m, mm_t *mm, uint64_t addr, pte_t pte, unsigned nr) {
  pte = pte_mknoncont(pte);
  for (unsigned i = 0; i < nr; i++) {
    m->write(m, mm, addr + i * page_size(m), pte);
    pte = pfn_pte(&m->geo, pte_pfn(&m->geo, pte) + 1, pte_pgprot(&m->geo, pte));
  }
}

static void naive_clear(machine_t *m, mm_t *mm, uint64_t addr) { m->write(m, mm, addr, 0); }

static pte_t naive_get_and_clear(machine_t *m, mm_t *mm, uint64_t addr) {
  return m->xchg(m, mm, addr, 0);
}

static pte_t naive_clear_flush(machine_t *m, mm_t *mm, uint64_t addr) {
  pte_t old = m->xchg(m, mm, addr, 0);
#ifndef NAIVE_FORGET_FLUSH
  if (pte_valid(old)) flush_page(m, mm, addr, true);
#endif
  return old;
}

static int naive_test_and_clear_young(machine_t *m, mm_t *mm, uint64_t addr) {
  return pte_young(update(m, mm, addr, do_mkold, NULL));
}

static int naive_clear_flush_young(machine_t *m, mm_t *mm, uint64_t addr) {
  int young = naive_test_and_clear_young(m, mm, addr);
  if (young) flush_page(m, mm, addr, false);
  return young;
}

static void naive_set_wrprotect(machine_t *m, mm_t *mm, uint64_t addr) {
  update(m, mm, addr, do_wrprotect, NULL);
}

static void naive_wrprotect_ptes(machine_t *m, mm_t *mm, uint64_t addr, unsigned nr) {
  for (unsigned i = 0; i < nr; i++) naive_set_wrprotect(m, mm, addr + i * page_size(m));
}

static int naive_set_access_flags(machine_t *m, mm_t *mm, uint64_t addr, pte_t entry, int dirty) {
  entry = pte_mknoncont(entry);
  if (pte_same(m->read(m, mm, addr), entry)) return 0;
  update(m, mm, addr, do_access, &entry);
  if (dirty) flush_page(m, mm, addr, true);
  return 1;
}

static void naive_clear_full_ptes(machine_t *m, mm_t *mm, uint64_t addr, unsigned nr, int full) {
  (void)full;
  for (unsigned i = 0; i < nr; i++) m->xchg(m, mm, addr + i * page_size(m), 0);
}

static pte_t naive_get_and_clear_full_ptes(machine_t *m, mm_t *mm, uint64_t addr, unsigned nr,
                                           int full) {
  (void)full;
  pte_t first = m->xchg(m, mm, addr, 0);
  for (unsigned i = 1; i < nr; i++) {
    pte_t p = m->xchg(m, mm, addr + i * page_size(m), 0);
    if (pte_dirty(p)) first = pte_mkdirty(first);
    if (pte_young(p)) first = pte_mkyoung(first);
  }
  return first;
}

static void naive_clear_young_dirty_ptes(machine_t *m, mm_t *mm, uint64_t addr, unsigned nr,
                                         unsigned flags) {
  for (unsigned i = 0; i < nr; i++) update(m, mm, addr + i * page_size(m), do_cyd, &flags);
}

static pte_t naive_modify_prot_start(machine_t *m, mm_t *mm, uint64_t addr) {
  return m->xchg(m, mm, addr, 0);
}

static void naive_modify_prot_commit(machine_t *m, mm_t *mm, uint64_t addr, pte_t old_pte,
                                     pte_t pte) {
  (void)old_pte;
  naive_set_ptes(m, mm, addr, pte, 1);
}

static unsigned naive_batch_hint(machine_t *m, mm_t *mm, uint64_t addr, pte_t pte) {
  (void)m; (void)mm; (void)addr; (void)pte;
  return 1;
}

/* Accepts the options the harness passes (profile=..., mutant=none). */
static int naive_init(struct ptediff_machine *m, const char *options) {
  if (options != NULL && strstr(options, "mutant=") != NULL &&
      strstr(options, "mutant=none") == NULL) {
    m->contract_error(m, "the naive backend has no mutants");
    return 1;
  }
  return 0;
}

static const struct ptediff_backend kNaive = {
    .abi_version = PTEDIFF_ABI_VERSION,
    .name = "naive-c-example",
    .init = naive_init,
    .fini = NULL,
    .ptep_get = naive_get,
    .ptep_get_lockless = naive_get,
    .set_ptes = naive_set_ptes,
    .pte_clear = naive_clear,
    .ptep_get_and_clear = naive_get_and_clear,
    .ptep_clear_flush = naive_clear_flush,
    .ptep_test_and_clear_young = naive_test_and_clear_young,
    .ptep_clear_flush_young = naive_clear_flush_young,
    .ptep_set_wrprotect = naive_set_wrprotect,
    .wrprotect_ptes = naive_wrprotect_ptes,
    .ptep_set_access_flags = naive_set_access_flags,
    .clear_full_ptes = naive_clear_full_ptes,
    .get_and_clear_full_ptes = naive_get_and_clear_full_ptes,
    .clear_young_dirty_ptes = naive_clear_young_dirty_ptes,
    .ptep_modify_prot_start = naive_modify_prot_start,
    .ptep_modify_prot_commit = naive_modify_prot_commit,
    .pte_batch_hint = naive_batch_hint,
};

const struct ptediff_backend *ptediff_backend_v1(void) { return &kNaive; }
