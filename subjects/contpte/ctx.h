// ptediff optimized backend: the context of one call and the small helpers
// every layer shares (block arithmetic, entry iteration, the cmpxchg loop,
// access/dirty gathering).
//
// Nothing here keeps a pointer into the tables: every access goes through the
// machine primitives, addressed by (mm, va), so the harness sees all of it.
#ifndef PTEDIFF_SUBJECTS_CONTPTE_CTX_H_
#define PTEDIFF_SUBJECTS_CONTPTE_CTX_H_

#include <cstdint>

#include "subjects/contpte/config.h"
#include "ptediff/backend.h"

namespace ptediff::contpte {

// A cmpxchg that fails without reporting a different value was refused by the
// machine (out of window); any real race ends well within this bound.
inline constexpr int kMaxCmpxchgTries = 8;

// One backend call: the machine, the mm it acts on and the run's config.
struct Ctx {
  const ptediff_machine* m;
  ptediff_mm* mm;
  const ContpteConfig& cfg;

  const ptediff_geometry* geo() const { return &m->geo; }
  uint64_t page_size() const { return 1ULL << m->geo.page_shift; }
  unsigned cont_ptes() const { return m->geo.cont_ptes; }
  uint64_t cont_size() const { return static_cast<uint64_t>(cont_ptes()) << m->geo.page_shift; }
  uint64_t block_start(uint64_t addr) const { return addr & ~(cont_size() - 1); }
  bool block_aligned(uint64_t addr) const { return (addr & (cont_size() - 1)) == 0; }
  // Index of the entry mapping `addr` inside its block.
  unsigned block_index(uint64_t addr) const {
    return static_cast<unsigned>((addr >> m->geo.page_shift) & (cont_ptes() - 1));
  }
  uint64_t align_pfn(uint64_t pfn) const { return pfn & ~static_cast<uint64_t>(cont_ptes() - 1); }
  bool mm_is_user() const { return m->mm_is_user(m, mm); }
  bool bbml2() const { return (m->features & PTEDIFF_FEAT_BBML2) != 0; }
  bool mutant(Mutant x) const { return cfg.mutant_is(x); }

  pte_t read(uint64_t addr) const { return m->read(m, mm, addr); }
  void write(uint64_t addr, pte_t val) const { m->write(m, mm, addr, val); }
  pte_t xchg(uint64_t addr, pte_t val) const { return m->xchg(m, mm, addr, val); }
  bool cmpxchg(uint64_t addr, pte_t* old, pte_t val) const {
    return m->cmpxchg(m, mm, addr, old, val);
  }
  // Every TLB flush of this backend invalidates last-level (level 3) entries
  // page by page over [start, end).
  void flush_range(uint64_t start, uint64_t end, bool sync) const {
    m->flush_tlb_range(m, mm, start, end, page_size(), /*last_level=*/true, /*tlb_level=*/3, sync);
  }
  void flush_page(uint64_t addr, bool sync) const { flush_range(addr, addr + page_size(), sync); }
  void flush_block(uint64_t addr, bool sync) const {
    const uint64_t start = block_start(addr);
    flush_range(start, start + cont_size(), sync);
  }
};

// ORs the access and dirty state of `from` into `into` (pte_mkyoung /
// pte_mkdirty), as contpte does when it gathers a block.
inline pte_t gather_young_dirty(pte_t into, pte_t from) {
  if (pte_dirty(from)) into = pte_mkdirty(into);
  if (pte_young(from)) into = pte_mkyoung(into);
  return into;
}

// Calls fn(va) for the nr entries from addr.
template <typename Fn>
void for_each_pte(const Ctx& c, uint64_t addr, uint64_t nr, Fn&& fn) {
  const uint64_t page = c.page_size();
  for (uint64_t i = 0; i < nr; ++i) fn(addr + i * page);
}

// Calls fn(va) for every entry of the CONT block containing addr.
template <typename Fn>
void for_each_block_pte(const Ctx& c, uint64_t addr, Fn&& fn) {
  for_each_pte(c, c.block_start(addr), c.cont_ptes(), fn);
}

// Whether pred(va) holds for every entry of the CONT block containing addr;
// stops reading at the first entry for which it does not.
template <typename Pred>
bool all_block_ptes(const Ctx& c, uint64_t addr, Pred&& pred) {
  const uint64_t start = c.block_start(addr);
  for (unsigned i = 0; i < c.cont_ptes(); ++i) {
    if (!pred(start + i * c.page_size())) return false;
  }
  return true;
}

// Calls get(va) for the nr >= 1 entries from addr and returns the first
// result with the access/dirty state of all of them ORed in.
template <typename Get>
pte_t gather_each(const Ctx& c, uint64_t addr, uint64_t nr, Get&& get) {
  pte_t first = get(addr);
  for_each_pte(c, addr + c.page_size(), nr - 1,
               [&](uint64_t a) { first = gather_young_dirty(first, get(a)); });
  return first;
}

// The arm64 cmpxchg_relaxed loop: starting from the caller's `guess` of the
// entry, atomically installs update(old) and returns the value it replaced.
// A refused cmpxchg (the machine reports no newer value) ends the loop, so it
// cannot spin.
template <typename Fn>
pte_t update_pte(const Ctx& c, uint64_t addr, pte_t guess, Fn&& update) {
  pte_t old = guess;
  for (int tries = 0; tries < kMaxCmpxchgTries; ++tries) {
    const pte_t seen = old;
    if (c.cmpxchg(addr, &old, update(seen))) return seen;
    if (old == seen) break;
  }
  return old;
}

// What the *-plain-write mutants put in place of update_pte: a plain
// read-modify-write. The entry is read afresh (a caller's guess may predate an
// unfold that gathered access/dirty into it) and update(old) is stored with a
// plain write; returns the value read. Single-threaded this ends exactly where
// update_pte ends; an access/dirty update the hardware makes between the read
// and the write is overwritten.
template <typename Fn>
pte_t plain_update_pte(const Ctx& c, uint64_t addr, Fn&& update) {
  const pte_t old = c.read(addr);
  c.write(addr, update(old));
  return old;
}

// update_pte, or plain_update_pte when `plain_mutant` (the calling helper's
// mutant) is active. With no mutant this is update_pte after one predictable
// compare: the same primitives.
template <typename Fn>
pte_t update_pte_unless(const Ctx& c, Mutant plain_mutant, uint64_t addr, pte_t guess,
                        Fn&& update) {
  if (c.cfg.mutant != Mutant::kNone) [[unlikely]] {
    if (c.mutant(plain_mutant)) return plain_update_pte(c, addr, update);
  }
  return update_pte(c, addr, guess, update);
}

// The pfn a batch advances from. Correct code decodes the whole output
// address (pte_pfn); the pa52-advance mutant keeps only bits [47:PAGE_SHIFT].
inline uint64_t pfn_for_advance(const Ctx& c, pte_t pte) {
  if (c.mutant(Mutant::kPa52Advance)) [[unlikely]] {
    return (pte & ((1ULL << 48) - 1)) >> c.geo()->page_shift;
  }
  return pte_pfn(c.geo(), pte);
}

// pte_advance_pfn: the same entry mapping the page nr further on.
inline pte_t pte_advance_pfn(const Ctx& c, pte_t pte, uint64_t nr) {
  return pfn_pte(c.geo(), pfn_for_advance(c, pte) + nr, pte_pgprot(c.geo(), pte));
}

}  // namespace ptediff::contpte

#endif  // PTEDIFF_SUBJECTS_CONTPTE_CTX_H_
