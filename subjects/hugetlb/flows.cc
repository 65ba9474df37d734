// ptediff hugetlb: the kernel flows (flows.h), after 6.12's mm/hugetlb.c
// (hugetlb_no_page, hugetlb_wp, hugetlb_fault, copy_hugetlb_page_range,
// __unmap_hugepage_range, hugetlb_change_protection, move_hugetlb_page_tables)
// and mm/rmap.c / mm/migrate.c (try_to_migrate_one, remove_migration_pte) for
// a private anonymous hugetlb VMA without page-table sharing or uffd.
#include "subjects/hugetlb/flows.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "mmu/prot.h"  // vm_page_prot, page_none
#include "mmu/swp.h"
#include "subjects/hugetlb/checks.h"  // entry_norm_huge
#include "subjects/hugetlb/hw.h"

namespace ptediff::hugetlb {

Side::Side(const HState& h, const ptediff_backend_v2* b)
    : h_(h), folios_(h.geo), machine_(h.geo, 0, &folios_, h.window_tables), b_(b) {}

Side::~Side() {
  if (inited_ && b_->fini != nullptr) b_->fini(machine_.abi());
}

void Side::set_hstate(const HState& h) {
  if (h.geo.page_shift != h_.geo.page_shift || h.window_tables != h_.window_tables) {
    std::abort();  // another granule: another machine
  }
  h_ = h;
}

std::string Side::reset(uint32_t features, const std::string& options) {
  if (inited_ && b_->fini != nullptr) b_->fini(machine_.abi());
  inited_ = false;
  machine_.reset(features);
  // The hstate's tables: PMD-sized pages live in PMD entries (none until a
  // fault), PUD-sized ones in PUD entries; CONT_PTE ones in PTE tables.
  for (uint32_t m = 0; m < kNumMms; ++m) {
    for (uint64_t a = 0; h_.level != kPteLevel && a < machine_.window_limit(); a += h_.pgsize) {
      machine_.poke_level(m, a, h_.level, 0);
    }
  }
  st_ = FlowState{};
  obs_.clear();
  claims_.clear();
  const std::string opts = absl::StrCat("hsize=", h_.bytes, options.empty() ? "" : " ", options);
  if (b_->init != nullptr && b_->init(machine_.abi(), opts.c_str()) != 0) {
    return machine_.violations().empty() ? "backend init failed" : machine_.violations().back();
  }
  inited_ = true;
  machine_.begin_op();
  return "";
}

// Tells the call observer of one backend call.
class Side::CallScope {
 public:
  explicit CallScope(Side* s) : s_(s) {
    if (s_->observer_ != nullptr) s_->observer_->call_begins();
  }
  ~CallScope() {
    ++s_->calls_;
    if (s_->observer_ != nullptr) s_->observer_->call_returned(s_->calls_);
  }
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  Side* s_;
};

#define PTEDIFF_HT_WITH_MM(...) (ptediff_mm * mm, __VA_ARGS__)
#define PTEDIFF_HT_FORWARD(...) (machine_.abi(), mm, __VA_ARGS__)
#define PTEDIFF_HUGETLB_API(ret, name, params, args) \
  ret Side::name PTEDIFF_HT_WITH_MM params {         \
    const CallScope scope(this);                     \
    return b_->name PTEDIFF_HT_FORWARD args;         \
  }
#include "ptediff/hugetlb_api.def"
#undef PTEDIFF_HUGETLB_API
#undef PTEDIFF_HT_FORWARD
#undef PTEDIFF_HT_WITH_MM

void Side::journal_log() {
  const std::vector<LogRec>& log = machine_.log();
  for (size_t k = journal_from_; k < log.size(); ++k) {
    const LogRec& r = log[k];
    const bool wrote = r.ok && (r.prim == Prim::kWrite || r.prim == Prim::kXchg ||
                                r.prim == Prim::kCmpxchg || r.prim == Prim::kHw);
    if (wrote) journal_.push_back(r);
  }
  journal_from_ = log.size();
}

void Side::mark() {
  marked_ = true;
  mark_tlb_ = machine_.tlb();
  mark_flow_ = st_;
  journal_.clear();
  journal_from_ = machine_.log().size();
}

void Side::rewind() {
  journal_log();
  for (auto it = journal_.rbegin(); it != journal_.rend(); ++it) {
    machine_.poke_level(it->mm, it->addr, it->level, it->old);
  }
  journal_.clear();
  machine_.tlb() = mark_tlb_;
  st_ = mark_flow_;
  machine_.begin_op();
  journal_from_ = 0;
}

pte_t Side::get(uint32_t m, uint64_t a) { return huge_ptep_get(mm(m), a, h_.level); }

void Side::lock(uint32_t m, uint64_t a) {
  claims_.push_back({m, a, huge_pte_lockptr(mm(m), a, h_.level, h_.bytes)});
}

void Side::observe_entry(const char* what, uint32_t m, uint64_t a, pte_t e) {
  const EntryAD ad = entry_ad(h_.geo, e);
  observe(what, m, a, entry_norm_huge(h_.geo, e) | (ad.young ? 1ULL << 63 : 0), 1ULL << 63);
  observe_dirty(what, m, a, ad.dirty);
}

uint64_t Side::alloc_folio() { return (1 + st_.folios++) * (h_.bytes >> h_.geo.page_shift); }

// make_huge_pte: mk_huge_pte(page, vm_page_prot), writable and dirty or
// write-protected, young, arch_make_huge_pte.
pte_t Side::make_huge_pte(uint64_t pfn, bool writable) {
  pte_t e = vm_page_prot(h_.geo, pfn);
  e = writable ? pte_mkwrite(pte_mkdirty(e)) : pte_wrprotect(e);
  return arch_make_huge_pte(nullptr, pte_mkyoung(e), h_.bytes);
}

void Side::run_flow(const Op& op) {
  obs_.clear();
  claims_.clear();
  calls_ = 0;
  if (marked_) journal_log();
  machine_.begin_op();
  journal_from_ = 0;
  const uint64_t a = va(op.page);
  switch (op.kind) {
    case OpKind::kFault:
      return fault(op);
    case OpKind::kAccess: {
      const AccessResult r = machine_.access(op.mm, a + (op.sub << h_.geo.page_shift),
                                             static_cast<AccessKind>(op.access), op.pick);
      // Completed from the TLB or by a walk is the same outcome.
      return observe("access", op.mm, a, access_ok(r) ? 0 : static_cast<uint64_t>(r),
                     kAccessYoungDependent);
    }
    case OpKind::kGet:
      return observe_entry("huge_ptep_get", op.mm, a, get(op.mm, a));
    case OpKind::kFork:
      return fork();
    case OpKind::kUnmap:
      return unmap(op.mm, a, true);
    case OpKind::kMprotect:
      return mprotect(op.mm, a, static_cast<Prot>(op.prot));
    case OpKind::kMigrate:
      return migrate(op.mm, a);
    case OpKind::kRemoveMigr:
      return remove_migration(op.mm, a);
    case OpKind::kMremap:
      return mremap(op.mm, a, va(op.to));
    case OpKind::kMkold:
      return mkold(op.mm, a);
    case OpKind::kMkclean:
      return mkclean(op.mm, a);
    case OpKind::kCount:
      break;
  }
}

// hugetlb_fault: a none entry is populated (hugetlb_no_page, then
// hugetlb_wp for a write); a write to a read-only entry is hugetlb_wp;
// otherwise the entry is made young (and dirty for a write) with
// huge_ptep_set_access_flags. Migration entries wait (nothing changes).
void Side::fault(const Op& op) {
  const uint32_t m = op.mm;
  const uint64_t a = va(op.page);
  const Prot prot = st_.prot[m];
  if (prot == Prot::kNone || (op.write && prot != Prot::kReadWrite)) {
    return observe("fault", m, a, 1);  // VM_FAULT_SIGSEGV: the vma forbids it
  }
  lock(m, a);
  pte_t entry = get(m, a);
  if (op.race != 0 && !pte_none(entry)) {
    // Another CPU writes through the mapping while the handler holds the
    // lock: hardware dirty management needs no lock (its result is not
    // this op's concern, only what it leaves in the entries).
    const uint32_t k = op.race - 1;
    machine_.access(m, a + k * h_.pgsize, AccessKind::kWrite, k);
  }
  if (pte_none(entry)) {
    const uint64_t pfn = alloc_folio();
    st_.mapcount[pfn] = 1;
    set_huge_pte_at(mm(m), a, h_.level, make_huge_pte(pfn, false), h_.bytes);
    if (op.write) wp(m, a, get(m, a));
    return observe("fault", m, a, 0);
  }
  if (!pte_present(entry)) return observe("fault", m, a, 2);  // migration_entry_wait_huge
  if (!pte_valid(entry)) return observe("fault", m, a, 3);    // PROT_NONE: no NUMA hinting
  if (op.write && !pte_write(entry)) {
    wp(m, a, entry);
    return observe("fault", m, a, 0);
  }
  const pte_t read = entry;
  entry = pte_mkyoung(entry);
  if (op.write) entry = pte_mkdirty(entry);
  const int changed = huge_ptep_set_access_flags(mm(m), a, h_.level, entry, op.write);
  // Whether the huge page had to change: the entry asks for young, dirty or
  // write state the range (as read) lacked. Otherwise the result reports
  // per-entry differences (__cont_access_flags_changed), and how young and
  // dirty spread over a range's entries is each backend's own (the
  // reference sets them entry by entry, arm64 rewrites the range): either
  // answer is right then, and arm64's update_mmu_cache, the only user of
  // the result, does nothing with it.
  const bool must = h_.ncontig == 1 || (pte_young(entry) && !pte_young(read)) ||
                    (pte_dirty(entry) && !pte_dirty(read)) || (pte_write(entry) != pte_write(read));
  observe("huge_ptep_set_access_flags", m, a, must ? changed : kEitherResult, ~0ULL);
}

// hugetlb_wp: an exclusive anonymous folio is reused (made writable and
// dirty in place, set_huge_ptep_writable); a shared one is copied: the old
// entry is cleared and flushed, the new folio mapped writable.
void Side::wp(uint32_t m, uint64_t a, pte_t entry) {
  const uint64_t old = pte_pfn(&h_.geo, entry);
  if (st_.mapcount[old] == 1) {
    const pte_t w = pte_mkwrite(pte_mkdirty(get(m, a)));
    huge_ptep_set_access_flags(mm(m), a, h_.level, w, 1);
    return;
  }
  const uint64_t pfn = alloc_folio();
  huge_ptep_clear_flush(mm(m), a, h_.level);
  --st_.mapcount[old];
  st_.mapcount[pfn] = 1;
  set_huge_pte_at(mm(m), a, h_.level, make_huge_pte(pfn, true), h_.bytes);
}

// The child exits (its pages unmapped, the mm flushed), then fork copies
// every huge page: copy_hugetlb_page_range write-protects a present source
// (a CoW mapping) and copies it, makes a writable migration entry readable
// in both; dup_mmap flushes the parent's TLB at the end.
void Side::fork() {
  constexpr uint32_t kParent = 0, kChild = 1;
  for_each_mapped(kChild, [&](uint64_t a) { unmap(kChild, a, false); });
  machine_.abi()->flush_tlb_mm(machine_.abi(), mm(kChild));
  st_.prot[kChild] = st_.prot[kParent];
  for_each_mapped(kParent, [&](uint64_t a) {
    lock(kChild, a);
    lock(kParent, a);
    pte_t entry = get(kParent, a);
    if (pte_none(entry) || is_marker_pte(entry)) return;
    if (is_migration_pte(entry)) {
      if (pte_swp_type(entry) != kSwpMigrationRead) {
        entry = with_swp_type(entry, kSwpMigrationRead);
        set_huge_pte_at(mm(kParent), a, h_.level, entry, h_.bytes);
      }
    } else if (pte_present(entry)) {
      huge_ptep_set_wrprotect(mm(kParent), a, h_.level);
      entry = pte_wrprotect(entry);
      ++st_.mapcount[pte_pfn(&h_.geo, entry)];
    }
    set_huge_pte_at(mm(kChild), a, h_.level, entry, h_.bytes);
  });
  machine_.abi()->flush_tlb_mm(machine_.abi(), mm(kParent));
}

void Side::gather_flush(uint32_t m, uint64_t a) {
  const uint64_t page = 1ULL << h_.geo.page_shift;
  int level = kTtlUnknown;
  uint64_t stride = page;
  if (h_.size == HSize::kPmd || h_.size == HSize::kPud) level = h_.level, stride = h_.bytes;
  machine_.abi()->flush_tlb_range(machine_.abi(), mm(m), a, a + h_.bytes, stride, true, level,
                                  true);
}

// __unmap_hugepage_range of one huge page: a non-present entry is cleared
// with huge_pte_clear; a present one with huge_ptep_get_and_clear, whose
// dirty bit marks the folio dirty, then the mmu_gather flush.
void Side::unmap(uint32_t m, uint64_t a, bool flush) {
  lock(m, a);
  const pte_t pte = get(m, a);
  if (pte_none(pte)) return;
  if (!pte_present(pte)) {
    huge_pte_clear(mm(m), a, h_.level, h_.bytes);
    return;
  }
  const pte_t old = huge_ptep_get_and_clear(mm(m), a, h_.level, h_.bytes);
  observe_dirty("huge_ptep_get_and_clear dirty", m, a, pte_dirty(old));
  --st_.mapcount[pte_pfn(&h_.geo, old)];
  if (flush) gather_flush(m, a);
}

// hugetlb_change_protection of one huge page: a writable migration entry
// becomes a readable (exclusive, anonymous) one; a present entry goes
// through huge_ptep_modify_prot_start / commit with huge_pte_modify and
// arch_make_huge_pte; then flush_hugetlb_tlb_range.
void Side::mprotect(uint32_t m, uint64_t a, Prot prot) {
  const pte_t newprot = prot == Prot::kNone ? page_none(h_.geo) : vm_page_prot(h_.geo, 0);
  lock(m, a);
  const pte_t pte = get(m, a);
  if (is_migration_pte(pte)) {
    if (pte_swp_type(pte) == kSwpMigrationWrite) {
      const pte_t e = with_swp_type(pte, kSwpMigrationReadExclusive);
      set_huge_pte_at(mm(m), a, h_.level, e, h_.bytes);
    }
  } else if (pte_present(pte)) {
    const pte_t old = huge_ptep_modify_prot_start(mm(m), a, h_.level, h_.bytes);
    const pte_t n = arch_make_huge_pte(mm(m), pte_modify(old, newprot), h_.bytes);
    huge_ptep_modify_prot_commit(mm(m), a, h_.level, old, n, h_.bytes);
  }
  flush_hugetlb_tlb_range(mm(m), a, a + h_.bytes, h_.bytes);
  st_.prot[m] = prot;
}

// try_to_migrate of the folio mapped at (m, a), on every mapping of it:
// huge_ptep_clear_flush, then a migration entry remembering write
// permission, exclusivity, young and dirty (set_huge_pte_at).
void Side::migrate(uint32_t m, uint64_t a) {
  const pte_t at = get(m, a);
  if (!pte_present(at)) return observe("migrate", m, a, 1);
  const uint64_t pfn = pte_pfn(&h_.geo, at);
  const bool exclusive = st_.mapcount[pfn] == 1;
  for (uint32_t mm_id = 0; mm_id < kNumMms; ++mm_id) {
    for_each_mapped(mm_id, [&](uint64_t pa) {
      const pte_t e = peek(mm_id, pa);
      if (!pte_present(e) || pte_pfn(&h_.geo, e) != pfn) return;
      lock(mm_id, pa);
      const pte_t old = huge_ptep_clear_flush(mm(mm_id), pa, h_.level);
      observe_dirty("huge_ptep_clear_flush dirty", mm_id, pa, pte_dirty(old));
      const uint64_t type = pte_write(old) ? kSwpMigrationWrite
                            : exclusive    ? kSwpMigrationReadExclusive
                                           : kSwpMigrationRead;
      pte_t swp = ptediff_swp_entry(type, pfn);
      if (pte_young(old)) swp |= migration_young_bit(h_.geo);
      if (pte_dirty(old)) swp |= migration_dirty_bit(h_.geo);
      set_huge_pte_at(mm(mm_id), pa, h_.level, swp, h_.bytes);
    });
  }
  observe("migrate", m, a, 0);
}

// remove_migration_ptes: every migration entry of the old folio becomes a
// mapping of the new one (young and dirty as remembered, writable when the
// entry was), installed with set_huge_pte_at.
void Side::remove_migration(uint32_t m, uint64_t a) {
  const pte_t at = peek(m, a);
  if (!is_migration_pte(at)) return observe("remove_migration", m, a, 1);
  const uint64_t old = migration_pfn(h_.geo, at);
  auto [it, fresh] = st_.moved.try_emplace(old, 0);
  if (fresh) it->second = alloc_folio();
  const uint64_t pfn = it->second;
  for (uint32_t mm_id = 0; mm_id < kNumMms; ++mm_id) {
    for_each_mapped(mm_id, [&](uint64_t pa) {
      const pte_t e = peek(mm_id, pa);
      if (!is_migration_pte(e) || migration_pfn(h_.geo, e) != old) return;
      lock(mm_id, pa);
      pte_t pte = vm_page_prot(h_.geo, pfn);
      if ((e & migration_young_bit(h_.geo)) == 0) pte = pte_mkold(pte);
      if (e & migration_dirty_bit(h_.geo)) pte = pte_mkdirty(pte);
      if (pte_swp_type(e) == kSwpMigrationWrite) pte = pte_mkwrite(pte);
      pte = arch_make_huge_pte(mm(mm_id), pte, h_.bytes);
      set_huge_pte_at(mm(mm_id), pa, h_.level, pte, h_.bytes);
      ++st_.mapcount[pfn];
    });
  }
  st_.mapcount.erase(old);
  observe("remove_migration", m, a, 0);
}

// mremap of one huge page to `to` (MREMAP_FIXED: whatever is there is
// unmapped first): move_huge_pte takes the entry with
// huge_ptep_get_and_clear, which may meet a non-present one, and installs it
// with set_huge_pte_at; then flush_hugetlb_tlb_range of the old range.
void Side::mremap(uint32_t m, uint64_t from, uint64_t to) {
  unmap(m, to, true);
  if (pte_none(peek(m, from))) return;
  lock(m, to);
  lock(m, from);
  if (pte_none(get(m, from))) return;
  const pte_t pte = huge_ptep_get_and_clear(mm(m), from, h_.level, h_.bytes);
  set_huge_pte_at(mm(m), to, h_.level, pte, h_.bytes);
  flush_hugetlb_tlb_range(mm(m), from, from + h_.bytes, h_.bytes);
}

// damon_hugetlb_mkold (mm/damon/vaddr.c): under huge_pte_lock, a young
// present entry is made old through set_huge_pte_at.
void Side::mkold(uint32_t m, uint64_t a) {
  lock(m, a);
  const pte_t entry = get(m, a);
  if (!pte_present(entry) || !pte_young(entry)) return observe("mkold", m, a, 0, ~0ULL);
  set_huge_pte_at(mm(m), a, h_.level, pte_mkold(entry), h_.bytes);
  observe("mkold", m, a, 1, ~0ULL);
}

// A clean entry through the API: huge_ptep_clear_flush, then
// set_huge_pte_at of the entry made clean (write permission kept, so the
// hardware may dirty any entry of the range again). hugetlbfs has no
// writeback, so no 6.12 path cleans a hugetlb entry; the op exists because
// only a clean writable range lets entries disagree on dirty, which the
// arch code must handle (DBM hardware updates).
void Side::mkclean(uint32_t m, uint64_t a) {
  lock(m, a);
  if (!pte_valid(get(m, a))) return;
  const pte_t old = huge_ptep_clear_flush(mm(m), a, h_.level);
  observe_dirty("huge_ptep_clear_flush dirty", m, a, pte_dirty(old));
  set_huge_pte_at(mm(m), a, h_.level, pte_mkclean(old), h_.bytes);
}

}  // namespace ptediff::hugetlb
