// ptediff optimized backend: the public page-table API and the backend table.
//
// These are the wrappers arm64's pgtable.h presents to core-mm: they decide,
// from the entry's CONT bit and the profile, whether a call stays on the plain
// per-entry path, unfolds first, or takes the block-wide contpte path. PTE_CONT
// is private to the backend: setters strip it from their input; getters may
// return it (perf's pte_leaf_size() relies on seeing it).
#include <memory>
#include <string>

#include "absl/strings/str_format.h"
#include "subjects/contpte/config.h"
#include "subjects/contpte/optimized.h"
#include "subjects/contpte/contpte.h"
#include "subjects/contpte/plain.h"

namespace ptediff::contpte {
namespace {

constexpr ContpteConfig kDefaultConfig{};

// The run's config (defaults if the harness never called init).
const ContpteConfig& config_of(const ptediff_machine* m) {
  return m->backend_priv != nullptr ? *static_cast<const ContpteConfig*>(m->backend_priv)
                                    : kDefaultConfig;
}

// Checks the caller contract of a call naming nr entries from addr: nr >= 1,
// addr page aligned, all entries in one PTE table. Reports a violation and
// returns false (the call then does nothing).
bool check_range(const Ctx& c, const char* fn, uint64_t addr, uint64_t nr) {
  std::string err;
  uint64_t last = 0;
  if (nr == 0) {
    err = absl::StrFormat("%s: nr == 0", fn);
  } else if ((addr & (c.page_size() - 1)) != 0) {
    err = absl::StrFormat("%s: addr %#x not page aligned", fn, addr);
  } else if (__builtin_add_overflow(addr, (nr - 1) * c.page_size(), &last) ||
             (addr >> c.geo()->pmd_shift) != (last >> c.geo()->pmd_shift)) {
    err = absl::StrFormat("%s: %u entries from %#x cross a PTE table", fn, nr, addr);
  } else {
    return true;
  }
  c.m->contract_error(c.m, err.c_str());
  return false;
}

// ---------------------------------------------------------------------------
// The public API on a call context. Each is what arm64's pgtable.h (and, for
// the basic profile, the generic fallback of include/linux/pgtable.h) does.
// ---------------------------------------------------------------------------

// Contract: the entry at addr; for a valid+CONT entry, with the block's
// access/dirty state gathered in (the hardware may have set it on any entry).
pte_t ptep_get(const Ctx& c, uint64_t addr) {
  const pte_t pte = c.read(addr);
  if (!pte_valid_cont(pte)) [[likely]]
    return pte;
  if (c.mutant(Mutant::kGetNoGather)) [[unlikely]]
    return pte;
  return contpte_ptep_get(c, addr, pte);
}

// Contract: ptep_get_and_clear. Unfolds first, since clearing one entry of a
// block would leave the rest CONT next to a hole; then atomically clears.
pte_t ptep_get_and_clear(const Ctx& c, uint64_t addr) {
  contpte_try_unfold(c, addr, c.read(addr));
  return plain::ptep_get_and_clear(c, addr);
}

// Contract: set_ptes. nr == 1 may overwrite a present entry, so a block it
// belongs to is unfolded first; the write may complete a foldable block, which
// the fold profile then folds. nr > 1 maps none entries of one folio.
void set_ptes(const Ctx& c, uint64_t addr, pte_t pte, uint64_t nr) {
  pte = pte_mknoncont(pte);
  if (nr == 1) [[likely]] {
    contpte_try_unfold(c, addr, c.read(addr));
    plain::set_ptes(c, addr, pte, 1);
    if (c.cfg.fold()) contpte_try_fold(c, addr, pte);
  } else {
    contpte_set_ptes(c, addr, pte, nr);
  }
}

// Contract: ptep_set_wrprotect (wrprotect_ptes with nr == 1): write-protects
// one present entry, unfolding its block first so the block never mixes
// permissions. The entry read for the CONT test is reused as the cmpxchg
// guess (with CONT removed, which is what it holds after the unfold, up to
// gathered access/dirty state that the cmpxchg loop picks up).
void wrprotect_one(const Ctx& c, uint64_t addr) {
  pte_t orig = c.read(addr);
  if (pte_cont(orig)) [[unlikely]] {
    contpte_try_unfold_block(c, addr, orig);
    orig = pte_mknoncont(orig);
  }
  plain::ptep_set_wrprotect(c, addr, orig);
}

// Contract: the generic clear_young_dirty_ptes of a kernel without the arm64
// batch helper (basic profile): each entry is taken out with
// ptep_get_and_clear (which unfolds) and put back old and/or clean with
// set_ptes. A none entry stays none.
void clear_young_dirty_generic(const Ctx& c, uint64_t addr, uint64_t nr, unsigned flags) {
  for_each_pte(c, addr, nr, [&](uint64_t a) {
    pte_t pte = ptep_get_and_clear(c, a);
    if (pte_none(pte)) return;
    if (flags & CYDP_CLEAR_YOUNG) pte = pte_mkold(pte);
    if (flags & CYDP_CLEAR_DIRTY) pte = pte_mkclean(pte);
    set_ptes(c, a, pte, 1);
  });
}

// ---------------------------------------------------------------------------
// The C ABI: build the call context, check the caller contract, dispatch.
// ---------------------------------------------------------------------------

// The context of one call on `mm`.
Ctx ctx_of(const ptediff_machine* m, ptediff_mm* mm) { return Ctx{m, mm, config_of(m)}; }

// Contract: parses the options into a fresh config owned by backend_priv.
// Unknown keys or values are reported through contract_error (returns 1).
int abi_init(ptediff_machine* m, const char* options) {
  absl::StatusOr<ContpteConfig> cfg = parse_contpte_options(options);
  if (!cfg.ok()) {
    const std::string msg(cfg.status().message());
    m->contract_error(m, msg.c_str());
    return 1;
  }
  m->backend_priv = std::make_unique<ContpteConfig>(*cfg).release();
  return 0;
}

// Contract: releases what init allocated; safe on a machine init never set up.
void abi_fini(ptediff_machine* m) {
  delete static_cast<ContpteConfig*>(m->backend_priv);
  m->backend_priv = nullptr;
}

// Contract: ptep_get (see above) after the caller-contract check.
pte_t abi_ptep_get(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr) {
  const Ctx c = ctx_of(m, mm);
  return check_range(c, "ptep_get", addr, 1) ? ptep_get(c, addr) : 0;
}

// Contract: ptep_get without the PTL (gathers only from a consistent block).
pte_t abi_ptep_get_lockless(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr) {
  const Ctx c = ctx_of(m, mm);
  return check_range(c, "ptep_get_lockless", addr, 1) ? contpte_ptep_get_lockless(c, addr) : 0;
}

// Contract: set_ptes (see above); nr entries in one table.
void abi_set_ptes(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, pte_t pte, unsigned nr) {
  const Ctx c = ctx_of(m, mm);
  if (check_range(c, "set_ptes", addr, nr)) set_ptes(c, addr, pte, nr);
}

// Contract: clears one entry (plain store), unfolding its block first. No flush.
void abi_pte_clear(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr) {
  const Ctx c = ctx_of(m, mm);
  if (!check_range(c, "pte_clear", addr, 1)) return;
  contpte_try_unfold(c, addr, c.read(addr));
  plain::pte_clear(c, addr);
}

// Contract: ptep_get_and_clear (see above); no flush.
pte_t abi_ptep_get_and_clear(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr) {
  const Ctx c = ctx_of(m, mm);
  return check_range(c, "ptep_get_and_clear", addr, 1) ? ptep_get_and_clear(c, addr) : 0;
}

// Contract (generic ptep_clear_flush): ptep_get_and_clear, then a synced flush
// of the page if the old entry was valid (pte_accessible: the TLB may hold it
// whatever its access flag says, since young flushes elide their DSB). An
// unfold already flushed the block, so one page is enough.
pte_t abi_ptep_clear_flush(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr) {
  const Ctx c = ctx_of(m, mm);
  if (!check_range(c, "ptep_clear_flush", addr, 1)) return 0;
  const pte_t pte = ptep_get_and_clear(c, addr);
  if (pte_valid(pte)) c.flush_page(addr, /*sync=*/true);
  return pte;
}

// Contract: clears AF; a valid+CONT entry takes its whole block with it.
int abi_ptep_test_and_clear_young(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr) {
  const Ctx c = ctx_of(m, mm);
  if (!check_range(c, "ptep_test_and_clear_young", addr, 1)) return 0;
  if (!pte_valid_cont(c.read(addr))) [[likely]]
    return plain::ptep_test_and_clear_young(c, addr);
  return contpte_ptep_test_and_clear_young(c, addr);
}

// Contract: clears AF and flushes (unsynced) what was young: the page, or the
// whole block for a valid+CONT entry.
int abi_ptep_clear_flush_young(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr) {
  const Ctx c = ctx_of(m, mm);
  if (!check_range(c, "ptep_clear_flush_young", addr, 1)) return 0;
  if (!pte_valid_cont(c.read(addr))) [[likely]]
    return plain::ptep_clear_flush_young(c, addr);
  return contpte_ptep_clear_flush_young(c, addr);
}

// Contract: write-protects one present entry (unfolding its block); no flush.
void abi_ptep_set_wrprotect(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr) {
  const Ctx c = ctx_of(m, mm);
  if (check_range(c, "ptep_set_wrprotect", addr, 1)) wrprotect_one(c, addr);
}

// Contract: write-protects nr present entries; no flush (fork flushes the
// parent). The basic profile has no batch helper: every entry goes through
// ptep_set_wrprotect and so unfolds its block.
void abi_wrprotect_ptes(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, unsigned nr) {
  const Ctx c = ctx_of(m, mm);
  if (!check_range(c, "wrprotect_ptes", addr, nr)) return;
  if (!c.cfg.batch() || nr == 1) {
    for_each_pte(c, addr, nr, [&](uint64_t a) { wrprotect_one(c, a); });
  } else {
    contpte_wrprotect_ptes(c, addr, nr);
  }
}

// Contract: merges entry's access/dirty/write state (CONT stripped); see
// plain::ptep_set_access_flags and contpte_ptep_set_access_flags.
int abi_ptep_set_access_flags(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, pte_t entry,
                              int dirty) {
  const Ctx c = ctx_of(m, mm);
  if (!check_range(c, "ptep_set_access_flags", addr, 1)) return 0;
  entry = pte_mknoncont(entry);
  const pte_t orig = c.read(addr);
  if (!pte_valid_cont(orig)) [[likely]]
    return plain::ptep_set_access_flags(c, addr, entry, dirty);
  return contpte_ptep_set_access_flags(c, addr, orig, entry, dirty);
}

// Contract: clears nr entries; no flush (mmu_gather). Basic profile: one
// ptep_get_and_clear per entry, each unfolding its block.
void abi_clear_full_ptes(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, unsigned nr,
                         int full) {
  const Ctx c = ctx_of(m, mm);
  if (!check_range(c, "clear_full_ptes", addr, nr)) return;
  if (!c.cfg.batch() || nr == 1) {
    for_each_pte(c, addr, nr, [&](uint64_t a) { ptep_get_and_clear(c, a); });
  } else {
    contpte_clear_full_ptes(c, addr, nr);
  }
}

// Contract: as clear_full_ptes, returning the first entry with the
// access/dirty state of all cleared entries ORed in.
pte_t abi_get_and_clear_full_ptes(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr,
                                  unsigned nr, int full) {
  const Ctx c = ctx_of(m, mm);
  if (!check_range(c, "get_and_clear_full_ptes", addr, nr)) return 0;
  if (!c.cfg.batch() || nr == 1) {
    return gather_each(c, addr, nr, [&](uint64_t a) { return ptep_get_and_clear(c, a); });
  }
  return contpte_get_and_clear_full_ptes(c, addr, nr);
}

// Contract: clears young and/or dirty on nr present entries (MADV_FREE); no
// flush. A single non-CONT entry takes the plain path; anything touching a
// CONT block is widened to whole blocks instead of unfolding.
void abi_clear_young_dirty_ptes(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr,
                                unsigned nr, unsigned flags) {
  const Ctx c = ctx_of(m, mm);
  if (!check_range(c, "clear_young_dirty_ptes", addr, nr)) return;
  if (!c.cfg.batch()) {
    clear_young_dirty_generic(c, addr, nr, flags);
  } else if (nr == 1 && !pte_cont(c.read(addr))) {
    plain::clear_young_dirty_ptes(c, addr, 1, flags);
  } else {
    contpte_clear_young_dirty_ptes(c, addr, nr, flags);
  }
}

// Contract: starts a protection change (ptep_get_and_clear: unfolds).
pte_t abi_ptep_modify_prot_start(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr) {
  const Ctx c = ctx_of(m, mm);
  return check_range(c, "ptep_modify_prot_start", addr, 1) ? ptep_get_and_clear(c, addr) : 0;
}

// Contract: completes it with set_ptes(nr = 1), which may refold the block.
void abi_ptep_modify_prot_commit(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr,
                                 pte_t old_pte, pte_t pte) {
  const Ctx c = ctx_of(m, mm);
  if (check_range(c, "ptep_modify_prot_commit", addr, 1)) set_ptes(c, addr, pte, 1);
}

// Contract: how many entries from addr (whose value is pte) core-mm may batch
// without reading them: the rest of the block for a valid+CONT entry, whose
// entries are guaranteed consecutive with one prot; else 1. The basic
// profile has no hint.
unsigned abi_pte_batch_hint(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, pte_t pte) {
  const Ctx c = ctx_of(m, mm);
  if (!check_range(c, "pte_batch_hint", addr, 1)) return 1;
  if (!c.cfg.batch() || !pte_valid_cont(pte)) [[likely]]
    return 1;
  const unsigned n = c.cont_ptes() - c.block_index(addr);
  return c.mutant(Mutant::kBatchHintOffByOne) ? n + 1 : n;
}

constexpr ptediff_backend kOptimized = {
    .abi_version = PTEDIFF_ABI_VERSION,
    .name = "optimized",
    .init = abi_init,
    .fini = abi_fini,
    .ptep_get = abi_ptep_get,
    .ptep_get_lockless = abi_ptep_get_lockless,
    .set_ptes = abi_set_ptes,
    .pte_clear = abi_pte_clear,
    .ptep_get_and_clear = abi_ptep_get_and_clear,
    .ptep_clear_flush = abi_ptep_clear_flush,
    .ptep_test_and_clear_young = abi_ptep_test_and_clear_young,
    .ptep_clear_flush_young = abi_ptep_clear_flush_young,
    .ptep_set_wrprotect = abi_ptep_set_wrprotect,
    .wrprotect_ptes = abi_wrprotect_ptes,
    .ptep_set_access_flags = abi_ptep_set_access_flags,
    .clear_full_ptes = abi_clear_full_ptes,
    .get_and_clear_full_ptes = abi_get_and_clear_full_ptes,
    .clear_young_dirty_ptes = abi_clear_young_dirty_ptes,
    .ptep_modify_prot_start = abi_ptep_modify_prot_start,
    .ptep_modify_prot_commit = abi_ptep_modify_prot_commit,
    .pte_batch_hint = abi_pte_batch_hint,
};

}  // namespace
}  // namespace ptediff::contpte

extern "C" const ptediff_backend* ptediff_optimized_backend(void) {
  return &ptediff::contpte::kOptimized;
}
