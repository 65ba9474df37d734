// ptediff optimized backend: the contpte layer (see contpte_core.h).
//
// Invariant this layer maintains for user mms: a valid+CONT entry only ever
// exists in a block whose CONT_PTES entries are all valid+CONT, map
// consecutive pfns from a CONT-aligned pfn of one folio, and share one prot
// modulo access/dirty. The hardware may then record access/dirty in any entry
// of the block, so readers gather it and writers treat the block as one unit.
#include "subjects/contpte/contpte.h"

#include <algorithm>

#include "subjects/contpte/plain.h"

namespace ptediff::contpte {
namespace {

// The clear-young-dirty-bytes mutant walks at most this many PTE tables worth
// of entries: far enough to leave any window the harness maps, bounded so that
// a 512M (64K granule) byte count cannot exhaust memory with logged accesses.
constexpr uint64_t kRunawayWalkTables = 4;

// The __contpte_try_fold comparison of one entry (access/dirty and CONT
// already stripped) with what a foldable block holds there.
bool fold_entry_matches(const Ctx& c, pte_t sub, pte_t expected) {
  if (c.cfg.mutant != Mutant::kNone) [[unlikely]] {
    if (c.mutant(Mutant::kFoldIgnoresPfn)) {
      return pte_pgprot(c.geo(), sub) == pte_pgprot(c.geo(), expected);
    }
    if (c.mutant(Mutant::kFoldIgnoresProt))
      return pte_pfn(c.geo(), sub) == pte_pfn(c.geo(), expected);
  }
  return sub == expected;
}

// How contpte_convert takes the old entry at `a` out of the block: an atomic
// exchange with 0, so that an access/dirty update the hardware makes lands
// either before it (and is returned) or not at all (a none entry cannot be
// walked). Mutants: convert-read-then-clear reads, then stores 0 (an update
// in between is lost); bbml2-repaint-plain-write, under BBML2, only reads
// (the entry stays live until the repaint overwrites it, and an update before
// that is lost).
pte_t convert_take_entry(const Ctx& c, uint64_t a) {
  if (c.cfg.mutant != Mutant::kNone) [[unlikely]] {
    if (c.mutant(Mutant::kConvertReadThenClear)) {
      const pte_t old = c.read(a);
      c.write(a, 0);
      return old;
    }
    if (c.mutant(Mutant::kBbml2RepaintPlainWrite) && c.bbml2()) return c.read(a);
  }
  return c.xchg(a, 0);
}

}  // namespace

// Contract: `pte` is an entry of the block containing addr (any entry, any
// access/dirty state), with CONT set to fold the block or clear to unfold it;
// the block's entries map consecutive pfns of one folio with one prot. Every
// entry is rewritten with pte's prot and CONT bit, consecutive pfns from the
// block-aligned pfn, and the OR of the block's access/dirty state.
// Why it is safe: changing the size of a live translation needs
// break-before-make. Each entry is cleared with an atomic exchange, so an
// access/dirty update the hardware makes meanwhile is collected rather than
// lost; the block is then invalidated with a synced flush before any new entry
// is written. With BBML2_NOABORT the hardware tolerates a size-only change and
// invalidates conflicting TLB entries itself, so upstream 83bbd6be7d17
// ("arm64/mm: Elide tlbi in contpte_convert() under BBML2") keeps the
// clear-and-gather loop and the repaint exactly as they are and elides only
// the TLBI between them. (Mutants convert-read-then-clear and
// bbml2-repaint-plain-write replace the exchange: convert_take_entry.)
void contpte_convert(const Ctx& c, uint64_t addr, pte_t pte) {
  const uint64_t start = c.block_start(addr);
  const bool unfold = !pte_cont(pte);
  const bool keep_dirty = !(unfold && c.mutant(Mutant::kUnfoldDropsDirty));
  const bool keep_young = !(unfold && c.mutant(Mutant::kUnfoldDropsYoung));

  pte = pfn_pte(c.geo(), c.align_pfn(pfn_for_advance(c, pte)), pte_pgprot(c.geo(), pte));
  for_each_block_pte(c, start, [&](uint64_t a) {
    const pte_t ptent = convert_take_entry(c, a);
    if (keep_dirty && pte_dirty(ptent)) pte = pte_mkdirty(pte);
    if (keep_young && pte_young(ptent)) pte = pte_mkyoung(pte);
  });
  if (!c.bbml2() && !c.mutant(Mutant::kConvertNoFlush)) c.flush_block(start, /*sync=*/true);
  plain::set_ptes(c, start, pte, c.cont_ptes());
}

// Contract (__contpte_try_unfold): `pte` is the valid+CONT entry at addr.
// Rewrites its block as non-CONT entries (same pfns and prot, gathered
// access/dirty) so that one of them can then be changed alone. Kernel mms are never folded by this
// backend, so there is nothing to unfold there (and their mappings could not take the transient
// fault of the break-before-make anyway).
void contpte_try_unfold_block(const Ctx& c, uint64_t addr, pte_t pte) {
  if (!c.mm_is_user()) return;
  contpte_convert(c, addr, pte_mknoncont(pte));
}

// Contract (contpte_try_unfold): unfolds the block of addr if `pte`, the
// entry there, is valid+CONT; otherwise does nothing at all.
void contpte_try_unfold(const Ctx& c, uint64_t addr, pte_t pte) {
  if (pte_valid_cont(pte)) [[unlikely]]
    contpte_try_unfold_block(c, addr, pte);
}

// Contract: before a batch operation on [addr, addr + nr pages), unfolds the
// blocks the range covers only partly (at most one at each end). Blocks fully
// inside the range stay folded: the batch changes all their entries alike,
// which keeps them well formed.
void contpte_try_unfold_partial(const Ctx& c, uint64_t addr, uint64_t nr) {
  if (!c.block_aligned(addr) || nr < c.cont_ptes()) contpte_try_unfold(c, addr, c.read(addr));
  const uint64_t end = addr + nr * c.page_size();
  if (!c.block_aligned(end)) {
    const uint64_t last = end - c.page_size();
    contpte_try_unfold(c, last, c.read(last));
  }
}

// Contract (__contpte_try_fold): `pte` was just written at addr, the last
// entry of its block by address and by pfn. Folds the block if it is a user
// mm, one folio covers the block, and every entry equals the expected
// consecutive mapping with pte's prot once access/dirty are ignored (the fold
// gathers those into the single block-wide state).
// Why it is safe: the folio check is what makes block-wide access/dirty
// tracking exact enough, since core-mm tracks both per folio; and the fold
// itself is a contpte_convert (break-before-make).
void contpte_try_fold_block(const Ctx& c, uint64_t addr, pte_t pte) {
  if (!c.mm_is_user() && !c.mutant(Mutant::kFoldKernelMm)) return;
  const ptediff_geometry* geo = c.geo();
  const uint64_t pfn = pte_pfn(geo, pte);
  const uint64_t block_pfn = c.align_pfn(pfn);
  if (!c.mutant(Mutant::kFoldAcrossFolios)) {
    ptediff_folio folio;
    if (!c.m->folio_of(c.m, pfn, &folio)) return;
    if (folio.start_pfn > block_pfn ||
        folio.start_pfn + folio.nr_pages < block_pfn + c.cont_ptes()) {
      return;
    }
  }
  const pte_t prot = pte_pgprot(geo, pte_mkold_clean(pte));
  const bool foldable = all_block_ptes(c, addr, [&](uint64_t a) {
    const pte_t sub = pte_mknoncont(pte_mkold_clean(c.read(a)));
    if (c.mutant(Mutant::kFoldCountsProtnone) && pte_protnone(sub)) [[unlikely]] {
      return pte_pfn(geo, sub) == block_pfn + c.block_index(a);
    }
    return fold_entry_matches(c, sub, pfn_pte(geo, block_pfn + c.block_index(a), prot));
  });
  if (foldable) contpte_convert(c, addr, pte_mkcont(pte));
}

// Contract (contpte_try_fold): cheap filter run after every single-entry
// set_ptes in the fold profile. Only the last entry of a block, by address and
// by pfn, valid, not CONT and not special (special mappings have no folio) can
// complete a foldable block; core-mm fills blocks low to high, so that is
// when folding pays off.
void contpte_try_fold(const Ctx& c, uint64_t addr, pte_t pte) {
  const uint64_t last = c.cont_ptes() - 1;
  if (c.block_index(addr) != last) [[likely]]
    return;
  if ((pte_pfn(c.geo(), pte) & last) != last) return;
  if (!pte_valid(pte) || pte_cont(pte) || pte_special(pte)) return;
  contpte_try_fold_block(c, addr, pte);
}

// Contract: `orig_pte` is the valid+CONT entry at addr; returns it with the
// access/dirty state of every entry of its block ORed in (CONT stays visible).
// No consistency check is needed: with the PTL held, only the hardware can
// change the block meanwhile, and all it does is set AF or clear RDONLY.
pte_t contpte_ptep_get(const Ctx& c, uint64_t addr, pte_t orig_pte) {
  for_each_block_pte(c, addr,
                     [&](uint64_t a) { orig_pte = gather_young_dirty(orig_pte, c.read(a)); });
  return orig_pte;
}

// Contract: ptep_get without the PTL. A non-CONT entry is returned as read.
// For a CONT entry the block is only trusted (and its access/dirty gathered)
// if it is consistent: all valid+CONT, consecutive pfns, one prot modulo
// access/dirty. An inconsistent block means a fold, unfold or change is in
// flight on another CPU, so the reader retries from the target entry, as
// upstream does, until the block is consistent: without a bound of its own,
// since a bound would end a wait for a writer that is only slow (the harness
// runs the writer's next primitive only after a reader's pass or two), and a
// reader that gave up would return a value with the block's access/dirty
// state missing. The harness ends a reader that no writer can release (a
// block inconsistent at rest, which the state checks report anyway): its
// reads then see an empty entry, on which this returns (interleave.h,
// ReadCap).
// Mutant lockless-no-retry: gathers over the block unchecked, in one pass.
pte_t contpte_ptep_get_lockless(const Ctx& c, uint64_t addr) {
  const ptediff_geometry* geo = c.geo();
  for (;;) {
    const pte_t orig_pte = c.read(addr);
    if (!pte_valid_cont(orig_pte)) return orig_pte;
    if (c.cfg.mutant != Mutant::kNone) [[unlikely]] {
      if (c.mutant(Mutant::kLocklessNoRetry)) return contpte_ptep_get(c, addr, orig_pte);
    }
    const pte_t orig_prot = pte_pgprot(geo, pte_mkold_clean(orig_pte));
    const uint64_t first_pfn = pte_pfn(geo, orig_pte) - c.block_index(addr);
    pte_t gathered = orig_pte;
    const bool consistent = all_block_ptes(c, addr, [&](uint64_t a) {
      const pte_t pte = c.read(a);
      if (!pte_valid_cont(pte) || pte_pfn(geo, pte) != first_pfn + c.block_index(a) ||
          pte_pgprot(geo, pte_mkold_clean(pte)) != orig_prot) {
        return false;
      }
      gathered = gather_young_dirty(gathered, pte);
      return true;
    });
    if (consistent) return gathered;
  }
}

// Contract: set_ptes for nr > 1 entries, all none beforehand (so nothing needs
// unfolding or invalidating). Splits the range at block boundaries and maps a
// chunk CONT only when its start, its end and its physical address are all
// CONT-aligned, i.e. it is exactly one whole block of one folio (set_ptes maps
// a single folio). Kernel mms get no CONT (as in 4602e5757bcc): a kernel mapping
// could not take the faults a later unfold would cause, so contpte_set_ptes
// hands a kernel mm straight to the plain __set_ptes.
void contpte_set_ptes(const Ctx& c, uint64_t addr, pte_t pte, uint64_t nr) {
  // A non-valid entry (PROT_NONE copied by fork's batches) is never CONT:
  // the hardware must not use it, and no contiguous block holds one.
  if (!c.mm_is_user() || (!pte_valid(pte) && !c.mutant(Mutant::kSetPtesContNonvalid))) {
    plain::set_ptes(c, addr, pte, nr);
    return;
  }
  const uint64_t end = addr + nr * c.page_size();
  const uint64_t mask = c.cont_size() - 1;
  const bool check_pa = !c.mutant(Mutant::kSetPtesVaOnlyAlign);
  const pte_t prot = pte_pgprot(c.geo(), pte);
  uint64_t pfn = pfn_for_advance(c, pte);
  do {
    const uint64_t next = std::min(c.block_start(addr) + c.cont_size(), end);
    const uint64_t n = (next - addr) / c.page_size();
    const uint64_t pa = check_pa ? pfn << c.geo()->page_shift : 0;
    pte_t chunk = pfn_pte(c.geo(), pfn, prot);
    chunk = ((addr | next | pa) & mask) == 0 ? pte_mkcont(chunk) : pte_mknoncont(chunk);
    plain::set_ptes(c, addr, chunk, n);
    addr = next;
    pfn += n;
  } while (addr != end);
}

// Contract: test_and_clear_young on a valid+CONT entry; clears AF on every
// entry of the block and returns whether any was young. Clearing the whole
// block instead of one page is fine because core-mm tracks access per folio
// and a block never spans two folios; it also avoids an unfold.
int contpte_ptep_test_and_clear_young(const Ctx& c, uint64_t addr) {
  int young = 0;
  for_each_block_pte(c, addr, [&](uint64_t a) { young |= plain::ptep_test_and_clear_young(c, a); });
  return young;
}

// Contract: as above, then, if young, an unsynced flush of the whole block: a
// TLB may cache the block as one entry, and any page of it may be the one the
// hardware marks. The DSB is elided for the same reason as for a single page.
int contpte_ptep_clear_flush_young(const Ctx& c, uint64_t addr) {
  const int young = contpte_ptep_test_and_clear_young(c, addr);
  if (young) {
    if (c.mutant(Mutant::kClearFlushYoungOnePage)) [[unlikely]] {
      c.flush_page(addr, /*sync=*/false);
    } else {
      c.flush_block(addr, /*sync=*/false);
    }
  }
  return young;
}

// Contract: ptep_set_access_flags when `orig_pte`, the raw entry at addr, is
// valid+CONT (`entry` has CONT stripped). Returns 0 only if every raw entry of
// the block already carries entry's RDONLY/AF/WRITE/DIRTY bits (the gathered
// value may look up to date while one entry, the one a fault came through,
// still lacks them). If the write permission is unchanged the flags are merged
// into every entry, which keeps the block well formed without an unfold, and
// the block is flushed when `dirty` (a stale read-only translation of any page
// must go). A write-permission change cannot be made block-wide here, so the
// block is unfolded and only the target entry is updated.
int contpte_ptep_set_access_flags(const Ctx& c, uint64_t addr, pte_t orig_pte, pte_t entry,
                                  int dirty) {
  constexpr pte_t kFlags = PTE_RDONLY | PTE_AF | PTE_WRITE | PTE_DIRTY;
  bool noop;
  if (c.mutant(Mutant::kAccessFlagsGatheredNoop)) [[unlikely]] {
    noop = pte_mknoncont(contpte_ptep_get(c, addr, orig_pte)) == entry;
  } else {
    noop = all_block_ptes(c, addr, [&](uint64_t a) { return ((c.read(a) ^ entry) & kFlags) == 0; });
  }
  if (noop) return 0;

  if (pte_write(orig_pte) == pte_write(entry)) {
    for_each_block_pte(c, addr, [&](uint64_t a) { plain::ptep_set_access_flags(c, a, entry, 0); });
    if (dirty && !c.mutant(Mutant::kAccessFlagsNoTlbi)) c.flush_block(addr, /*sync=*/true);
  } else {
    contpte_try_unfold_block(c, addr, orig_pte);
    plain::ptep_set_access_flags(c, addr, entry, dirty);
  }
  return 1;
}

// Contract: wrprotect_ptes for nr > 1. A block wholly inside the range is
// write-protected entry by entry without unfolding: the TLB may keep a
// writable translation only until the caller's flush, after which every entry
// is read-only. A partly covered block is unfolded first: a CONT block whose
// entries disagree on permissions is architecturally undefined, and no later
// flush would make it defined again.
void contpte_wrprotect_ptes(const Ctx& c, uint64_t addr, uint64_t nr) {
  if (!c.mutant(Mutant::kWrprotectNoPartialUnfold)) contpte_try_unfold_partial(c, addr, nr);
  plain::wrprotect_ptes(c, addr, nr);
}

// Contract: clear_full_ptes for nr > 1. Whole blocks are cleared entry by
// entry without unfolding (they end up entirely none, which is well formed);
// partly covered blocks are unfolded first so no CONT entry survives next to
// a cleared one. No flush: the caller's mmu_gather flushes.
void contpte_clear_full_ptes(const Ctx& c, uint64_t addr, uint64_t nr) {
  if (!c.mutant(Mutant::kClearFullNoPartialUnfold)) contpte_try_unfold_partial(c, addr, nr);
  plain::clear_full_ptes(c, addr, nr);
}

// Contract: get_and_clear_full_ptes for nr > 1: as contpte_clear_full_ptes,
// returning the first entry with the access/dirty state of all cleared
// entries ORed in (for whole blocks that is exactly the gathered state).
pte_t contpte_get_and_clear_full_ptes(const Ctx& c, uint64_t addr, uint64_t nr) {
  if (!c.mutant(Mutant::kClearFullNoPartialUnfold)) contpte_try_unfold_partial(c, addr, nr);
  pte_t got = plain::get_and_clear_full_ptes(c, addr, nr);
  if (c.mutant(Mutant::kGetGathersNonpresent)) [[unlikely]] {
    const uint64_t end = addr + nr * c.page_size();
    if (!c.block_aligned(end)) {
      for (uint64_t a = end; !c.block_aligned(a); a += c.page_size()) {
        got = gather_young_dirty(got, c.read(a));
      }
    }
  }
  return got;
}

// Contract: clear_young_dirty_ptes on a range that starts or ends in a CONT
// block (or nr > 1). Instead of unfolding, the range is widened to the whole
// block at an end whose entry has CONT: core-mm tracks access/dirty per folio
// and a block never spans two folios, so clearing the neighbours' state too is
// harmless, and the block stays uniformly old/clean. No flush (mmu_gather).
void contpte_clear_young_dirty_ptes(const Ctx& c, uint64_t addr, uint64_t nr, unsigned flags) {
  uint64_t start = addr;
  uint64_t end = addr + nr * c.page_size();
  if (pte_cont(c.read(end - c.page_size()))) end = c.block_start(end + c.cont_size() - 1);
  if (pte_cont(c.read(addr))) start = c.block_start(addr);

  uint64_t count = (end - start) / c.page_size();
  if (c.mutant(Mutant::kClearYoungDirtyBytes)) [[unlikely]] {
    count = std::min<uint64_t>(static_cast<unsigned>(end - start),
                               kRunawayWalkTables * c.m->geo.ptrs_per_pte);
  }
  plain::clear_young_dirty_ptes(c, start, count, flags);
}

}  // namespace ptediff::contpte
