// ptediff: the per-PTE reference backend (see reference.h).
//
// Each function mirrors arm64's non-contpte helper of the same name
// (__set_ptes, __ptep_get_and_clear, __ptep_set_access_flags, ...): one entry
// at a time, through the machine primitives only. Inputs never carry PTE_CONT
// into the tables. Caller contract violations (nr == 0, an unaligned address, a
// batch crossing a PTE table) are reported through contract_error before
// anything is touched, and the call then does nothing.
//
// Two deliberate choices where the kernel never exercises the case:
// - ptep_set_wrprotect / wrprotect_ptes / clear_young_dirty_ptes leave a none
//   entry untouched (pte_wrprotect(0) and pte_mkclean(0) would set RDONLY and
//   turn "none" into a non-none, non-present value).
// - A cmpxchg the machine refuses (address outside the window) ends the
//   update loop instead of spinning: a real failure always reports a value
//   different from the expected one.
#include "subjects/contpte/reference.h"

#include <cstring>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace ptediff {
namespace {

using Abi = ptediff_machine;  // the machine as a backend sees it
using Mm = ptediff_mm;

uint64_t page_size(const Abi* m) { return ptediff_page_size(&m->geo); }

void contract_error(const Abi* m, const std::string& what) { m->contract_error(m, what.c_str()); }

// Checks the caller contract of a call naming `nr` entries from `addr`.
bool check_range(const Abi* m, const char* fn, uint64_t addr, unsigned nr) {
  const uint64_t page = page_size(m);
  if (nr == 0) {
    contract_error(m, absl::StrFormat("%s: nr == 0", fn));
    return false;
  }
  if ((addr & (page - 1)) != 0) {
    contract_error(m, absl::StrFormat("%s: addr %#x not page aligned", fn, addr));
    return false;
  }
  uint64_t last = 0;
  if (__builtin_add_overflow(addr, static_cast<uint64_t>(nr - 1) * page, &last) ||
      (addr >> m->geo.pmd_shift) != (last >> m->geo.pmd_shift)) {
    contract_error(m, absl::StrFormat("%s: %u entries from %#x cross a PTE table", fn, nr, addr));
    return false;
  }
  return true;
}

bool check_one(const Abi* m, const char* fn, uint64_t addr) { return check_range(m, fn, addr, 1); }

// The arm64 cmpxchg_relaxed loop: starting from `cur` (the caller's read),
// installs f(old) atomically and returns the value it replaced.
template <typename F>
pte_t update_entry(const Abi* m, Mm* mm, uint64_t addr, pte_t cur, F f) {
  for (;;) {
    const pte_t expected = cur;
    if (m->cmpxchg(m, mm, addr, &cur, f(expected))) return expected;
    if (cur == expected) return expected;  // refused by the machine: give up
  }
}

// flush_tlb_page (sync) / flush_tlb_page_nosync of one last-level entry.
void flush_page(const Abi* m, Mm* mm, uint64_t addr, bool sync) {
  m->flush_tlb_range(m, mm, addr, addr + page_size(m), page_size(m), /*last_level=*/true,
                     /*tlb_level=*/3, sync);
}

// Contract: the options the harness passes to any backend run as O. The
// reference has no profiles and no mutants: "profile=..." is accepted and
// ignored (so the reference can itself run as O, the envelope's self-test),
// "mutant=none" is accepted, anything else is an error.
int ref_init(Abi* m, const char* options) {
  if (options == nullptr) return 0;
  for (absl::string_view tok : absl::StrSplit(options, absl::ByAnyChar(" \t\n"), absl::SkipEmpty())) {
    if (absl::StartsWith(tok, "profile=") || tok == "mutant=none") continue;
    contract_error(m, absl::StrFormat("reference: unknown option \"%s\"", std::string(tok)));
    return 1;
  }
  return 0;
}

// Contract: returns the entry at addr (READ_ONCE); the reference has no
// access/dirty state to gather.
pte_t ref_ptep_get(const Abi* m, Mm* mm, uint64_t addr) {
  if (!check_one(m, "ptep_get", addr)) return 0;
  return m->read(m, mm, addr);
}

// Contract: as ptep_get, but safe without the PTL; a single READ_ONCE.
pte_t ref_ptep_get_lockless(const Abi* m, Mm* mm, uint64_t addr) {
  if (!check_one(m, "ptep_get_lockless", addr)) return 0;
  return m->read(m, mm, addr);
}

// Contract: maps nr >= 1 consecutive pages of one folio in one table, the
// i-th entry being pte with its pfn advanced by i (pte_advance_pfn). CONT in
// the input is dropped. nr > 1 only over none entries (checked by the harness).
void ref_set_ptes(const Abi* m, Mm* mm, uint64_t addr, pte_t pte, unsigned nr) {
  if (!check_range(m, "set_ptes", addr, nr)) return;
  const ptediff_geometry* g = &m->geo;
  pte = pte_mknoncont(pte);
  for (unsigned i = 0; i < nr; ++i) {
    m->write(m, mm, addr + static_cast<uint64_t>(i) * page_size(m), pte);
    pte = pfn_pte(g, pte_pfn(g, pte) + 1, pte_pgprot(g, pte));
  }
}

// Contract: clears the entry (WRITE_ONCE of 0); no TLB maintenance.
void ref_pte_clear(const Abi* m, Mm* mm, uint64_t addr) {
  if (!check_one(m, "pte_clear", addr)) return;
  m->write(m, mm, addr, 0);
}

// Contract: atomically clears the entry and returns its old value; no flush.
pte_t ref_ptep_get_and_clear(const Abi* m, Mm* mm, uint64_t addr) {
  if (!check_one(m, "ptep_get_and_clear", addr)) return 0;
  return m->xchg(m, mm, addr, 0);
}

// Contract: ptep_get_and_clear, then flush_tlb_page if the old entry was
// accessible (valid) to the hardware.
pte_t ref_ptep_clear_flush(const Abi* m, Mm* mm, uint64_t addr) {
  if (!check_one(m, "ptep_clear_flush", addr)) return 0;
  const pte_t old = m->xchg(m, mm, addr, 0);
  if (pte_valid(old)) flush_page(m, mm, addr, /*sync=*/true);
  return old;
}

// Contract: atomically clears AF; returns whether it was set. No flush.
int ref_ptep_test_and_clear_young(const Abi* m, Mm* mm, uint64_t addr) {
  if (!check_one(m, "ptep_test_and_clear_young", addr)) return 0;
  const pte_t old = update_entry(m, mm, addr, m->read(m, mm, addr), pte_mkold);
  return pte_young(old) ? 1 : 0;
}

// Contract: test_and_clear_young, and if the entry was young an unsynced
// flush of that page (a stale young TLB entry is harmless until the next DSB).
int ref_ptep_clear_flush_young(const Abi* m, Mm* mm, uint64_t addr) {
  if (!check_one(m, "ptep_clear_flush_young", addr)) return 0;
  const pte_t old = update_entry(m, mm, addr, m->read(m, mm, addr), pte_mkold);
  if (!pte_young(old)) return 0;
  flush_page(m, mm, addr, /*sync=*/false);
  return 1;
}

// Write-protects one entry atomically, preserving hardware dirt in PTE_DIRTY.
void wrprotect_one(const Abi* m, Mm* mm, uint64_t addr) {
  const pte_t cur = m->read(m, mm, addr);
  if (pte_none(cur)) return;
  update_entry(m, mm, addr, cur, pte_wrprotect);
}

// Contract: atomically write-protects the entry (pte_wrprotect); no flush, the
// caller flushes (fork flushes the parent mm).
void ref_ptep_set_wrprotect(const Abi* m, Mm* mm, uint64_t addr) {
  if (!check_one(m, "ptep_set_wrprotect", addr)) return;
  wrprotect_one(m, mm, addr);
}

// Contract: ptep_set_wrprotect on nr consecutive entries of one table.
void ref_wrprotect_ptes(const Abi* m, Mm* mm, uint64_t addr, unsigned nr) {
  if (!check_range(m, "wrprotect_ptes", addr, nr)) return;
  for (unsigned i = 0; i < nr; ++i) wrprotect_one(m, mm, addr + i * page_size(m));
}

// Contract (__ptep_set_access_flags): if the entry differs from `entry`
// (CONT ignored), merge entry's AF/WRITE/DIRTY in and keep RDONLY only if both
// have it, atomically against hardware updates; flush the page (synced) when
// `dirty`. Returns whether anything was to be done.
int ref_ptep_set_access_flags(const Abi* m, Mm* mm, uint64_t addr, pte_t entry, int dirty) {
  if (!check_one(m, "ptep_set_access_flags", addr)) return 0;
  entry = pte_mknoncont(entry);
  const pte_t cur = m->read(m, mm, addr);
  if (pte_same(cur, entry)) return 0;
  const pte_t bits = entry & (PTE_RDONLY | PTE_AF | PTE_WRITE | PTE_DIRTY);
  update_entry(m, mm, addr, cur, [bits](pte_t old) {
    const pte_t rdonly = old & bits & PTE_RDONLY;  // the most permissive of the two
    return ((old | bits) & ~PTE_RDONLY) | rdonly;
  });
  if (dirty) flush_page(m, mm, addr, /*sync=*/true);
  return 1;
}

// Contract: clears nr consecutive entries (xchg 0) of one table; `full` means
// the whole mm is being torn down. No flush: the caller's mmu_gather flushes.
void ref_clear_full_ptes(const Abi* m, Mm* mm, uint64_t addr, unsigned nr, int full) {
  if (!check_range(m, "clear_full_ptes", addr, nr)) return;
  for (unsigned i = 0; i < nr; ++i) m->xchg(m, mm, addr + i * page_size(m), 0);
}

// Contract: as clear_full_ptes; returns the first entry with the young and
// dirty state of every cleared entry ORed in. No flush.
pte_t ref_get_and_clear_full_ptes(const Abi* m, Mm* mm, uint64_t addr, unsigned nr, int full) {
  if (!check_range(m, "get_and_clear_full_ptes", addr, nr)) return 0;
  pte_t first = m->xchg(m, mm, addr, 0);
  for (unsigned i = 1; i < nr; ++i) {
    const pte_t old = m->xchg(m, mm, addr + i * page_size(m), 0);
    if (pte_dirty(old)) first = pte_mkdirty(first);
    if (pte_young(old)) first = pte_mkyoung(first);
  }
  return first;
}

// Contract (MADV_FREE): for nr consecutive entries, atomically clear AF
// (CYDP_CLEAR_YOUNG) and/or the dirty state (CYDP_CLEAR_DIRTY, pte_mkclean).
// No flush. None entries stay none.
void ref_clear_young_dirty_ptes(const Abi* m, Mm* mm, uint64_t addr, unsigned nr, unsigned flags) {
  if (!check_range(m, "clear_young_dirty_ptes", addr, nr)) return;
  const auto clean = [flags](pte_t p) {
    if (flags & CYDP_CLEAR_YOUNG) p = pte_mkold(p);
    if (flags & CYDP_CLEAR_DIRTY) p = pte_mkclean(p);
    return p;
  };
  for (unsigned i = 0; i < nr; ++i) {
    const uint64_t a = addr + i * page_size(m);
    const pte_t cur = m->read(m, mm, a);
    if (!pte_none(cur)) update_entry(m, mm, a, cur, clean);
  }
}

// Contract: starts a protection change: atomically clears the entry and
// returns it (so no hardware update can be lost). No flush.
pte_t ref_ptep_modify_prot_start(const Abi* m, Mm* mm, uint64_t addr) {
  if (!check_one(m, "ptep_modify_prot_start", addr)) return 0;
  return m->xchg(m, mm, addr, 0);
}

// Contract: completes it: set_ptes of the new entry, nr = 1.
void ref_ptep_modify_prot_commit(const Abi* m, Mm* mm, uint64_t addr, pte_t old_pte, pte_t pte) {
  if (!check_one(m, "ptep_modify_prot_commit", addr)) return;
  ref_set_ptes(m, mm, addr, pte, 1);
}

// Contract: how many entries from addr are known to continue a batch without
// scanning; never less than 1. Without CONT the answer is always 1.
unsigned ref_pte_batch_hint(const Abi* m, Mm* mm, uint64_t addr, pte_t pte) {
  check_one(m, "pte_batch_hint", addr);
  return 1;
}

constexpr ptediff_backend kReference = {
    .abi_version = PTEDIFF_ABI_VERSION,
    .name = "reference",
    .init = ref_init,
    .fini = nullptr,
    .ptep_get = ref_ptep_get,
    .ptep_get_lockless = ref_ptep_get_lockless,
    .set_ptes = ref_set_ptes,
    .pte_clear = ref_pte_clear,
    .ptep_get_and_clear = ref_ptep_get_and_clear,
    .ptep_clear_flush = ref_ptep_clear_flush,
    .ptep_test_and_clear_young = ref_ptep_test_and_clear_young,
    .ptep_clear_flush_young = ref_ptep_clear_flush_young,
    .ptep_set_wrprotect = ref_ptep_set_wrprotect,
    .wrprotect_ptes = ref_wrprotect_ptes,
    .ptep_set_access_flags = ref_ptep_set_access_flags,
    .clear_full_ptes = ref_clear_full_ptes,
    .get_and_clear_full_ptes = ref_get_and_clear_full_ptes,
    .clear_young_dirty_ptes = ref_clear_young_dirty_ptes,
    .ptep_modify_prot_start = ref_ptep_modify_prot_start,
    .ptep_modify_prot_commit = ref_ptep_modify_prot_commit,
    .pte_batch_hint = ref_pte_batch_hint,
};

}  // namespace
}  // namespace ptediff

extern "C" const ptediff_backend* ptediff_reference_backend(void) { return &ptediff::kReference; }
