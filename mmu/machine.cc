// ptediff: the simulated machine (see machine.h).
#include "mmu/machine.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "mmu/locks.h"

namespace ptediff {
namespace {

Machine* self(const ptediff_machine* m) { return static_cast<Machine*>(m->priv); }

pte_t abi_read(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr) {
  return self(m)->prim_read(mm, addr);
}
void abi_write(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, pte_t val) {
  self(m)->prim_write(mm, addr, val);
}
pte_t abi_xchg(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, pte_t val) {
  return self(m)->prim_xchg(mm, addr, val);
}
bool abi_cmpxchg(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, pte_t* old, pte_t val) {
  return self(m)->prim_cmpxchg(mm, addr, old, val);
}
pte_t abi_read_level(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, int level) {
  return self(m)->prim_read(mm, addr, level);
}
void abi_write_level(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, int level,
                     pte_t val) {
  self(m)->prim_write(mm, addr, val, level);
}
pte_t abi_xchg_level(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, int level,
                     pte_t val) {
  return self(m)->prim_xchg(mm, addr, val, level);
}
bool abi_cmpxchg_level(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, int level,
                       pte_t* old, pte_t val) {
  return self(m)->prim_cmpxchg(mm, addr, old, val, level);
}
void abi_flush_tlb_range(const ptediff_machine* m, ptediff_mm* mm, uint64_t start, uint64_t end,
                         uint64_t stride, bool last_level, int tlb_level, bool sync) {
  self(m)->prim_flush_tlb_range(mm, start, end, stride, last_level, tlb_level, sync);
}
void abi_flush_tlb_mm(const ptediff_machine* m, ptediff_mm* mm) { self(m)->prim_flush_tlb_mm(mm); }
void abi_dsb(const ptediff_machine* m) { self(m)->prim_dsb(); }
bool abi_mm_is_user(const ptediff_machine*, ptediff_mm* mm) { return mm != nullptr && mm->user; }
bool abi_folio_of(const ptediff_machine* m, uint64_t pfn, ptediff_folio* out) {
  // pte_page() of a special mapping's pfn has no struct page behind it: the
  // kernel never asks (contpte_try_fold: "we never try to fold special
  // mappings"), so a backend that does has a bug.
  if (is_pfnmap_pfn(m->geo, pfn)) {
    self(m)->report_contract_error("folio_of a pfn without a memmap (a special mapping)");
    return false;
  }
  return self(m)->folio_of(pfn, out);
}
void abi_contract_error(const ptediff_machine* m, const char* what) {
  self(m)->report_contract_error(what);
}
uint64_t abi_ptep_of(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, int level) {
  return mm != nullptr ? entry_kaddr(m->geo, mm->id, addr, level) : 0;
}
uint64_t abi_pte_offset_map(const ptediff_machine* m, ptediff_mm*, uint64_t addr) {
  return entry_kmap_addr(m->geo, addr);
}
uint64_t abi_ptlock_ptr(const ptediff_machine* m, uint64_t kaddr) {
  return ptlock_handle(m->geo, kaddr);
}
uint64_t abi_mm_lock(const ptediff_machine*, ptediff_mm* mm) {
  return mm_lock_handle(mm != nullptr ? mm->id : 0);
}
void abi_set_site(const ptediff_machine* m, const ptediff_site* site) { self(m)->set_site(site); }

}  // namespace

const char* prim_name(Prim p) {
  switch (p) {
    case Prim::kRead:
      return "read";
    case Prim::kWrite:
      return "write";
    case Prim::kXchg:
      return "xchg";
    case Prim::kCmpxchg:
      return "cmpxchg";
    case Prim::kFlushRange:
      return "flush_tlb_range";
    case Prim::kFlushMm:
      return "flush_tlb_mm";
    case Prim::kDsb:
      return "dsb";
    case Prim::kHw:
      return "hw_update";
  }
  return "?";
}

const char* access_result_name(AccessResult r) {
  switch (r) {
    case AccessResult::kOk:
      return "ok";
    case AccessResult::kOkTlb:
      return "ok-tlb";
    case AccessResult::kTranslationFault:
      return "translation-fault";
    case AccessResult::kAccessFlagFault:
      return "access-flag-fault";
    case AccessResult::kPermissionFault:
      return "permission-fault";
  }
  return "?";
}

Counters& Counters::operator+=(const Counters& o) {
  reads += o.reads;
  writes += o.writes;
  atomics += o.atomics;
  tlbis += o.tlbis;
  dsbs += o.dsbs;
  return *this;
}

Machine::Machine(const ptediff_geometry& geo, uint32_t features, const FolioMap* folios,
                 uint32_t window_tables)
    : folios_(folios) {
  abi_.abi_version = PTEDIFF_ABI_VERSION;
  abi_.features = features;
  abi_.geo = geo;
  abi_.priv = this;
  abi_.read = abi_read;
  abi_.write = abi_write;
  abi_.xchg = abi_xchg;
  abi_.cmpxchg = abi_cmpxchg;
  abi_.flush_tlb_range = abi_flush_tlb_range;
  abi_.flush_tlb_mm = abi_flush_tlb_mm;
  abi_.dsb = abi_dsb;
  abi_.mm_is_user = abi_mm_is_user;
  abi_.folio_of = abi_folio_of;
  abi_.contract_error = abi_contract_error;
  abi_.machine_version = PTEDIFF_MACHINE_VERSION;
  abi_.read_level = abi_read_level;
  abi_.write_level = abi_write_level;
  abi_.xchg_level = abi_xchg_level;
  abi_.cmpxchg_level = abi_cmpxchg_level;
  abi_.ptep_of = abi_ptep_of;
  abi_.pte_offset_map = abi_pte_offset_map;
  abi_.ptlock_ptr = abi_ptlock_ptr;
  abi_.mm_lock = abi_mm_lock;
  abi_.set_site = abi_set_site;
  for (uint32_t id = 0; id < kNumMms; ++id) {
    mms_.push_back(ptediff_mm{id, id != kKernelMm, TableWindow(geo, window_tables)});
  }
  log_.reserve(16384);  // a whole-window flow logs thousands of records
  block_shift_ = geo.page_shift + static_cast<uint32_t>(__builtin_ctz(geo.cont_ptes));
  blocks_per_mm_ = mms_[0].window.limit() >> block_shift_;
  block_stamp_.assign(kNumMms * blocks_per_mm_, 0);
}

void Machine::poke(uint32_t mm, uint64_t va, pte_t v) {
  EntryRef e = mms_[mm].window.pte_entry(va);
  if (e.table != nullptr) mms_[mm].window.set(e, v);
}

void Machine::poke_level(uint32_t mm, uint64_t va, int level, pte_t v) {
  if (level == kPteLevel) return poke(mm, va, v);
  EntryRef e = mms_[mm].window.upper_entry(va, level);
  if (e.table != nullptr) mms_[mm].window.set(e, v);
}

void Machine::reset(uint32_t features) {
  abi_.features = features;
  abi_.backend_priv = nullptr;
  for (ptediff_mm& mm : mms_) mm.window.clear();
  tlb_.clear();
  counters_ = {};
  // No stamp equals the epoch begin_op starts (epochs only grow; a wrap
  // clears the stamps there): nothing to clear here.
  hook_ = nullptr;
  agent_ = Agent::kBackend;
  std::fill(std::begin(site_), std::end(site_), nullptr);
  begin_op();
}

void Machine::save(Snapshot* s) const {
  s->windows.clear();
  for (const ptediff_mm& mm : mms_) s->windows.push_back(mm.window);
  s->tlb = tlb_;
  s->counters = counters_;
}

void Machine::restore(const Snapshot& s) {
  for (size_t i = 0; i < mms_.size(); ++i) mms_[i].window = s.windows[i];
  tlb_ = s.tlb;
  counters_ = s.counters;
  begin_op();
}

void Machine::begin_op() {
  log_.clear();
  touched_.clear();
  if (++epoch_ == 0) {  // wrapped: no stamp may look current
    std::fill(block_stamp_.begin(), block_stamp_.end(), 0);
    epoch_ = 1;
  }
  unlogged_reads_ = 0;
  violations_.clear();
  contract_errors_ = 0;
}

void Machine::refuse_entry(const ptediff_mm* mm, uint64_t addr, Prim prim, int level) {
  if (!valid_mm(mm)) {
    add_violation(absl::StrFormat("%s on an unknown mm", prim_name(prim)));
    return;
  }
  if (level == kPteLevel && addr < mm->window.limit() &&
      (addr & (ptediff_page_size(&abi_.geo) - 1)) == 0) {
    add_violation(absl::StrFormat(
        "%s mm=%u va=%#x: no PTE table there (an upper entry is a leaf or not present)",
        prim_name(prim), mm->id, addr));
    return;
  }
  add_violation(
      absl::StrFormat("%s mm=%u va=%#x level %d outside the window [0, %#x) or "
                      "not page aligned",
                      prim_name(prim), mm->id, addr, level, mm->window.limit()));
}

pte_t Machine::prim_read(ptediff_mm* mm, uint64_t addr, int level) {
  const bool see = interfere();
  ++counters_.reads;
  EntryRef e = checked_entry(mm, addr, Prim::kRead, level);
  const pte_t v = e.table != nullptr && see ? e.value() : 0;
  if (!log_reads_) {
    ++unlogged_reads_;
    return v;
  }
  LogRec& r = add_rec(Prim::kRead, valid_mm(mm) ? mm->id : 0xff, addr, level);
  r.ok = e.table != nullptr;
  r.old = r.val = v;
  return v;
}

pte_t Machine::store(ptediff_mm* mm, uint64_t addr, pte_t val, Prim prim, int level) {
  EntryRef e = checked_entry(mm, addr, prim, level);
  pte_t old = 0;
  if (e.table != nullptr) {
    old = e.value();
    mm->window.set(e, val);
    // Touched blocks are PTE blocks (the checks' unit); upper writes are
    // only in the log.
    if (level == kPteLevel) note_write(mm->id, addr);
  }
  LogRec& r = add_rec(prim, valid_mm(mm) ? mm->id : 0xff, addr, level);
  r.ok = e.table != nullptr;
  r.old = old;
  r.val = val;
  return old;
}

void Machine::prim_write(ptediff_mm* mm, uint64_t addr, pte_t val, int level) {
  interfere();
  ++counters_.writes;
  store(mm, addr, val, Prim::kWrite, level);
}

pte_t Machine::prim_xchg(ptediff_mm* mm, uint64_t addr, pte_t val, int level) {
  interfere();
  ++counters_.atomics;
  return store(mm, addr, val, Prim::kXchg, level);
}

bool Machine::prim_cmpxchg(ptediff_mm* mm, uint64_t addr, pte_t* old, pte_t val, int level) {
  interfere();
  ++counters_.atomics;
  EntryRef e = checked_entry(mm, addr, Prim::kCmpxchg, level);
  const uint8_t id = static_cast<uint8_t>(valid_mm(mm) ? mm->id : 0xff);
  if (e.table == nullptr || old == nullptr) {
    // A refused entry reads as a constant 0 that ignores writes, so a
    // kernel-style retry loop ends instead of spinning.
    add_rec(Prim::kCmpxchg, id, addr, level).ok = false;
    if (old == nullptr) return false;
    const bool was_zero = *old == 0;
    *old = 0;
    return was_zero;
  }
  const pte_t cur = e.value();
  const bool ok = cur == *old;
  if (ok) {
    mm->window.set(e, val);
    if (level == kPteLevel) note_write(mm->id, addr);
  } else {
    *old = cur;
  }
  LogRec& r = add_rec(Prim::kCmpxchg, id, addr, level);
  r.ok = ok;
  r.old = cur;
  r.val = ok ? val : cur;
  return ok;
}

void Machine::prim_flush_tlb_range(ptediff_mm* mm, uint64_t start, uint64_t end, uint64_t stride,
                                   bool last_level, int tlb_level, bool sync) {
  interfere();
  if (!valid_mm(mm)) {
    add_violation("flush_tlb_range on an unknown mm");
    return;
  }
  if (stride == 0 || start > end || end > mm->window.limit()) {
    add_violation(
        absl::StrFormat("flush_tlb_range mm=%u [%#x, %#x) stride %#x outside the window [0, %#x)",
                        mm->id, start, end, stride, mm->window.limit()));
    return;
  }
  // The hint as the TLB applies it: 0 any level; with LPA2 a 0 hint is
  // level 0 (kTlbLevelZero, which holds nothing here) and unknown is
  // TLBI_TTL_UNKNOWN; any value outside 0..3 is unknown.
  if (tlb_level < 0 || tlb_level > 3) {
    tlb_level = kTlbAnyLevel;
  } else if (tlb_level == 0 && (abi_.features & PTEDIFF_FEAT_LPA2) != 0) {
    tlb_level = kTlbLevelZero;
  }
  counters_.tlbis += (end - start + stride - 1) / stride;
  if (sync) ++counters_.dsbs;
  tlb_.invalidate_range(mm->id, start, end, stride, tlb_level, sync);
  log_.push_back({.prim = Prim::kFlushRange,
                  .mm = static_cast<uint8_t>(mm->id),
                  .agent = agent_,
                  .last_level = last_level,
                  .sync = sync,
                  .tlb_level = static_cast<int8_t>(tlb_level),
                  .addr = start,
                  .end = end,
                  .stride = stride,
                  .site = site()});
}

void Machine::prim_flush_tlb_mm(ptediff_mm* mm) {
  interfere();
  if (!valid_mm(mm)) {
    add_violation("flush_tlb_mm on an unknown mm");
    return;
  }
  ++counters_.tlbis;
  ++counters_.dsbs;
  tlb_.invalidate_mm(mm->id);
  log_.push_back({.prim = Prim::kFlushMm,
                  .mm = static_cast<uint8_t>(mm->id),
                  .agent = agent_,
                  .sync = true,
                  .addr = 0,
                  .end = mm->window.limit(),
                  .site = site()});
}

void Machine::prim_dsb() {
  interfere();
  ++counters_.dsbs;
  tlb_.sync();
  log_.push_back({.prim = Prim::kDsb, .agent = agent_, .sync = true, .site = site()});
}

void Machine::add_violation(std::string what) {
  // Bounded: a runaway backend must not turn into unbounded memory.
  if (violations_.size() < kMaxViolations) violations_.push_back(std::move(what));
}

void Machine::report_contract_error(const char* what) {
  ++contract_errors_;
  add_violation(absl::StrCat("contract: ", what == nullptr ? "(null)" : what));
}

bool Machine::folio_of(uint64_t pfn, ptediff_folio* out) const {
  return folios_ != nullptr && folios_->lookup(pfn, out);
}

namespace {

// Whether a cached or walked descriptor permits the access without any
// hardware update (AF already set, write already hardware-dirty).
bool permits_without_update(pte_t pte, AccessKind kind) {
  if (!pte_valid(pte) || !pte_young(pte)) return false;
  switch (kind) {
    case AccessKind::kRead:
      return true;
    case AccessKind::kWrite:
      return !pte_rdonly(pte);
    case AccessKind::kExec:
      return (pte & PTE_UXN) == 0;
  }
  return false;
}

}  // namespace

bool Machine::tlb_refuses(uint32_t mmid, uint64_t va, AccessKind kind) const {
  const TlbEntry* t = tlb_.lookup(mmid, va & ~(ptediff_page_size(&abi_.geo) - 1));
  if (t == nullptr) return false;
  // A cached translation that forbids the access may fault without a walk
  // (why __ptep_set_access_flags invalidates a stale read-only entry); only
  // a DBM write under FEAT_HAFDBS goes to the descriptor to set dirty.
  const bool hafdbs = (abi_.features & PTEDIFF_FEAT_HAFDBS) != 0;
  if (kind == AccessKind::kWrite && pte_rdonly(t->pte) && !(hafdbs && pte_write(t->pte))) {
    return true;
  }
  return kind == AccessKind::kExec && (t->pte & PTE_UXN) != 0;
}

Machine::Leaf Machine::walk(ptediff_mm& mm, uint64_t va) {
  const ptediff_geometry& g = abi_.geo;
  EntryRef up = mm.window.upper_leaf(va);
  if (up.table == nullptr) [[likely]] {
    return {mm.window.pte_entry(va), kPteLevel, ptediff_page_size(&g), g.cont_ptes};
  }
  if (up.level() == kPmdLevel) return {up, kPmdLevel, ptediff_pmd_size(&g), g.cont_pmds};
  return {up, kPudLevel, 1ULL << (g.pmd_shift + g.page_shift - 3), 1};
}

EntryRef Machine::pick_in_block(ptediff_mm& mm, uint64_t va, const Leaf& l, uint32_t pick) {
  // Inside a valid contiguous block the walk may have used the descriptor of
  // any entry of the block: `pick` chooses which one is checked and updated.
  // A picked entry that is not valid+CONT (a block being written entry by
  // entry, as set_ptes does, or a malformed one) was not part of the cached
  // translation: the walk used the entry itself.
  if (l.cont < 2 || !pte_valid_cont(l.e.value())) return l.e;
  const uint64_t va0 = va & ~(l.size * l.cont - 1);
  const uint64_t at = va0 + static_cast<uint64_t>(pick % l.cont) * l.size;
  EntryRef t = l.level == kPteLevel ? mm.window.pte_entry(at) : mm.window.upper_entry(at, l.level);
  return t.table != nullptr && pte_valid_cont(t.value()) ? t : l.e;
}

AccessResult Machine::access(uint32_t mmid, uint64_t va, AccessKind kind, uint32_t pick) {
  if (mmid >= kNumMms) return AccessResult::kTranslationFault;
  ptediff_mm& mm = mms_[mmid];
  const uint64_t page = ptediff_page_size(&abi_.geo);
  va &= ~(page - 1);
  const bool hafdbs = (abi_.features & PTEDIFF_FEAT_HAFDBS) != 0;
  if (const TlbEntry* t = tlb_.lookup(mmid, va); t != nullptr) {
    if (permits_without_update(t->pte, kind)) return AccessResult::kOkTlb;
    if (tlb_refuses(mmid, va, kind)) return AccessResult::kPermissionFault;
  }
  const Leaf leaf = walk(mm, va);
  const EntryRef e = leaf.e;
  if (e.table == nullptr || !pte_valid(e.value())) return AccessResult::kTranslationFault;
  const EntryRef target = pick_in_block(mm, va, leaf, pick);
  pte_t upd = target.value();
  // Fault priority: translation, access flag, permission.
  if (!pte_young(upd) && !hafdbs) return AccessResult::kAccessFlagFault;
  if (kind == AccessKind::kExec && (upd & PTE_UXN) != 0) return AccessResult::kPermissionFault;
  const bool needs_dirty = kind == AccessKind::kWrite && pte_rdonly(upd);
  if (needs_dirty && !(hafdbs && pte_write(upd))) return AccessResult::kPermissionFault;

  // Hardware update (FEAT_HAFDBS): set AF, and clear RDONLY for a DBM write.
  if (hafdbs && pte_valid(target.value()) && (!pte_young(upd) || needs_dirty)) {
    const pte_t old = target.value();
    upd = old | PTE_AF;
    if (needs_dirty) upd &= ~PTE_RDONLY;
    mm.window.set(target, upd);
    const uint64_t target_va =
        leaf.level == kPteLevel
            ? target.table->va_base + (static_cast<uint64_t>(target.index) << abi_.geo.page_shift)
            : static_cast<uint64_t>(target.index) * leaf.size;
    if (leaf.level == kPteLevel) note_write(mmid, target_va);
    log_.push_back({.prim = Prim::kHw,
                    .mm = static_cast<uint8_t>(mmid),
                    .agent = agent_,
                    .level = static_cast<int8_t>(leaf.level),
                    .addr = target_va,
                    .old = old,
                    .val = upd});
  }
  // Cache the translation as the walk saw it: the accessed page, or the
  // whole block an upper leaf maps (one TLB entry of that level).
  const pte_t snap =
      pfn_pte(&abi_.geo, pte_pfn(&abi_.geo, e.value()), pte_pgprot(&abi_.geo, upd)) | PTE_AF;
  const uint64_t unit = leaf.level == kPteLevel ? page : leaf.size;
  tlb_.fill({.mm = mmid, .level = leaf.level, .va = va & ~(unit - 1), .size = unit, .pte = snap});
  return AccessResult::kOk;
}

bool Machine::tlb_fill(uint32_t mmid, uint64_t va, bool block, uint32_t pick) {
  if (mmid >= kNumMms) return false;
  ptediff_mm& mm = mms_[mmid];
  const uint64_t page = ptediff_page_size(&abi_.geo);
  va &= ~(page - 1);
  const Leaf leaf = walk(mm, va);
  if (leaf.e.table == nullptr) return false;
  const pte_t pte = leaf.e.value();
  if (!pte_valid(pte) || !pte_young(pte)) return false;
  const uint64_t unit = leaf.level == kPteLevel ? page : leaf.size;
  if (block && leaf.cont > 1 && pte_valid_cont(pte)) {
    const uint64_t size = leaf.size * leaf.cont;
    const uint64_t va0 = va & ~(size - 1);
    // The walk may have read any entry of the block: `pick` chooses which.
    // The snapshot is stored rebased to the block's first page.
    const uint32_t idx = pick % leaf.cont;
    const uint64_t at = va0 + idx * leaf.size;
    const pte_t src =
        leaf.level == kPteLevel ? mm.window.pte_value(at) : mm.window.upper_value(at, leaf.level);
    if (!pte_valid(src) || !pte_young(src)) return false;
    const uint64_t pages_per_entry = leaf.size / page;
    const pte_t base = pfn_pte(&abi_.geo, pte_pfn(&abi_.geo, src) - idx * pages_per_entry,
                               pte_pgprot(&abi_.geo, src));
    tlb_.fill({.mm = mmid, .level = leaf.level, .va = va0, .size = size, .pte = base});
    return true;
  }
  tlb_.fill({.mm = mmid, .level = leaf.level, .va = va & ~(unit - 1), .size = unit, .pte = pte});
  return true;
}

}  // namespace ptediff
