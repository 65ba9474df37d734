// ptediff optimized backend: arm64's private, contiguous-unaware helpers (see plain.h).
//
// Choices shared with the reference backend where the kernel never exercises
// the case: wrprotect and clear_young_dirty leave a none entry none (the
// kernel only calls them on present entries, and pte_mkclean(0) would invent
// a non-none value), and a refused cmpxchg ends its loop (see update_pte).
#include "subjects/contpte/plain.h"

namespace ptediff::contpte::plain {

// __set_ptes: writes nr entries, advancing the pfn by one page each time. The
// caller guarantees the entries may be overwritten without break-before-make
// (they are none, or the caller already invalidated them).
void set_ptes(const Ctx& c, uint64_t addr, pte_t pte, uint64_t nr) {
  for (uint64_t i = 0; i < nr; ++i) {
    c.write(addr + i * c.page_size(), pte);
    if (i + 1 == nr) break;
    pte = pte_advance_pfn(c, pte, 1);
  }
}

// __pte_clear: plain store of 0. No TLB maintenance: the caller owns it.
void pte_clear(const Ctx& c, uint64_t addr) { c.write(addr, 0); }

// __ptep_get_and_clear: atomic exchange with 0, so a concurrent hardware
// access/dirty update cannot be lost between reading and clearing.
pte_t ptep_get_and_clear(const Ctx& c, uint64_t addr) { return c.xchg(addr, 0); }

// __ptep_test_and_clear_young: clears AF with a cmpxchg loop (racing hardware
// updates are retried, never overwritten) and reports whether it was set.
// Mutant tcy-plain-write: a plain read-modify-write instead.
int ptep_test_and_clear_young(const Ctx& c, uint64_t addr) {
  const pte_t old = update_pte_unless(c, Mutant::kTcyPlainWrite, addr, c.read(addr), pte_mkold);
  return pte_young(old) ? 1 : 0;
}

// __ptep_clear_flush_young: as above, plus an unsynced flush of the page when
// it was young. Eliding the DSB is safe: a CPU that keeps using the young
// translation for a while only makes reclaim slightly less accurate.
int ptep_clear_flush_young(const Ctx& c, uint64_t addr) {
  const int young = ptep_test_and_clear_young(c, addr);
  if (young) c.flush_page(addr, /*sync=*/false);
  return young;
}

// ___ptep_set_wrprotect: pte_wrprotect applied atomically from the caller's
// `guess`; pte_wrprotect moves hardware dirt into PTE_DIRTY first, so no
// dirty state is lost. No flush: callers batch it (fork flushes the parent).
// Mutant wrprotect-plain-write: a plain read-modify-write instead.
void ptep_set_wrprotect(const Ctx& c, uint64_t addr, pte_t guess) {
  if (pte_none(guess)) return;
  update_pte_unless(c, Mutant::kWrprotectPlainWrite, addr, guess, pte_wrprotect);
}

// __wrprotect_ptes: write-protects nr entries one by one.
void wrprotect_ptes(const Ctx& c, uint64_t addr, uint64_t nr) {
  for_each_pte(c, addr, nr, [&](uint64_t a) { ptep_set_wrprotect(c, a, c.read(a)); });
}

// __ptep_set_access_flags: merges the access flag, write permission and dirty
// state of `entry` into the entry atomically (AF/WRITE/DIRTY are ORed, RDONLY
// stays only if both have it: the most permissive wins), so a racing hardware
// update is never undone. Flushes the page (synced) when `dirty`, since a
// stale read-only translation would fault again. Returns 0 if nothing changed.
// Mutant access-flags-plain-write: a plain read-modify-write instead.
int ptep_set_access_flags(const Ctx& c, uint64_t addr, pte_t entry, int dirty) {
  const pte_t cur = c.read(addr);
  if (pte_same(cur, entry)) return 0;
  const pte_t bits = entry & (PTE_RDONLY | PTE_AF | PTE_WRITE | PTE_DIRTY);
  update_pte_unless(c, Mutant::kAccessFlagsPlainWrite, addr, cur, [bits](pte_t old) {
    return ((old | bits) & ~PTE_RDONLY) | (old & bits & PTE_RDONLY);
  });
  if (dirty) c.flush_page(addr, /*sync=*/true);
  return 1;
}

// __clear_full_ptes: atomically clears nr entries. No flush (mmu_gather).
void clear_full_ptes(const Ctx& c, uint64_t addr, uint64_t nr) {
  for_each_pte(c, addr, nr, [&](uint64_t a) { c.xchg(a, 0); });
}

// __get_and_clear_full_ptes: as clear_full_ptes; returns the first entry with
// the access/dirty state of all cleared entries ORed in, which is what the
// zap path needs to update the folio once per batch.
pte_t get_and_clear_full_ptes(const Ctx& c, uint64_t addr, uint64_t nr) {
  return gather_each(c, addr, nr, [&](uint64_t a) { return c.xchg(a, 0); });
}

// __clear_young_dirty_ptes: for nr entries, clears AF and/or cleans them. With
// both flags the kernel uses a plain store (a racing hardware update may set
// AF/dirty again, which is harmless: MADV_FREE tolerates a page being
// re-dirtied); otherwise a cmpxchg loop. No flush (the caller's mmu_gather).
// Mutant clear-young-dirty-plain-write: a plain read-modify-write instead of
// that cmpxchg loop (with both flags nothing changes).
void clear_young_dirty_ptes(const Ctx& c, uint64_t addr, uint64_t nr, unsigned flags) {
  const auto clean = [flags](pte_t p) {
    if (flags & CYDP_CLEAR_YOUNG) p = pte_mkold(p);
    if (flags & CYDP_CLEAR_DIRTY) p = pte_mkclean(p);
    return p;
  };
  const bool both = flags == (CYDP_CLEAR_YOUNG | CYDP_CLEAR_DIRTY);
  for_each_pte(c, addr, nr, [&](uint64_t a) {
    const pte_t cur = c.read(a);
    if (pte_none(cur)) return;
    if (both) {
      c.write(a, clean(cur));
    } else {
      update_pte_unless(c, Mutant::kClearYoungDirtyPlainWrite, a, cur, clean);
    }
  });
}

}  // namespace ptediff::contpte::plain
