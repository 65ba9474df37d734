// ptediff: the log checks: flush-missing, bbm, out-of-window and contract,
// from the primitive log of O's op (docs/DESIGN.md §5.4, §5.3, §5.6): the
// shared rules (oracle/log_checks.h, oracle/flush.h) with the per-page state
// contpte's ops need (§8.4.4).
#include "absl/strings/str_format.h"
#include "subjects/contpte/checks.h"

namespace ptediff {
namespace {

// Whether a translation cached from entry `a` and entry `b` map the same
// output address with the same memory attributes and permissions, up to
// access/dirty state, the contiguous hint (a size change is bbm's) and write
// permission (RDONLY, DBM), which the caller compares on its own.
bool same_translation(pte_t a, pte_t b) {
  constexpr pte_t kMayDiffer = PTE_AF | PTE_DIRTY | PTE_RDONLY | PTE_WRITE | PTE_CONT;
  return ((a ^ b) & ~kMayDiffer) == 0;
}

// Per page of O's log: the pending flush need and break-before-make state.
// Only pages that need a flush or lost a valid entry are tracked, in a dense
// (mm, page) index whose used slots are zeroed again when the tracker ends.
class FlushTracker {
 public:
  FlushTracker(const CheckContext& c, CheckScratch& s, std::vector<Divergence>* out);
  ~FlushTracker() {
    for (const FlushPage& p : s_.pages) slot(p.mm, p.va) = 0;
  }
  // Walks O's log.
  void walk();
  // flush-missing over the tracked pages (only when R's op flushed).
  void report();

 private:
  // Records reaching here are in the window: refused ones are not entry
  // writes, and out-of-window flushes are never logged.
  uint32_t& slot(uint32_t mm, uint64_t va) {
    return s_.slot[mm * window_pages_ + (va >> g_.page_shift)];
  }
  void mark_flushed(size_t i, bool sync);
  void on_flush(const LogRec& r);
  void on_write(const LogRec& r);
  void check_bbm(const LogRec& r, const FlushPage* p);

  const CheckContext& c_;
  CheckScratch& s_;
  std::vector<Divergence>* out_;
  const ptediff_geometry& g_;
  uint64_t page_, window_pages_;
  bool young_flush_, upgrade_flush_, bbml2_;
};

FlushTracker::FlushTracker(const CheckContext& c, CheckScratch& s, std::vector<Divergence>* out)
    : c_(c), s_(s), out_(out), g_(c.opt.geo()) {
  page_ = page_bytes(g_);
  window_pages_ = c.opt.window_limit() >> g_.page_shift;
  s_.pages.clear();
  s_.unsynced.clear();
  if (s_.slot.size() < kNumMms * window_pages_) s_.slot.assign(kNumMms * window_pages_, 0);
  const OpKind kind = c.op.op.kind;
  young_flush_ = kind == OpKind::kPtepClearFlushYoung || kind == OpKind::kReferenced;
  // ptep_set_access_flags with dirty (a write fault: the raw call, or the
  // wp_fault flow's reuse and spurious paths) must invalidate every entry it
  // made writable: __ptep_set_access_flags flushes "a stale read-only
  // entry" so the retried write does not fault on it again (6d332747fa5f),
  // and contpte flushes the whole block it updated. Hardware dirty updates
  // are not the call's (prim kHw is excluded in on_write).
  upgrade_flush_ = (kind == OpKind::kPtepSetAccessFlags && c.op.op.get(Field::kDirty) != 0) ||
                   kind == OpKind::kWpFault;
  bbml2_ = (c.opt.features() & PTEDIFF_FEAT_BBML2) != 0;
}

void FlushTracker::mark_flushed(size_t i, bool sync) {
  s_.pages[i].flushed = true;
  s_.pages[i].synced = sync;
  if (!sync) s_.unsynced.push_back(i);
}

void FlushTracker::on_flush(const LogRec& r) {
  // Every tracked entry is a PTE: a range flush whose level hint names
  // another level reaches none of them (completion is walk()'s).
  if (r.prim == Prim::kFlushRange && !tlb_level_reaches(r.tlb_level, kPteLevel)) return;
  std::vector<FlushPage>& pages = s_.pages;
  const uint64_t n = r.prim == Prim::kFlushRange && r.stride ? (r.end - r.addr) / r.stride : 0;
  if (r.prim == Prim::kFlushRange && n < pages.size()) {
    for (uint64_t k = 0; k < n; ++k) {
      if (const uint32_t i = slot(r.mm, r.addr + k * r.stride); i != 0) mark_flushed(i - 1, r.sync);
    }
    return;
  }
  for (size_t i = 0; i < pages.size(); ++i) {
    if (pages[i].mm == r.mm &&
        (r.prim == Prim::kFlushMm || range_hits(r.addr, r.end, r.stride, pages[i].va, page_))) {
      mark_flushed(i, r.sync);
    }
  }
}

void FlushTracker::walk() {
  for (const LogRec& r : c_.opt.log()) {
    if (r.prim == Prim::kFlushRange || r.prim == Prim::kFlushMm) on_flush(r);
    if (r.prim == Prim::kDsb || (r.prim == Prim::kFlushRange && r.sync) ||
        r.prim == Prim::kFlushMm) {
      for (size_t i : s_.unsynced) s_.pages[i].synced |= s_.pages[i].flushed;
      s_.unsynced.clear();
      continue;
    }
    if (r.prim != Prim::kFlushRange && is_entry_write(r)) on_write(r);
  }
}

void FlushTracker::check_bbm(const LogRec& r, const FlushPage* p) {
  // Break-before-make, the shared rule (oracle/log_checks.h: bbm_change,
  // bbm_needs_break) on this tracker's per-page state: a valid entry
  // replaced by one with another output address, memory type or size
  // (CONT), directly or through an invalid entry without a completed TLBI
  // in between; BBML2_NOABORT allows size-only changes. check_bbm's own
  // walk is not used: the pages this tracker keeps for flush coverage
  // already hold the break (last_valid) and its invalidation.
  const pte_t before = pte_valid(r.old) ? r.old : p != nullptr ? p->last_valid : 0;
  const bool completed = p != nullptr && !pte_valid(r.old) && p->flushed && p->synced;
  if (!pte_valid(r.val) || !pte_valid(before) || completed) return;
  const BbmChange change = bbm_change(g_, kPteLevel, before, r.val);
  if (bbm_needs_break(change, bbml2_)) {
    add_divergence(c_, DivClass::kBbm, r.mm, r.addr,
                   absl::StrFormat("mm=%u va=%#x: %#x replaced by %#x (%s change) without "
                                   "invalid + completed TLBI in between",
                                   r.mm, r.addr, before, r.val, bbm_change_name(change)),
                   out_);
  }
}

void FlushTracker::on_write(const LogRec& r) {
  const bool write_gained = upgrade_flush_ && r.prim != Prim::kHw && pte_valid(r.old) &&
                            pte_valid(r.val) && pte_rdonly(r.old) && !pte_rdonly(r.val);
  const bool needs = change_needs_flush(g_, r.old, r.val) || write_gained;
  const bool young_cleared =
      young_flush_ && pte_valid(r.old) && pte_young(r.old) && !pte_young(r.val);
  uint32_t& at = slot(r.mm, r.addr);
  if (at == 0 && (needs || young_cleared)) {
    FlushPage& added = s_.pages.emplace_back();  // in place: no stack temporary to copy
    added.mm = r.mm;
    added.va = r.addr;
    at = static_cast<uint32_t>(s_.pages.size());
  }
  FlushPage* p = at == 0 ? nullptr : &s_.pages[at - 1];
  check_bbm(r, p);
  if (p == nullptr) return;
  if (needs) {
    // A completed invalidation since the last need left nothing cached.
    const bool fresh = !p->need || (p->flushed && p->synced);
    p->cached_mixed = !fresh && (p->cached_mixed || !same_translation(p->cached, r.old));
    p->cached_writable = (!fresh && p->cached_writable) || !pte_rdonly(r.old);
    p->upgrade = (!fresh && p->upgrade) || !change_needs_flush(g_, r.old, r.val);
    if (fresh) p->cached = r.old;
    p->need = true;
    p->flushed = p->synced = false;
  } else if (young_cleared) {
    // ptep_clear_flush_young's contract: every entry whose access flag it
    // cleared is invalidated (a nosync TLBI suffices: it is a hint,
    // 3403e56b41c1), so later accesses set AF again instead of hitting a
    // cached translation.
    p->need_young = true;
    p->flushed = false;
  }
  if (pte_valid(r.old) && !pte_valid(r.val)) p->last_valid = r.old;
  if (pte_valid(r.val)) p->last_valid = 0;
}

void FlushTracker::report() {
  for (const FlushPage& p : s_.pages) {
    if (p.need_young && !p.need && !p.flushed) {
      add_divergence(c_, DivClass::kFlushMissing, p.mm, p.va,
                     absl::StrFormat("mm=%u va=%#x: ptep_clear_flush_young cleared its access "
                                     "flag but O never invalidated its TLB entry",
                                     p.mm, p.va),
                     out_);
    }
    // A page whose entry went away and came back (valid, 0, valid) needs no
    // invalidation when every translation a TLB may still hold from before is
    // legal for the entry it ends with: upstream 83bbd6be7d17 ("arm64/mm:
    // Elide tlbi in contpte_convert() under BBML2") clears and repaints a
    // block with only CONT changed and issues no TLBI at all.
    const pte_t now = c_.opt.peek(p.mm, p.va);
    const bool restored = !p.upgrade && !p.cached_mixed && pte_valid(now) &&
                          same_translation(p.cached, now) &&
                          (!p.cached_writable || !pte_rdonly(now));
    if (p.need && !(p.flushed && p.synced) && !restored) {
      add_divergence(
          c_, DivClass::kFlushMissing, p.mm, p.va,
          absl::StrFormat("mm=%u va=%#x changed in a way that needs a TLB flush, but "
                          "O %s",
                          p.mm, p.va,
                          p.flushed ? "never completed it (no DSB)" : "never flushed it"),
          out_);
    }
  }
}

}  // namespace

void check_log(const CheckContext& c, std::vector<Divergence>* out) {
  // Most ops have no violations: no call, no report to build.
  if (!c.ref.violations().empty() || !c.opt.violations().empty()) {
    check_violations(c.ref.violations(), c.opt.violations(), c.op.range.mm, c.op.range.va,
                     [&](DivClass cls, uint32_t mm, uint64_t va, std::string what) {
                       add_divergence(c, cls, mm, va, std::move(what), out);
                     });
  }
  CheckScratch local;
  FlushTracker t(c, c.scratch != nullptr ? *c.scratch : local, out);
  t.walk();
  // flush-missing applies to ops whose reference version flushes; the others
  // defer the flush to their caller (§5.4).
  const bool ref_flushed = c.stale != nullptr ? c.stale->ref_flushed() : log_flushes(c.ref.log());
  if (ref_flushed) t.report();
}

}  // namespace ptediff
