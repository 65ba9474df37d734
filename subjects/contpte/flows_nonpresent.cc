// ptediff: the core-mm flows that create and consume non-present entries
// (see flows.h; docs/DESIGN.md §8.2.3).
//
// They follow mm/ of 6.12: change_pte_range (mprotect.c) for PROT_NONE, NUMA
// hinting and uffd-wp; do_numa_page with numa_rebuild_large_mapping;
// try_to_unmap_one and try_to_migrate_one (rmap.c) for swap-out and
// migration; do_swap_page with mTHP swap-in; remove_migration_pte
// (migrate.c). Like every flow they use only the public API, so both sides
// run the same calls; what differs is what the backends make of them.
#include <algorithm>

#include "subjects/contpte/flows.h"
#include "mmu/swp.h"

namespace ptediff {
namespace {

using K = OpKind;

// ptep_modify_prot_start / commit of one entry with `fn(old)` as the new value.
template <typename Fn>
void modify_entry(Api& api, uint32_t mm, uint64_t va, Fn fn) {
  const pte_t old = api.ptep_modify_prot_start(mm, va);
  api.ptep_modify_prot_commit(mm, va, old, fn(old));
}

// change_pte_range to PAGE_NONE: every present entry (with numa, those not
// PROT_NONE already and with a folio) through modify_prot; swap entries stay.
void mprotect_none(const Prepared& p, Api& api) {
  const ptediff_geometry& geo = api.geo();
  const uint64_t page = api.page_size();
  const bool numa = p.op.get(Field::kNuma) != 0;
  bool any = false;
  for (uint32_t i = 0; i < p.range.nr; ++i) {
    const uint64_t va = p.range.va + i * page;
    const pte_t old = api.ptep_get(p.range.mm, va);
    if (!pte_present(old)) continue;
    ptediff_folio f{};
    if (numa && (pte_protnone(old) || !api.machine().folio_of(pte_pfn(&geo, old), &f))) continue;
    modify_entry(api, p.range.mm, va, [&](pte_t o) { return pte_modify(o, page_none(geo)); });
    any = true;
  }
  if (any) api.flush_tlb_range(p.range.mm, p.range.va, p.range.va + p.range.nr * page);
}

// do_numa_page on the PROT_NONE entry at va: numa_rebuild_large_mapping
// restores every PROT_NONE entry of the folio in this table (young, writable
// on a write fault), one modify_prot each; the access is then retried.
void numa_fault(const Prepared& p, Api& api, std::vector<Ret>* rets) {
  const ptediff_geometry& geo = api.geo();
  const uint64_t page = api.page_size();
  const uint32_t mm = p.range.mm;
  const bool write = p.op.get(Field::kWrite) != 0;
  for (uint32_t i = 0; i < p.range.nr; ++i) {
    const uint64_t va = p.range.va + i * page;
    const pte_t e = api.ptep_get(mm, va);
    ptediff_folio f{};
    if (!pte_protnone(e) || !api.machine().folio_of(pte_pfn(&geo, e), &f) || f.id != p.folio.id) {
      continue;
    }
    modify_entry(api, mm, va, [&](pte_t o) {
      const pte_t n = pte_mkyoung(pte_modify(o, vm_page_prot(geo, 0)));
      return write ? pte_mkwrite(n) : n;
    });
  }
  const uint64_t va = p.op.get(Field::kVa);
  retry_access(api, mm, va, write ? AccessKind::kWrite : AccessKind::kRead, rets);
}

// try_to_unmap_one / try_to_migrate_one over every mapping of the folio:
// ptep_clear_flush, the folio dirtied from what it returned, then the entry
// `make(old, index in folio)` set in its place with set_pte_at.
template <typename Make>
void unmap_folio(const Prepared& p, Api& api, std::vector<Ret>* rets, Make make) {
  const ptediff_geometry& geo = api.geo();
  const uint64_t page = api.page_size();
  uint64_t last_folio = ~0ULL;
  for (const Range& r : p.rmap) {
    for (uint32_t i = 0; i < r.nr; ++i) {
      const uint64_t va = r.va + i * page;
      const pte_t old = api.ptep_clear_flush(r.mm, va);
      append_folio_ad(rets, {r.mm, va, 1}, p.folio.id,
                      (pte_young(old) ? 1u : 0u) | (pte_dirty(old) ? 2u : 0u), &last_folio, page);
      api.set_ptes(r.mm, va, make(old, pte_pfn(&geo, old) - p.folio.start_pfn), 1);
    }
  }
}

// Swap-out: a swap entry of type 0 whose offset is the folio's slot (its
// start pfn, above the region `slot` names) plus the page index; the
// exclusive and uffd-wp state travel in the entry's software bits.
void swap_out(const Prepared& p, Api& api, std::vector<Ret>* rets) {
  const uint64_t base = (p.op.get(Field::kSlot) << 36) + p.folio.start_pfn;
  const bool exclusive = p.rmap.size() == 1;
  unmap_folio(p, api, rets, [&](pte_t old, uint64_t idx) {
    pte_t e = ptediff_swp_entry(0, base + idx);
    if (exclusive) e |= PTE_SWP_EXCLUSIVE;
    if (pte_uffd_wp(old)) e |= PTE_SWP_UFFD_WP;
    return e;
  });
}

// Migration: write / read-exclusive / read entries by the old entry's
// permission and sharing, remembering young and dirty.
void try_to_migrate(const Prepared& p, Api& api, std::vector<Ret>* rets) {
  const ptediff_geometry& geo = api.geo();
  const bool exclusive = p.rmap.size() == 1;
  unmap_folio(p, api, rets, [&](pte_t old, uint64_t idx) {
    const uint64_t type = pte_write(old) ? kSwpMigrationWrite
                          : exclusive    ? kSwpMigrationReadExclusive
                                         : kSwpMigrationRead;
    pte_t e = ptediff_swp_entry(type, p.folio.start_pfn + idx);
    if (pte_young(old)) e |= migration_young_bit(geo);
    if (pte_dirty(old)) e |= migration_dirty_bit(geo);
    if (pte_uffd_wp(old)) e |= PTE_SWP_UFFD_WP;
    return e;
  });
}

// remove_migration_pte: each migration entry of the old folio (p.rmap) maps
// the same page of the new folio, old unless remembered young, dirty when
// remembered dirty, writable for a write entry, one set_pte_at each.
void remove_migration(const Prepared& p, Api& api) {
  const ptediff_geometry& geo = api.geo();
  const uint64_t page = api.page_size();
  for (const Range& r : p.rmap) {
    for (uint32_t i = 0; i < r.nr; ++i) {
      const uint64_t va = r.va + i * page;
      const pte_t old = api.ptep_get(r.mm, va);
      ptediff_folio from{};
      api.machine().folio_of(migration_pfn(geo, old), &from);
      pte_t e = vm_page_prot(geo, p.folio.start_pfn + migration_pfn(geo, old) - from.start_pfn);
      if (!(old & migration_young_bit(geo))) e = pte_mkold(e);
      if (old & migration_dirty_bit(geo)) e = pte_mkdirty(e);
      if (pte_swp_type(old) == kSwpMigrationWrite) {
        e = pte_mkwrite(e);
      } else if (old & PTE_SWP_UFFD_WP) {
        e = pte_mkuffd_wp(e);
      }
      api.set_ptes(r.mm, va, e, 1);
    }
  }
}

// do_swap_page: p.range holds the swap entries the new folio replaces (the
// repair found them consecutive); one set_ptes of the young mapping,
// writable and dirty on a write fault to an exclusive entry, uffd-wp kept.
void swap_in(const Prepared& p, Api& api, std::vector<Ret>* rets) {
  const pte_t first = api.ptep_get(p.range.mm, p.range.va);
  pte_t e = vm_page_prot(api.geo(), p.folio.start_pfn);
  const bool write = p.op.get(Field::kWrite) != 0 && (first & PTE_SWP_EXCLUSIVE) != 0;
  if (write) e = pte_mkwrite(pte_mkdirty(e));
  if (first & PTE_SWP_UFFD_WP) e = pte_mkuffd_wp(e);
  api.set_ptes(p.range.mm, p.range.va, e, p.range.nr);
  const uint64_t va = p.op.get(Field::kVa);
  retry_access(api, p.range.mm, va, write ? AccessKind::kWrite : AccessKind::kRead, rets);
}

// change_pte_range with MM_CP_UFFD_WP (or _RESOLVE): present entries get
// (lose) PTE_UFFD_WP through modify_prot; swap and migration entries their
// software bit with set_pte_at; markers are installed in none entries (when
// asked) and removed on resolve with pte_clear.
void uffd_wp(const Prepared& p, Api& api) {
  const uint64_t page = api.page_size();
  const uint32_t mm = p.range.mm;
  const bool resolve = p.op.get(Field::kResolve) != 0;
  const pte_t marker = ptediff_swp_entry(kSwpPteMarker, kPteMarkerUffdWp);
  bool any = false;
  for (uint32_t i = 0; i < p.range.nr; ++i) {
    const uint64_t va = p.range.va + i * page;
    const pte_t old = api.ptep_get(mm, va);
    if (pte_present(old)) {
      modify_entry(api, mm, va,
                   [&](pte_t o) { return resolve ? pte_clear_uffd_wp(o) : pte_mkuffd_wp(o); });
      any = true;
    } else if (is_marker_pte(old)) {
      if (resolve) api.pte_clear(mm, va);
    } else if (is_swap_pte(old)) {
      const pte_t n = resolve ? old & ~PTE_SWP_UFFD_WP : old | PTE_SWP_UFFD_WP;
      if (n != old) api.set_ptes(mm, va, n, 1);
    } else if (!resolve && p.op.get(Field::kMarkers) != 0) {
      api.set_ptes(mm, va, marker, 1);
    }
  }
  if (any) api.flush_tlb_range(mm, p.range.va, p.range.va + p.range.nr * page);
}

}  // namespace

bool run_nonpresent_op(const Prepared& p, Api& api, std::vector<Ret>* rets) {
  switch (p.op.kind) {
    case K::kMprotectNone:
      mprotect_none(p, api);
      return true;
    case K::kNumaFault:
      numa_fault(p, api, rets);
      return true;
    case K::kSwapOut:
      swap_out(p, api, rets);
      return true;
    case K::kSwapIn:
      swap_in(p, api, rets);
      return true;
    case K::kTryToMigrate:
      try_to_migrate(p, api, rets);
      return true;
    case K::kRemoveMigration:
      remove_migration(p, api);
      return true;
    case K::kUffdWp:
      uffd_wp(p, api);
      return true;
    default:
      return false;
  }
}

}  // namespace ptediff
