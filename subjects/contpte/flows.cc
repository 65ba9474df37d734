// ptediff: raw calls, hardware events and core-mm flows on one side (see flows.h).
//
// The flows follow mm/ closely (6.x): do_anonymous_page, wp_page_reuse /
// wp_page_copy, copy_present_ptes, zap_present_ptes + mmu_gather,
// change_pte_range, madvise_free_pte_range, folio_referenced_one,
// page_vma_mkclean_one, __split_huge_pmd_locked and move_ptes. They use only
// the public API (Api), so they run unchanged on every backend.
#include "subjects/contpte/flows.h"

#include <algorithm>

#include "mmu/swp.h"
#include "subjects/contpte/kernel_flows.h"

namespace ptediff {
namespace {

using K = OpKind;

// Fields every flow reads.
struct Args {
  uint32_t mm;
  uint64_t va;
  uint32_t nr;
  explicit Args(const Op& op)
      : mm(static_cast<uint32_t>(op.get(Field::kMm))),
        va(op.get(Field::kVa)),
        nr(static_cast<uint32_t>(op.get(Field::kNr))) {}
};

// The fields folio_pte_batch ignores (FPB_IGNORE_DIRTY | FPB_IGNORE_SOFT_DIRTY).
pte_t pte_batch_clear_ignored(pte_t pte) { return pte_wrprotect(pte_mkold(pte_mkclean(pte))); }

void emit(std::vector<Ret>* rets, RetType t, Range r, uint64_t v) { rets->push_back({t, r, v}); }

// do_anonymous_page for an order-N folio: one set_ptes of a young entry,
// writable and dirty when the vma is writable.
void fault(const Prepared& p, Api& api) {
  const Args a(p.op);
  const bool write = p.op.get(Field::kWrite) != 0;
  // A faulted anon page is dirty when writable; a split PMD keeps its own state.
  const bool dirty = p.op.kind == K::kSplitPmd ? p.op.get(Field::kDirty) != 0 : write;
  const uint64_t prot = kProtYoung | (write ? kProtWrite : 0) | (dirty ? kProtDirty : 0) |
                        (write && dirty ? 0 : kProtRdonly);
  api.set_ptes(a.mm, p.range.va, prot_to_pte(api.geo(), p.folio.start_pfn, prot),
               static_cast<unsigned>(p.folio.nr_pages));
}

// A write fault on a present entry (handle_pte_fault): a writable entry only
// needs its access flags (spurious fault without hardware DBM); a read-only
// one is either reused (wp_page_reuse) or copied (wp_page_copy). The faulting
// access is then retried, as the return to user space does.
void wp_fault(const Prepared& p, Api& api, std::vector<Ret>* rets) {
  const Args a(p.op);
  const pte_t orig = api.ptep_get(a.mm, a.va);
  const Range one{a.mm, a.va, 1};
  if (pte_write(orig)) {
    emit(rets, RetType::kAccessFlags, one,
         api.ptep_set_access_flags(a.mm, a.va, pte_mkyoung(pte_mkdirty(orig)), 1) ? 1 : 0);
  } else if (p.op.get(Field::kReuse)) {
    emit(rets, RetType::kAccessFlags, one,
         api.ptep_set_access_flags(a.mm, a.va, pte_mkwrite(pte_mkdirty(pte_mkyoung(orig))), 1) ? 1
                                                                                               : 0);
  } else {
    const pte_t entry =
        prot_to_pte(api.geo(), p.folio.start_pfn, kProtYoung | kProtDirty | kProtWrite);
    api.ptep_clear_flush(a.mm, a.va);
    api.set_ptes(a.mm, a.va, entry, 1);
  }
  retry_access(api, a.mm, a.va, AccessKind::kWrite, rets);
}

// copy_nonpresent_pte: a swap entry becomes shared (the parent's loses
// PG_anon_exclusive), a writable migration entry readable in both, then the
// child gets the copy (uffd-wp state and markers kept: a uffd-wp vma with
// UFFD_FEATURE_EVENT_FORK).
void fork_nonpresent(Api& api, uint64_t addr, pte_t pte) {
  if (is_migration_pte(pte) && pte_swp_type(pte) == kSwpMigrationWrite) {
    pte = with_swp_type(pte, kSwpMigrationRead);
    api.set_ptes(kUserMm, addr, pte, 1);
  } else if (is_real_swap_pte(pte) && (pte & PTE_SWP_EXCLUSIVE)) {
    pte &= ~PTE_SWP_EXCLUSIVE;
    api.set_ptes(kUserMm, addr, pte, 1);
  }
  api.set_ptes(kChildMm, addr, pte, 1);
}

// copy_pte_range from mm 0 to mm 1 for a private writable (COW) mapping:
// present entries (PROT_NONE ones too) in folio batches, write-protecting
// the parent and mapping the child old; non-present ones one by one; then
// the parent is flushed (dup_mmap's flush_tlb_mm).
void fork(const Prepared& p, Api& api) {
  const uint64_t page = api.page_size();
  const uint64_t end = p.range.va + p.range.nr * page;
  KernelCallers* kernel = kernel_callers_of(api);
  if (kernel != nullptr && !kernel->runs_fork()) kernel = nullptr;
  bool any = false;
  for (uint64_t addr = p.range.va; addr < end;) {
    pte_t pte = api.ptep_get(kUserMm, addr);
    if (!pte_present(pte)) {
      if (!pte_none(pte)) fork_nonpresent(api, addr, pte);
      addr += page;
      continue;
    }
    if (kernel != nullptr) {  // the tree's copy_present_ptes (kernel_flows.h)
      bool wrprotected = false;
      const unsigned max_nr =
          std::min<uint64_t>((end - addr) / page, entries_to_table_end(api.geo(), addr));
      addr += kernel->copy_present_ptes(api, addr, pte, max_nr, &wrprotected) * page;
      any |= wrprotected;
      continue;
    }
    bool any_writable = false;
    const unsigned nr =
        folio_pte_batch(api, kUserMm, addr, pte, (end - addr) / page, &any_writable);
    if (any_writable) pte = pte_mkwrite(pte);
    if (pte_write(pte)) {
      api.wrprotect_ptes(kUserMm, addr, nr);
      pte = pte_wrprotect(pte);
      any = true;
    }
    api.set_ptes(kChildMm, addr, pte_mkold(pte), nr);
    addr += nr * page;
  }
  if (any) api.flush_tlb_mm(kUserMm);
}

// zap_pte_range: get_and_clear_full_ptes per folio batch, folio dirty/young
// accounting from the returned value, one deferred flush (mmu_gather).
void zap(const Prepared& p, Api& api, std::vector<Ret>* rets) {
  const uint64_t page = api.page_size();
  const uint32_t mm = p.range.mm;
  const uint64_t end = p.range.va + p.range.nr * page;
  uint64_t gstart = end, gend = 0, last_folio = ~0ULL;
  KernelCallers* kernel = kernel_callers_of(api);
  if (kernel != nullptr && !kernel->runs_zap()) kernel = nullptr;
  kc_gather gather{.fullmm = p.op.get(Field::kFull) != 0};  // the kernel's mmu_gather
  for (uint64_t addr = p.range.va; addr < end;) {
    const pte_t pte = api.ptep_get(mm, addr);
    if (!pte_present(pte)) {
      // zap_nonpresent_ptes: clear_not_present_full_ptes, one pte_clear each.
      if (!pte_none(pte)) api.pte_clear(mm, addr);
      addr += page;
      continue;
    }
    unsigned nr = 0;
    uint64_t ad = 0;
    if (kernel != nullptr) {  // the tree's zap_present_ptes (kernel_flows.h)
      const unsigned max_nr =
          std::min<uint64_t>((end - addr) / page, entries_to_table_end(api.geo(), addr));
      nr = kernel->zap_present_ptes(api, mm, addr, pte, max_nr, &gather, &ad);
    } else {
      nr = folio_pte_batch(api, mm, addr, pte, (end - addr) / page);
      const pte_t got =
          api.get_and_clear_full_ptes(mm, addr, nr, static_cast<int>(p.op.get(Field::kFull)));
      ad = (pte_young(got) ? 1u : 0u) | (pte_dirty(got) ? 2u : 0u);
      gstart = std::min(gstart, addr);
      gend = std::max(gend, addr + nr * page);
    }
    // A special mapping has no folio to account to (zap_present_ptes: no
    // vm_normal_page, "we don't need up-to-date accessed/dirty bits").
    ptediff_folio folio{};
    if (api.machine().folio_of(pte_pfn(&api.geo(), pte), &folio)) {
      append_folio_ad(rets, {mm, addr, nr}, folio.id, ad, &last_folio, page);
    }
    addr += nr * page;
  }
  if (kernel != nullptr && gather.end != 0) gstart = gather.start, gend = gather.end;
  if (gstart < gend) api.flush_tlb_range(mm, gstart, gend);
}

// change_pte_range: ptep_modify_prot_start/commit on every present entry,
// then flush_tlb_range over the range. A PROT_NONE entry is made accessible
// again (pte_modify with the vma's read-only protection first).
pte_t modify_prot(Api& api, uint32_t mm, uint64_t va, bool write) {
  const pte_t old = api.ptep_modify_prot_start(mm, va);
  pte_t n = old;
  if (!pte_valid(old)) n = pte_modify(old, prot_to_pte(api.geo(), 0, kProtYoung | kProtRdonly));
  api.ptep_modify_prot_commit(mm, va, old, write ? pte_mkwrite(n) : pte_wrprotect(n));
  return old;
}

void mprotect(const Prepared& p, Api& api) {
  const uint64_t page = api.page_size();
  bool any = false;
  for (uint32_t i = 0; i < p.range.nr; ++i) {
    const uint64_t addr = p.range.va + i * page;
    const pte_t pte = api.ptep_get(p.range.mm, addr);
    if (is_migration_pte(pte) && pte_swp_type(pte) == kSwpMigrationWrite) {
      // A writable migration entry becomes a readable (exclusive) one.
      api.set_ptes(p.range.mm, addr,
                   with_swp_type(pte & ~PTE_SWP_UFFD_WP, kSwpMigrationReadExclusive), 1);
    }
    if (!pte_present(pte)) continue;
    modify_prot(api, p.range.mm, addr, p.op.get(Field::kWrite) != 0);
    any = true;
  }
  if (any) api.flush_tlb_range(p.range.mm, p.range.va, p.range.va + p.range.nr * page);
}

// folio_referenced: ptep_clear_flush_young on every entry mapping the folio.
void referenced(const Prepared& p, Api& api, std::vector<Ret>* rets) {
  const uint64_t page = api.page_size();
  for (const Range& r : p.rmap) {
    uint64_t young = 0;
    for (uint32_t i = 0; i < r.nr; ++i)
      young |= api.ptep_clear_flush_young(r.mm, r.va + i * page) ? 1 : 0;
    emit(rets, RetType::kYoung, r, young);
  }
}

// folio_mkclean: every dirty or writable mapping is cleared with a flush and
// re-established write-protected and clean.
void mkclean(const Prepared& p, Api& api) {
  const uint64_t page = api.page_size();
  for (const Range& r : p.rmap) {
    for (uint32_t i = 0; i < r.nr; ++i) {
      const uint64_t addr = r.va + i * page;
      const pte_t pte = api.ptep_get(r.mm, addr);
      if (!pte_present(pte) || (!pte_dirty(pte) && !pte_write(pte))) continue;
      const pte_t old = api.ptep_clear_flush(r.mm, addr);
      api.set_ptes(r.mm, addr, pte_mkclean(pte_wrprotect(old)), 1);
    }
  }
}

// move_ptes: each present source entry is cleared and set at the
// destination; the source range is flushed once afterwards.
void mremap(const Prepared& p, Api& api) {
  const uint64_t page = api.page_size();
  const uint64_t dst = p.op.get(Field::kDst);
  bool any = false;
  for (uint32_t i = 0; i < p.range.nr; ++i) {
    const uint64_t src = p.range.va + i * page;
    if (pte_none(api.ptep_get(p.range.mm, src))) continue;
    const pte_t pte = api.ptep_get_and_clear(p.range.mm, src);
    any |= pte_valid(pte);
    api.set_ptes(p.range.mm, dst + i * page, pte, 1);
  }
  if (any) api.flush_tlb_range(p.range.mm, p.range.va, p.range.va + p.range.nr * page);
}

}  // namespace

void retry_access(Api& api, uint32_t mm, uint64_t va, AccessKind kind, std::vector<Ret>* rets) {
  const uint32_t pick = static_cast<uint32_t>((va >> api.geo().page_shift) % api.geo().cont_ptes);
  emit(rets, RetType::kRetry, {mm, va, 1},
       static_cast<uint64_t>(api.machine().access(mm, va, kind, pick)));
}

void append_folio_ad(std::vector<Ret>* rets, Range r, uint64_t folio_id, uint64_t ad,
                     uint64_t* last_folio, uint64_t page) {
  if (!rets->empty() && rets->back().type == RetType::kFolioAD && *last_folio == folio_id &&
      rets->back().range.mm == r.mm &&
      rets->back().range.va + rets->back().range.nr * page == r.va) {
    rets->back().range.nr += r.nr;
    rets->back().value |= ad;
    return;
  }
  *last_folio = folio_id;
  emit(rets, RetType::kFolioAD, r, ad);
}

const char* ret_type_name(RetType t) {
  switch (t) {
    case RetType::kPte:
      return "pte";
    case RetType::kYoung:
      return "young";
    case RetType::kAccessFlags:
      return "access-flags";
    case RetType::kHint:
      return "batch-hint";
    case RetType::kAccess:
      return "access";
    case RetType::kRetry:
      return "retry";
    case RetType::kFolioAD:
      return "folio-ad";
  }
  return "?";
}

unsigned folio_pte_batch(Api& api, uint32_t mm, uint64_t va, pte_t pte, unsigned max_nr,
                         bool* any_writable) {
  if (any_writable != nullptr) *any_writable = pte_write(pte);
  const ptediff_geometry& geo = api.geo();
  const uint64_t page = api.page_size();
  ptediff_folio folio{};
  const uint64_t pfn = pte_pfn(&geo, pte);
  if (!api.machine().folio_of(pfn, &folio)) return 1;
  // Never past the folio's end, nor past the end of this page table.
  const uint64_t table_left = (ptediff_pmd_size(&geo) - (va & (ptediff_pmd_size(&geo) - 1))) / page;
  const uint64_t limit =
      std::min<uint64_t>({max_nr, folio.start_pfn + folio.nr_pages - pfn, table_left});
  uint64_t nr = api.pte_batch_hint(mm, va, pte);
  pte_t expected = pte_batch_clear_ignored(pfn_pte(&geo, pfn + nr, pte_pgprot(&geo, pte)));
  while (nr < limit) {
    const uint64_t addr = va + nr * page;
    const pte_t cur = api.ptep_get(mm, addr);
    if (!pte_same(pte_batch_clear_ignored(cur), expected)) break;
    if (any_writable != nullptr) *any_writable |= pte_write(cur);
    const unsigned step = api.pte_batch_hint(mm, addr, cur);
    expected = pte_batch_clear_ignored(
        pfn_pte(&geo, pte_pfn(&geo, expected) + step, pte_pgprot(&geo, expected)));
    nr += step;
  }
  return static_cast<unsigned>(std::min<uint64_t>(nr, limit));
}

void run_op(const Prepared& p, Api& api, std::vector<Ret>* rets) {
  const Op& op = p.op;
  const Args a(op);
  const Range one{a.mm, a.va, 1};
  switch (op.kind) {
    case K::kPtepGet:
      emit(rets, RetType::kPte, one, api.ptep_get(a.mm, a.va));
      break;
    case K::kPtepGetLockless:
      emit(rets, RetType::kPte, one, api.ptep_get_lockless(a.mm, a.va));
      break;
    case K::kSetPtes:
      api.set_ptes(
          a.mm, a.va,
          prot_to_pte(api.geo(), p.folio.start_pfn + op.get(Field::kIdx), op.get(Field::kProt)),
          a.nr);
      break;
    case K::kPteClear:
      api.pte_clear(a.mm, a.va);
      break;
    case K::kPtepGetAndClear:
      emit(rets, RetType::kPte, one, api.ptep_get_and_clear(a.mm, a.va));
      break;
    case K::kPtepClearFlush:
      emit(rets, RetType::kPte, one, api.ptep_clear_flush(a.mm, a.va));
      break;
    case K::kPtepTestAndClearYoung:
      emit(rets, RetType::kYoung, one, api.ptep_test_and_clear_young(a.mm, a.va) ? 1 : 0);
      break;
    case K::kPtepClearFlushYoung:
      emit(rets, RetType::kYoung, one, api.ptep_clear_flush_young(a.mm, a.va) ? 1 : 0);
      break;
    case K::kPtepSetWrprotect:
      api.ptep_set_wrprotect(a.mm, a.va);
      break;
    case K::kWrprotectPtes:
      api.wrprotect_ptes(a.mm, a.va, a.nr);
      break;
    case K::kPtepSetAccessFlags: {
      pte_t entry = pte_mkyoung(api.ptep_get(a.mm, a.va));
      if (op.get(Field::kWrite)) entry = pte_mkwrite(pte_mkdirty(entry));
      emit(rets, RetType::kAccessFlags, one,
           api.ptep_set_access_flags(a.mm, a.va, entry, static_cast<int>(op.get(Field::kDirty)))
               ? 1
               : 0);
      break;
    }
    case K::kClearFullPtes:
      api.clear_full_ptes(a.mm, a.va, a.nr, static_cast<int>(op.get(Field::kFull)));
      break;
    case K::kGetAndClearFullPtes:
      emit(rets, RetType::kPte, {a.mm, a.va, a.nr},
           api.get_and_clear_full_ptes(a.mm, a.va, a.nr, static_cast<int>(op.get(Field::kFull))));
      break;
    case K::kClearYoungDirtyPtes:
      api.clear_young_dirty_ptes(a.mm, a.va, a.nr, static_cast<unsigned>(op.get(Field::kCydp)));
      break;
    case K::kPtepModifyProt:
      emit(rets, RetType::kPte, one, modify_prot(api, a.mm, a.va, op.get(Field::kWrite) != 0));
      break;
    case K::kPteBatchHint:
      emit(rets, RetType::kHint, one, api.pte_batch_hint(a.mm, a.va, api.ptep_get(a.mm, a.va)));
      break;
    case K::kAccess:
      emit(rets, RetType::kAccess, one,
           static_cast<uint64_t>(
               api.machine().access(a.mm, a.va, static_cast<AccessKind>(op.get(Field::kKind)),
                                    static_cast<uint32_t>(op.get(Field::kPick)))));
      break;
    case K::kTlbFill:
      api.machine().tlb_fill(a.mm, a.va, op.get(Field::kBlock) != 0,
                             static_cast<uint32_t>(op.get(Field::kPick)));
      break;
    case K::kFault:
    case K::kSplitPmd:
      fault(p, api);
      break;
    case K::kWpFault:
      wp_fault(p, api, rets);
      break;
    case K::kFork:
      fork(p, api);
      break;
    case K::kZap:
      zap(p, api, rets);
      break;
    case K::kMprotect:
      mprotect(p, api);
      break;
    case K::kMadvFree:
      api.clear_young_dirty_ptes(p.range.mm, p.range.va, p.range.nr,
                                 CYDP_CLEAR_YOUNG | CYDP_CLEAR_DIRTY);
      api.flush_tlb_range(p.range.mm, p.range.va, p.range.va + p.range.nr * api.page_size());
      break;
    case K::kReferenced:
      referenced(p, api, rets);
      break;
    case K::kMkclean:
      mkclean(p, api);
      break;
    case K::kMremap:
      mremap(p, api);
      break;
    default:
      run_nonpresent_op(p, api, rets);
      break;
  }
}

}  // namespace ptediff
