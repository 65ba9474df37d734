// ptediff: stale translations and deferred flushes (see stale.h).
//
// Each rule keeps the contract that justifies it; docs/DESIGN.md §8.4.2-§8.4.5
// lists them with their upstream commits.
#include "subjects/contpte/stale.h"

#include <algorithm>

#include "subjects/contpte/block.h"

namespace ptediff {

bool tlb_entry_stale(const Machine& m, const TlbEntry& t, uint64_t va) {
  const ptediff_geometry& g = m.geo();
  const pte_t e = m.peek(t.mm, va);
  const uint64_t pfn = pte_pfn(&g, t.pte) + (va - t.va) / page_bytes(g);
  if (!pte_valid(e) || pte_pfn(&g, e) != pfn) return true;
  if (pte_rdonly(t.pte) || !pte_rdonly(e)) return false;
  // Inside a valid contiguous block the hardware may cache the permissions
  // of any entry (they differ only in access/dirty), so the table grants
  // write when any entry of the block is hardware-dirty.
  if (!pte_valid_cont(e)) return true;
  const uint64_t page = page_bytes(g), va0 = va & ~(block_bytes(g) - 1);
  for (uint32_t i = 0; i < g.cont_ptes; ++i) {
    if (!pte_rdonly(m.peek(t.mm, va0 + i * page))) return false;
  }
  return true;
}

bool tlb_decided_stale(const Machine& m, uint32_t mm, uint64_t va) {
  const TlbEntry* t = m.tlb().lookup(mm, va);
  return t != nullptr && tlb_entry_stale(m, *t, va);
}

std::vector<StalePage> stale_tlb_pages(const Machine& m) {
  std::vector<StalePage> out;
  const uint64_t page = page_bytes(m.geo());
  for (const TlbEntry& t : m.tlb().entries()) {
    for (uint64_t va = t.va; va < t.va + t.size; va += page) {
      if (tlb_entry_stale(m, t, va)) out.push_back({t.mm, va});
    }
  }
  return out;
}

bool log_flushes(const std::vector<LogRec>& log) {
  return std::any_of(log.begin(), log.end(), [](const LogRec& r) {
    return r.prim == Prim::kFlushRange || r.prim == Prim::kFlushMm;
  });
}

bool synced_invalidation_hits(const std::vector<LogRec>& log, uint32_t mm, uint64_t va,
                              uint64_t page) {
  bool hit = false;
  for (const LogRec& r : log) {
    if ((r.prim == Prim::kFlushMm && r.mm == mm) ||
        (r.prim == Prim::kFlushRange && r.mm == mm &&
         range_hits(r.addr, r.end, r.stride, va, page))) {
      if (r.sync) return true;
      hit = true;
    }
    if (hit && r.prim == Prim::kDsb) return true;
  }
  return false;
}

AccessResult after_fault_path(AccessResult x, pte_t e, AccessKind kind, bool hafdbs) {
  if (x == AccessResult::kAccessFlagFault) {
    if (kind == AccessKind::kExec && (e & PTE_UXN)) return AccessResult::kPermissionFault;
    x = kind == AccessKind::kWrite && pte_rdonly(e) && !(hafdbs && pte_write(e))
            ? AccessResult::kPermissionFault
            : AccessResult::kOk;
  }
  if (x == AccessResult::kPermissionFault && kind == AccessKind::kWrite && pte_write(e)) {
    return AccessResult::kOk;
  }
  return x;
}

AccessKind access_kind(const Ret& r, const Op& op) {
  return r.type == RetType::kRetry ? AccessKind::kWrite
                                   : static_cast<AccessKind>(op.get(Field::kKind));
}

bool access_results_compatible(const Machine& ref, const Machine& opt, const Op& op, const Ret& r,
                               const Ret& o) {
  const auto R = static_cast<AccessResult>(r.value), O = static_cast<AccessResult>(o.value);
  const uint32_t mm = r.range.mm;
  const uint64_t va = r.range.va;
  if (access_ok(R) && access_ok(O)) return true;
  // A result decided by a cached translation that its own table no longer
  // grants: the TLB contents of R and O legitimately differ (O flushes whole
  // blocks; flushes deferred to the caller are still to come), and whether
  // the staleness is O's fault is tlb-stale's and flush-missing's question.
  if (tlb_decided_stale(ref, mm, va) || tlb_decided_stale(opt, mm, va)) return true;
  const AccessKind kind = access_kind(r, op);
  const bool hafdbs = (ref.features() & PTEDIFF_FEAT_HAFDBS) != 0;
  // Access and dirty state may legitimately differ between R and O (spread
  // or cleared block-wide inside a folio), so spurious faults may differ too.
  // A fault a cached translation decided (one that grants less than its
  // table: a block cached whole before a deferred flush, the address mapped
  // again since with more permissions) is a spurious fault too: the fault
  // path finds the table, walked, and retries once the owed flush is done.
  auto resolve = [&](const Machine& m, AccessResult x) {
    const pte_t e = m.peek(mm, va);
    if (!access_ok(x) && m.tlb_refuses(mm, va, kind)) x = walk_verdict(e, kind, hafdbs);
    return after_fault_path(x, e, kind, hafdbs);
  };
  const AccessResult r2 = resolve(ref, R), o2 = resolve(opt, O);
  return (access_ok(r2) && access_ok(o2)) || r2 == o2;
}

bool retry_refused_by_deferred_flush(const Machine& ref, const Machine& opt, uint32_t mm,
                                     uint64_t va) {
  // O's retry was decided by a stale cached translation that R's version of
  // this op did not invalidate either: the flush is one a caller deferred
  // (clear_full_ptes, get_and_clear_full_ptes and wrprotect_ptes leave it to
  // mmu_gather / fork's flush_tlb_mm) and the program never issued; O's
  // entry covers more pages only because it cached a whole contiguous block.
  // Staleness this op should have removed is tlb-stale's (R invalidated the
  // page) and stays a return-value. (Stale either way: granting more than the
  // table, or refusing the write the table now permits, a read-only block
  // cached before.)
  const TlbEntry* t = opt.tlb().lookup(mm, va);
  return t != nullptr &&
         (tlb_entry_stale(opt, *t, va) || opt.tlb_refuses(mm, va, AccessKind::kWrite)) &&
         !synced_invalidation_hits(ref.log(), mm, va, page_bytes(ref.geo()));
}

AccessResult walk_verdict(pte_t e, AccessKind kind, bool hafdbs) {
  if (!pte_valid(e)) return AccessResult::kTranslationFault;
  if (!pte_young(e) && !hafdbs) return AccessResult::kAccessFlagFault;
  if (kind == AccessKind::kExec && (e & PTE_UXN)) return AccessResult::kPermissionFault;
  if (kind == AccessKind::kWrite && pte_rdonly(e) && !(hafdbs && pte_write(e))) {
    return AccessResult::kPermissionFault;
  }
  return AccessResult::kOk;
}

void forgive_tlb_hit(uint32_t mm, uint64_t va, bool stale, Envelope* env) {
  // Young is a reclaim hint a TLB hit never refreshes. A write through a
  // translation that granted more than the table when it was made (a
  // writable entry cached before a clean or a write-protect whose flush a
  // caller still owes: MADV_FREE's clear_young_dirty_ptes records the range
  // with tlb_remove_tlb_entries and flushes at tlb_finish_mmu, after the PTL
  // is dropped, "mm/madvise: optimize lazyfreeing with mTHP in
  // madvise_free") updates no descriptor. Staleness is judged when the
  // access is made: a later flush in the same op (a mid-op access) removes
  // the evidence, not the fact.
  env->forgive_young(mm, va);
  if (stale) env->exempt_dirty(mm, va);
}

void forgive_tlb_decided(const std::vector<Ret>& rr, const std::vector<Ret>& orr,
                         const Machine& opt, const Op& op, Envelope* env) {
  // Accesses R completed by a walk (setting AF, and dirty for a write) that
  // O's TLB decided without one. Served from a cached translation (ok-tlb):
  // forgive_tlb_hit. Refused by a cached translation older than O's table (a
  // block O cached whole, whose flush a caller deferred) where the table,
  // walked, permits the access: a spurious fault, which the fault path would
  // fix by setting AF and dirty through ptep_set_access_flags
  // (after_fault_path); a raw access op runs no fault path, so neither bit is
  // owed. The table decides, not the refusing translation: a zap's flush is
  // still pending when the PTL is dropped (zap_pte_range flushes under it
  // only for dirty shared pages, 1cf35d47712d "mm: split 'tlb_flush_mmu()'
  // into tlb flushing and memory freeing parts"), so under MADV_DONTNEED's
  // mmap_lock for read a fault may map the address again while another CPU
  // still holds the old translation (60bae7370896 shows the window), whose
  // permissions need not be the new entry's.
  const bool hafdbs = (opt.features() & PTEDIFF_FEAT_HAFDBS) != 0;
  for (size_t i = 0; i < rr.size() && i < orr.size(); ++i) {
    const bool is_access = rr[i].type == RetType::kAccess || rr[i].type == RetType::kRetry;
    const auto R = static_cast<AccessResult>(rr[i].value);
    const auto O = static_cast<AccessResult>(orr[i].value);
    if (!is_access || R != AccessResult::kOk) continue;
    const uint32_t mm = rr[i].range.mm;
    const uint64_t va = rr[i].range.va;
    if (O == AccessResult::kOkTlb) {
      forgive_tlb_hit(mm, va, tlb_decided_stale(opt, mm, va), env);
      continue;
    }
    const AccessKind kind = access_kind(rr[i], op);
    const pte_t e = opt.peek(mm, va);
    if (!access_ok(O) && opt.tlb_refuses(mm, va, kind) &&
        access_ok(after_fault_path(walk_verdict(e, kind, hafdbs), e, kind, hafdbs))) {
      env->forgive_young(mm, va);
      env->exempt_dirty(mm, va);
    }
  }
}

void StaleLedger::before_opt(const Machine& ref, const Machine& opt) {
  // When R's version flushed, what O's TLB held stale before O runs
  // (check_tlb: staleness an earlier op left is not this op's).
  before_.clear();
  ref_flushed_ = log_flushes(ref.log());
  if (ref_flushed_) before_ = stale_tlb_pages(opt);
}

void StaleLedger::note_ref_only(const Machine& ref) {
  before_.clear();
  ref_flushed_ = log_flushes(ref.log());
}

bool any_stale_in(const std::vector<StalePage>& stale, uint32_t mm, uint64_t va, uint64_t size) {
  return std::any_of(stale.begin(), stale.end(), [&](const StalePage& s) {
    return s.mm == mm && s.va >= va && s.va < va + size;
  });
}

bool StaleLedger::blames_opt(const Machine& ref, uint32_t mm, uint64_t va) const {
  // O holds a translation its table no longer grants. That is O's fault
  // only if R's version of the same op invalidated the page: ops whose
  // contract defers the flush to the caller (mmu_gather, fork's
  // flush_tlb_mm, ptep_set_wrprotect) leave such entries on both sides.
  // And only if the page was not already stale before the op: such
  // staleness comes from a flush an earlier op deferred to a caller who
  // never issued it; R removing it now is incidental to R's own changes
  // (an O change in this op that needs the flush is flush-missing's).
  // (Unsynced flushes are young hints, ptep_clear_flush_young's, which no
  // permission depends on.)
  return synced_invalidation_hits(ref.log(), mm, va, page_bytes(ref.geo())) &&
         !any_stale_in(before_, mm, va, 1);
}

}  // namespace ptediff
