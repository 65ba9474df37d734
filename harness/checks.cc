// ptediff: the conformance checks (see checks.h).
#include "harness/checks.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace ptediff {
namespace {

pte_t norm(pte_t e) { return pte_mkold_clean(e) & ~PTE_CONT; }

uint64_t page_of(const ptediff_geometry& g) { return 1ULL << g.page_shift; }
uint64_t block_bytes(const ptediff_geometry& g) { return page_of(g) * g.cont_ptes; }

// Whether a translation cached from entry `a` and entry `b` map the same
// output address with the same memory attributes and permissions, up to
// access/dirty state, the contiguous hint (a size change is bbm's) and write
// permission (RDONLY, DBM), which the caller compares on its own.
bool same_translation(pte_t a, pte_t b) {
  constexpr pte_t kMayDiffer = PTE_AF | PTE_DIRTY | PTE_RDONLY | PTE_WRITE | PTE_CONT;
  return ((a ^ b) & ~kMayDiffer) == 0;
}

// Appends a divergence with the block of (mm, va) from both sides as evidence.
void add(const CheckContext& c, DivClass cls, uint32_t mm, uint64_t va, std::string what,
         std::vector<Divergence>* out) {
  for (const Divergence& d : *out) {
    if (d.cls == cls && d.op_index == c.op_index) return;  // one per class and op
  }
  Divergence d;
  d.cls = cls;
  d.op_index = c.op_index;
  d.mm = mm;
  d.va = va;
  d.what = std::move(what);
  const ptediff_geometry& g = c.ref.geo();
  d.block_va = va & ~(block_bytes(g) - 1);
  if (mm < kNumMms) {
    for (uint32_t i = 0; i < g.cont_ptes; ++i) {
      d.ref_block.push_back(c.ref.peek(mm, d.block_va + i * page_of(g)));
      d.opt_block.push_back(c.opt.peek(mm, d.block_va + i * page_of(g)));
    }
  }
  d.ref_log = c.ref.log();
  d.opt_log = c.opt.log();
  out->push_back(std::move(d));
}

bool is_entry_write(const LogRec& r) {
  return r.ok && (r.prim == Prim::kWrite || r.prim == Prim::kXchg || r.prim == Prim::kCmpxchg ||
                  r.prim == Prim::kHw);
}

// An access result R or O may legitimately differ on (see check_returns).
bool access_results_compatible(const CheckContext& c, const Ret& r, const Ret& o) {
  const auto R = static_cast<AccessResult>(r.value), O = static_cast<AccessResult>(o.value);
  const uint32_t mm = r.range.mm;
  const uint64_t va = r.range.va;
  if (access_ok(R) && access_ok(O)) return true;
  // A result decided by a cached translation that its own table no longer
  // grants: the TLB contents of R and O legitimately differ (O flushes whole
  // blocks; flushes deferred to the caller are still to come), and whether
  // the staleness is O's fault is tlb-stale's and flush-missing's question.
  auto tlb_decided = [&](const Machine& m) {
    const TlbEntry* t = m.tlb().lookup(mm, va);
    return t != nullptr && tlb_entry_stale(m, *t, va);
  };
  if (tlb_decided(c.ref) || tlb_decided(c.opt)) return true;
  const AccessKind kind = r.type == RetType::kRetry
                              ? AccessKind::kWrite
                              : static_cast<AccessKind>(c.op.op.get(Field::kKind));
  const bool hafdbs = (c.ref.features() & PTEDIFF_FEAT_HAFDBS) != 0;
  // Access and dirty state may legitimately differ between R and O (spread
  // or cleared block-wide inside a folio), so spurious faults may differ too.
  auto resolve = [&](AccessResult x, pte_t e) { return after_fault_path(x, e, kind, hafdbs); };
  const AccessResult r2 = resolve(R, c.ref.peek(mm, va)), o2 = resolve(O, c.opt.peek(mm, va));
  return (access_ok(r2) && access_ok(o2)) || r2 == o2;
}

// Whether the invalidations `log` (flushes and DSBs, in order) include one
// of (mm, va) that completed: a synced flush, or a flush followed by a DSB.
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

// pte_batch_hint soundness: the n entries promised are valid, in one block,
// map consecutive pfns and have equal protection modulo access/dirty.
std::string hint_unsound(const CheckContext& c, const Ret& o) {
  const ptediff_geometry& g = c.opt.geo();
  const uint64_t n = o.value, va = o.range.va;
  if (n == 0) return "pte_batch_hint returned 0";
  if (n == 1) return "";
  const uint64_t end = va + (n - 1) * page_of(g);
  if (n > g.cont_ptes || va / block_bytes(g) != end / block_bytes(g)) {
    return absl::StrFormat("pte_batch_hint promised %d entries, past the end of the block", n);
  }
  const pte_t first = c.opt.peek(o.range.mm, va);
  for (uint64_t i = 0; i < n; ++i) {
    const pte_t e = c.opt.peek(o.range.mm, va + i * page_of(g));
    if (!pte_valid(e) || pte_pfn(&g, e) != pte_pfn(&g, first) + i ||
        pte_pgprot(&g, norm(e)) != pte_pgprot(&g, norm(first))) {
      return absl::StrFormat("pte_batch_hint promised %d entries but entry %d does not continue", n,
                             i);
    }
  }
  return "";
}

}  // namespace

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

bool change_needs_flush(const ptediff_geometry& geo, pte_t o, pte_t n) {
  if (!pte_valid(o)) return false;
  if (!pte_valid(n)) return true;
  if (pte_pfn(&geo, o) != pte_pfn(&geo, n)) return true;
  if ((o & PTE_ATTRINDX_MASK) != (n & PTE_ATTRINDX_MASK)) return true;
  return !pte_rdonly(o) && pte_rdonly(n);
}

bool tlb_entry_stale(const Machine& m, const TlbEntry& t, uint64_t va) {
  const ptediff_geometry& g = m.geo();
  const pte_t e = m.peek(t.mm, va);
  const uint64_t pfn = pte_pfn(&g, t.pte) + (va - t.va) / page_of(g);
  if (!pte_valid(e) || pte_pfn(&g, e) != pfn) return true;
  if (pte_rdonly(t.pte) || !pte_rdonly(e)) return false;
  // Inside a valid contiguous block the hardware may cache the permissions
  // of any entry (they differ only in access/dirty), so the table grants
  // write when any entry of the block is hardware-dirty.
  if (!pte_valid_cont(e)) return true;
  const uint64_t page = page_of(g), va0 = va & ~(block_bytes(g) - 1);
  for (uint32_t i = 0; i < g.cont_ptes; ++i) {
    if (!pte_rdonly(m.peek(t.mm, va0 + i * page))) return false;
  }
  return true;
}

bool log_flushes(const std::vector<LogRec>& log) {
  return std::any_of(log.begin(), log.end(), [](const LogRec& r) {
    return r.prim == Prim::kFlushRange || r.prim == Prim::kFlushMm;
  });
}

std::vector<StalePage> stale_tlb_pages(const Machine& m) {
  std::vector<StalePage> out;
  const uint64_t page = page_of(m.geo());
  for (const TlbEntry& t : m.tlb().entries()) {
    for (uint64_t va = t.va; va < t.va + t.size; va += page) {
      if (tlb_entry_stale(m, t, va)) out.push_back({t.mm, va});
    }
  }
  return out;
}

std::vector<BlockRef> touched_blocks(const Machine& ref, const Machine& opt) {
  std::vector<BlockRef> out;
  const uint64_t bb = block_bytes(ref.geo());
  for (const Machine* m : {&ref, &opt}) {
    for (const LogRec& r : m->log()) {
      if (is_entry_write(r) && r.mm < kNumMms && r.addr < m->window_limit()) {
        const BlockRef b{r.mm, r.addr / bb};
        if (out.empty() || !(out.back() == b)) out.push_back(b);  // runs are common
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void check_state(const CheckContext& c, const std::vector<BlockRef>& blocks,
                 std::vector<Divergence>* out) {
  const ptediff_geometry& g = c.ref.geo();
  const uint64_t page = page_of(g);
  for (const BlockRef& b : blocks) {
    const uint64_t va0 = b.index * block_bytes(g);
    // The block as arrays (touched blocks are inside the window).
    const pte_t* rb = c.ref.entries(b.mm, va0, g.cont_ptes);
    const pte_t* ob = c.opt.entries(b.mm, va0, g.cont_ptes);
    const uint8_t* eb = c.env.block_bits(b.mm, va0);
    if (rb == nullptr || ob == nullptr || eb == nullptr) continue;
    // O's young/dirty gathered over the block (the logical state of a
    // valid+CONT entry), once per block rather than once per entry.
    LogicalAD gathered{false, false};
    for (uint32_t i = 0; i < g.cont_ptes; ++i) {
      gathered.young |= pte_young(ob[i]);
      gathered.dirty |= pte_dirty(ob[i]);
    }
    bool any_cont = false;
    for (uint32_t i = 0; i < g.cont_ptes; ++i) {
      const uint64_t va = va0 + i * page;
      const pte_t r = rb[i], o = ob[i];
      any_cont |= pte_valid_cont(o);
      if (norm(r) != norm(o)) {
        add(c, DivClass::kPteState, b.mm, va,
            absl::StrFormat("entry mm=%u va=%#x differs beyond access/dirty/CONT: R=%#x O=%#x",
                            b.mm, va, r, o),
            out);
      }
      if (!pte_valid(r) || !pte_valid(o)) continue;
      const uint8_t bits = eb[i];
      const LogicalAD ad = pte_valid_cont(o) ? gathered : LogicalAD{pte_young(o), pte_dirty(o)};
      auto ad_check = [&](const char* name, bool logical, uint8_t must, uint8_t may) {
        if ((bits & must) && !logical) {
          add(c, DivClass::kAccessDirty, b.mm, va,
              absl::StrFormat("lost %s: mm=%u va=%#x is %s in R but not in O (even gathered)", name,
                              b.mm, va, name),
              out);
        } else if (logical && !(bits & may)) {
          add(c, DivClass::kAccessDirty, b.mm, va,
              absl::StrFormat("invented %s: mm=%u va=%#x is %s in O but %s is not in R's "
                              "foldable region since it was last cleaned",
                              name, b.mm, va, name, name),
              out);
        }
      };
      ad_check("dirty", ad.dirty, Envelope::kMustD, Envelope::kMayD);
      ad_check("young", ad.young, Envelope::kMustY, Envelope::kMayY);
    }
    if (!any_cont) continue;
    // cont-malformed: every entry valid+CONT, consecutive from an aligned
    // pfn, equal modulo access/dirty, one folio, a user mm.
    const pte_t first = c.opt.peek(b.mm, va0);
    const uint64_t pfn0 = pte_pfn(&g, first);
    ptediff_folio f{};
    std::string why;
    if (!c.opt.mm(b.mm)->user)
      why = "in a kernel mm";
    else if (!pte_valid_cont(first) || pfn0 % g.cont_ptes)
      why = "does not start at a CONT-aligned pfn";
    else if (!c.opt.folio_of(pfn0, &f) || f.start_pfn + f.nr_pages < pfn0 + g.cont_ptes ||
             f.start_pfn > pfn0)
      why = "not covered by one folio";
    for (uint32_t i = 1; why.empty() && i < g.cont_ptes; ++i) {
      const pte_t e = c.opt.peek(b.mm, va0 + i * page);
      if (!pte_valid_cont(e) || pte_pfn(&g, e) != pfn0 + i ||
          pte_pgprot(&g, norm(e)) != pte_pgprot(&g, norm(first))) {
        why = absl::StrFormat("entry %d breaks the block", i);
      }
    }
    if (!why.empty()) {
      add(c, DivClass::kContMalformed, b.mm, va0,
          absl::StrFormat("CONT block mm=%u va=%#x %s", b.mm, va0, why), out);
    }
  }
}

void check_returns(const CheckContext& c, const std::vector<Ret>& r, const std::vector<Ret>& o,
                   std::vector<Divergence>* out) {
  const uint32_t mm = c.op.range.mm;
  if (r.size() != o.size()) {
    add(c, DivClass::kReturnValue, mm, c.op.range.va,
        absl::StrFormat("R returned %d values, O returned %d", r.size(), o.size()), out);
    return;
  }
  for (size_t i = 0; i < r.size(); ++i) {
    const Ret& a = r[i];
    const Ret& b = o[i];
    if (a.type != b.type || a.range.mm != b.range.mm || a.range.va != b.range.va ||
        a.range.nr != b.range.nr) {
      add(c, DivClass::kReturnValue, a.range.mm, a.range.va,
          absl::StrFormat("return %d: R and O returned for different entries (R %s va=%#x nr=%d, "
                          "O %s va=%#x nr=%d)",
                          i, ret_type_name(a.type), a.range.va, a.range.nr, ret_type_name(b.type),
                          b.range.va, b.range.nr),
          out);
      return;
    }
    const bool must_y = c.env.any(a.range, Envelope::kMustY);
    const bool may_y = c.env.any(a.range, Envelope::kMayY);
    const bool must_d = c.env.any(a.range, Envelope::kMustD);
    const bool may_d = c.env.any(a.range, Envelope::kMayD);
    std::string bad;
    auto within = [&](const char* name, bool v, bool must, bool may) {
      if (must && !v)
        bad = absl::StrFormat("O's return lost %s", name);
      else if (v && !may)
        bad = absl::StrFormat("O's return invented %s", name);
    };
    switch (a.type) {
      case RetType::kPte:
        if (norm(a.value) != norm(b.value)) {
          bad = absl::StrFormat("returned ptes differ beyond access/dirty/CONT: R=%#x O=%#x",
                                a.value, b.value);
        } else if (pte_valid(b.value)) {
          within("dirty", pte_dirty(b.value), must_d, may_d);
          if (bad.empty()) within("young", pte_young(b.value), must_y, may_y);
        }
        break;
      case RetType::kYoung:
        within("young", b.value != 0, must_y, may_y);
        break;
      case RetType::kFolioAD:
        within("dirty", (b.value & 2) != 0, must_d, may_d);
        if (bad.empty()) within("young", (b.value & 1) != 0, must_y, may_y);
        break;
      case RetType::kAccessFlags: {
        // "Changed" only feeds update_mmu_cache (a no-op on arm64). O may
        // report "unchanged" where R changed only if O's raw target entry
        // already grants what R's now does (a block-wide update of an earlier
        // call); otherwise the faulting access would fault again.
        const pte_t re = c.ref.peek(a.range.mm, a.range.va);
        const pte_t oe = c.opt.peek(a.range.mm, a.range.va);
        const bool grants = (!pte_young(re) || pte_young(oe)) &&
                            (pte_rdonly(re) || !pte_rdonly(oe)) &&
                            (!pte_write(re) || pte_write(oe));
        if (a.value && !b.value && !grants) {
          bad =
              "ptep_set_access_flags: R changed the entry, O did nothing and its entry stays "
              "more restrictive";
        }
        break;
      }
      case RetType::kHint:
        bad = hint_unsound(c, b);
        break;
      case RetType::kAccess:
        if (!access_results_compatible(c, a, b)) {
          bad = absl::StrFormat("access: R %s, O %s",
                                access_result_name(static_cast<AccessResult>(a.value)),
                                access_result_name(static_cast<AccessResult>(b.value)));
        }
        break;
      case RetType::kRetry: {
        // When R's retry faults too (a stale entry an earlier raw op left in
        // R's TLB, outside any caller's contract), there is nothing to blame
        // O for; O must succeed wherever R does. Likewise when O's retry was
        // decided by a stale cached translation that R's version of this op
        // did not invalidate either: the flush is one a caller deferred
        // (clear_full_ptes, get_and_clear_full_ptes and wrprotect_ptes leave
        // it to mmu_gather / fork's flush_tlb_mm) and the program never
        // issued; O's entry covers more pages only because it cached a whole
        // contiguous block. Staleness this op should have removed is
        // tlb-stale's (R invalidated the page) and stays a return-value here.
        const TlbEntry* t = c.opt.tlb().lookup(a.range.mm, a.range.va);
        // (Stale either way: granting more than the table, or refusing the
        // write the table now permits, a read-only block cached before.)
        const bool deferred_stale =
            t != nullptr &&
            (tlb_entry_stale(c.opt, *t, a.range.va) ||
             c.opt.tlb_refuses(a.range.mm, a.range.va, AccessKind::kWrite)) &&
            !synced_invalidation_hits(c.ref.log(), a.range.mm, a.range.va, page_of(c.ref.geo()));
        if (access_ok(static_cast<AccessResult>(a.value)) &&
            !access_ok(static_cast<AccessResult>(b.value)) && !deferred_stale) {
          bad = absl::StrFormat(
              "the access retried after the fault handler faults again "
              "(R %s, O %s): the fault would repeat forever",
              access_result_name(static_cast<AccessResult>(a.value)),
              access_result_name(static_cast<AccessResult>(b.value)));
        }
        break;
      }
    }
    if (!bad.empty()) {
      add(c, DivClass::kReturnValue, a.range.mm, a.range.va,
          absl::StrFormat("return %d (%s, mm=%u va=%#x nr=%d): %s", i, ret_type_name(a.type),
                          a.range.mm, a.range.va, a.range.nr, bad),
          out);
      return;
    }
  }
}

void check_log(const CheckContext& c, std::vector<Divergence>* out) {
  const ptediff_geometry& g = c.opt.geo();
  for (const Machine* m : {&c.ref, &c.opt}) {
    for (const std::string& v : m->violations()) {
      const bool contract = v.rfind("contract:", 0) == 0;
      add(c, contract || m == &c.ref ? DivClass::kContract : DivClass::kOutOfWindow, c.op.range.mm,
          c.op.range.va, absl::StrFormat("%s: %s", m == &c.ref ? "R" : "O", v), out);
    }
  }
  // Per page of O's log: the pending flush need and break-before-make state.
  // Only pages that need a flush or lost a valid entry are tracked, in a
  // dense (mm, page) index whose used slots are zeroed again on the way out.
  const bool young_flush =
      c.op.op.kind == OpKind::kPtepClearFlushYoung || c.op.op.kind == OpKind::kReferenced;
  // ptep_set_access_flags with dirty (a write fault: the raw call, or the
  // wp_fault flow's reuse and spurious paths) must invalidate every entry it
  // made writable: __ptep_set_access_flags flushes "a stale read-only
  // entry" so the retried write does not fault on it again, and contpte
  // flushes the whole block it updated. Hardware dirty updates are not the
  // call's (prim kHw is excluded below).
  const bool upgrade_flush =
      (c.op.op.kind == OpKind::kPtepSetAccessFlags && c.op.op.get(Field::kDirty) != 0) ||
      c.op.op.kind == OpKind::kWpFault;
  CheckScratch local;
  CheckScratch& s = c.scratch != nullptr ? *c.scratch : local;
  std::vector<FlushPage>& pages = s.pages;
  std::vector<size_t>& unsynced = s.unsynced;
  pages.clear();
  unsynced.clear();
  const uint64_t page = page_of(g);
  const uint64_t window_pages = c.opt.window_limit() / page;
  if (s.slot.size() < kNumMms * window_pages) s.slot.assign(kNumMms * window_pages, 0);
  // Records reaching here are in the window: refused ones are not entry
  // writes, and out-of-window flushes are never logged.
  auto slot = [&](uint32_t mm, uint64_t va) -> uint32_t& {
    return s.slot[mm * window_pages + va / page];
  };
  struct ClearSlots {  // zeroes the slots this op used, however check_log returns
    CheckScratch& s;
    uint64_t window_pages, page;
    ~ClearSlots() {
      for (const FlushPage& p : s.pages) s.slot[p.mm * window_pages + p.va / page] = 0;
    }
  } clear_slots{s, window_pages, page};
  auto mark_flushed = [&](size_t i, bool sync) {
    pages[i].flushed = true;
    pages[i].synced = sync;
    if (!sync) unsynced.push_back(i);
  };
  const bool bbml2 = (c.opt.features() & PTEDIFF_FEAT_BBML2) != 0;
  for (const LogRec& r : c.opt.log()) {
    if (r.prim == Prim::kFlushRange || r.prim == Prim::kFlushMm) {
      const uint64_t n = r.prim == Prim::kFlushRange && r.stride ? (r.end - r.addr) / r.stride : 0;
      if (r.prim == Prim::kFlushRange && n < pages.size()) {
        for (uint64_t k = 0; k < n; ++k) {
          if (const uint32_t i = slot(r.mm, r.addr + k * r.stride); i != 0) {
            mark_flushed(i - 1, r.sync);
          }
        }
      } else {
        for (size_t i = 0; i < pages.size(); ++i) {
          if (pages[i].mm == r.mm && (r.prim == Prim::kFlushMm ||
                                      range_hits(r.addr, r.end, r.stride, pages[i].va, page))) {
            mark_flushed(i, r.sync);
          }
        }
      }
    }
    if (r.prim == Prim::kDsb || (r.prim == Prim::kFlushRange && r.sync) ||
        r.prim == Prim::kFlushMm) {
      for (size_t i : unsynced) pages[i].synced |= pages[i].flushed;
      unsynced.clear();
      continue;
    }
    if (r.prim == Prim::kFlushRange) continue;
    if (!is_entry_write(r)) continue;
    const bool write_gained = upgrade_flush && r.prim != Prim::kHw && pte_valid(r.old) &&
                              pte_valid(r.val) && pte_rdonly(r.old) && !pte_rdonly(r.val);
    const bool needs = change_needs_flush(g, r.old, r.val) || write_gained;
    const bool young_cleared =
        young_flush && pte_valid(r.old) && pte_young(r.old) && !pte_young(r.val);
    uint32_t& at = slot(r.mm, r.addr);
    if (at == 0 && (needs || young_cleared)) {
      pages.push_back({.mm = r.mm, .va = r.addr});
      at = static_cast<uint32_t>(pages.size());
    }
    FlushPage* p = at == 0 ? nullptr : &pages[at - 1];
    // Break-before-make: a valid entry replaced by one with another output
    // address, size (CONT) or memory type, directly or through an invalid
    // entry without a completed TLBI in between. BBML2_NOABORT allows
    // size-only changes.
    const pte_t before = pte_valid(r.old) ? r.old : p != nullptr ? p->last_valid : 0;
    const bool completed = p != nullptr && !pte_valid(r.old) && p->flushed && p->synced;
    if (pte_valid(r.val) && pte_valid(before) && !completed) {
      const bool oa = pte_pfn(&g, before) != pte_pfn(&g, r.val) ||
                      (before & PTE_ATTRINDX_MASK) != (r.val & PTE_ATTRINDX_MASK);
      const bool size = pte_cont(before) != pte_cont(r.val);
      if (oa || (size && !bbml2)) {
        add(c, DivClass::kBbm, r.mm, r.addr,
            absl::StrFormat("mm=%u va=%#x: %#x replaced by %#x (%s change) without "
                            "invalid + completed TLBI in between",
                            r.mm, r.addr, before, r.val, oa ? "address" : "size"),
            out);
      }
    }
    if (p == nullptr) continue;
    if (needs) {
      // A completed invalidation since the last need left nothing cached.
      const bool fresh = !p->need || (p->flushed && p->synced);
      p->cached_mixed = !fresh && (p->cached_mixed || !same_translation(p->cached, r.old));
      p->cached_writable = (!fresh && p->cached_writable) || !pte_rdonly(r.old);
      p->upgrade = (!fresh && p->upgrade) || !change_needs_flush(g, r.old, r.val);
      if (fresh) p->cached = r.old;
      p->need = true;
      p->flushed = p->synced = false;
    } else if (young_cleared) {
      // ptep_clear_flush_young's contract: every entry whose access flag it
      // cleared is invalidated (a nosync TLBI suffices: it is a hint), so
      // later accesses set AF again instead of hitting a cached translation.
      p->need_young = true;
      p->flushed = false;
    }
    if (pte_valid(r.old) && !pte_valid(r.val)) p->last_valid = r.old;
    if (pte_valid(r.val)) p->last_valid = 0;
  }
  // flush-missing applies to ops whose reference version flushes.
  if (!log_flushes(c.ref.log())) return;
  for (const FlushPage& p : pages) {
    if (p.need_young && !p.need && !p.flushed) {
      add(c, DivClass::kFlushMissing, p.mm, p.va,
          absl::StrFormat("mm=%u va=%#x: ptep_clear_flush_young cleared its access flag but O "
                          "never invalidated its TLB entry",
                          p.mm, p.va),
          out);
    }
    // A page whose entry went away and came back (valid, 0, valid) needs no
    // invalidation when every translation a TLB may still hold from before is
    // legal for the entry it ends with: upstream 83bbd6be7d17 ("arm64/mm:
    // Elide tlbi in contpte_convert() under BBML2") clears and repaints a
    // block with only CONT changed and issues no TLBI at all.
    const pte_t now = c.opt.peek(p.mm, p.va);
    const bool restored = !p.upgrade && !p.cached_mixed && pte_valid(now) &&
                          same_translation(p.cached, now) &&
                          (!p.cached_writable || !pte_rdonly(now));
    if (p.need && !(p.flushed && p.synced) && !restored) {
      add(c, DivClass::kFlushMissing, p.mm, p.va,
          absl::StrFormat("mm=%u va=%#x changed in a way that needs a TLB flush, but O %s", p.mm,
                          p.va, p.flushed ? "never completed it (no DSB)" : "never flushed it"),
          out);
    }
  }
}

void check_tlb(const CheckContext& c, std::vector<Divergence>* out) {
  const uint64_t page = page_of(c.opt.geo());
  // R's invalidations of this op, in order (flushes and DSBs); without a
  // flush nothing can be blamed on O.
  std::vector<LogRec> inv;
  for (const LogRec& r : c.ref.log()) {
    if (r.prim == Prim::kFlushMm || r.prim == Prim::kFlushRange || r.prim == Prim::kDsb) {
      inv.push_back(r);
    }
  }
  if (!log_flushes(inv)) return;
  // Whether R's version of this op invalidated va and waited for it: a
  // synced flush of R's log hits it. (Unsynced flushes are young hints,
  // ptep_clear_flush_young's, which no permission depends on.)
  auto ref_invalidated = [&](uint32_t mm, uint64_t va) {
    return synced_invalidation_hits(inv, mm, va, page);
  };
  auto stale_before = [&](uint32_t mm, uint64_t va) {
    return c.stale_before != nullptr && std::find(c.stale_before->begin(), c.stale_before->end(),
                                                  StalePage{mm, va}) != c.stale_before->end();
  };
  for (const TlbEntry& t : c.opt.tlb().entries()) {
    for (uint64_t va = t.va; va < t.va + t.size; va += page) {
      if (!tlb_entry_stale(c.opt, t, va)) continue;
      // O holds a translation its table no longer grants. That is O's fault
      // only if R's version of the same op invalidated the page: ops whose
      // contract defers the flush to the caller (mmu_gather, fork's
      // flush_tlb_mm, ptep_set_wrprotect) leave such entries on both sides.
      // And only if the page was not already stale before the op: such
      // staleness comes from a flush an earlier op deferred to a caller who
      // never issued it; R removing it now is incidental to R's own changes
      // (an O change in this op that needs the flush is flush-missing's).
      if (!ref_invalidated(t.mm, va) || stale_before(t.mm, va)) continue;
      add(c, DivClass::kTlbStale, t.mm, va,
          absl::StrFormat("O's TLB %s entry for mm=%u va=%#x (%s) grants more than O's table "
                          "(%#x), though R's version of this op invalidated the page",
                          t.size > page ? "block" : "page", t.mm, va,
                          t.pending ? "invalidation not completed" : "never invalidated",
                          c.opt.peek(t.mm, va)),
          out);
      return;
    }
  }
}

}  // namespace ptediff
