// ptediff: making a decoded op legal in the current state (see repair.h).
#include "subjects/contpte/repair.h"

#include <algorithm>
#include <bit>
#include <optional>

#include "mmu/swp.h"

namespace ptediff {
namespace {

using K = OpKind;

// Read-only view of the reference machine's tables, in page units.
class View {
 public:
  explicit View(const Machine& m)
      : m_(m),
        geo_(m.geo()),
        page_(1ULL << geo_.page_shift),
        pages_(m.window_limit() >> geo_.page_shift) {}

  uint64_t page() const { return page_; }
  uint64_t pages() const { return pages_; }
  const ptediff_geometry& geo() const { return geo_; }
  pte_t pte(uint32_t mm, uint64_t va) const { return m_.peek(mm, va); }
  bool valid(uint32_t mm, uint64_t va) const { return pte_valid(pte(mm, va)); }
  bool none(uint32_t mm, uint64_t va) const { return pte_none(pte(mm, va)); }
  // Entries left in va's page table, counting va.
  uint64_t table_left(uint64_t va) const {
    const uint64_t pmd = ptediff_pmd_size(&geo_);
    return (pmd - (va & (pmd - 1))) / page_;
  }
  // The folio a present entry maps (PROT_NONE entries keep their pfn).
  bool folio_of(pte_t pte, ptediff_folio* f) const {
    return pte_present(pte) && m_.folio_of(pte_pfn(&geo_, pte), f);
  }
  bool folio_of_pfn(uint64_t pfn, ptediff_folio* f) const { return m_.folio_of(pfn, f); }

  // The first valid / none page at or after va, wrapping around the window.
  std::optional<uint64_t> next_valid(uint32_t mm, uint64_t va) const {
    return found(m_.next_valid(mm, va));
  }
  std::optional<uint64_t> next_none(uint32_t mm, uint64_t va) const {
    return found(m_.next_none(mm, va));
  }
  // The first entry that is not none at or after va, wrapping around.
  std::optional<uint64_t> next_used(uint32_t mm, uint64_t va) const {
    return found(m_.next_used(mm, va));
  }
  // The first entry satisfying pred at or after va, wrapping around (a scan
  // of the window: only the non-present flows ask).
  template <typename Pred>
  std::optional<uint64_t> next_where(uint32_t mm, uint64_t va, Pred pred) const {
    const uint64_t start = std::min(va / page_, pages_ - 1);
    for (uint64_t k = 0; k < pages_; ++k) {
      const uint64_t at = ((start + k) % pages_) * page_;
      if (pred(pte(mm, at))) return at;
    }
    return std::nullopt;
  }
  // Whether the n pages from va are all none (and inside the window).
  bool all_none(uint32_t mm, uint64_t va, uint64_t n) const {
    return va / page_ + n <= pages_ && m_.all_none(mm, va, n);
  }

  // Entries from va (valid) that continue it: next pfn of the same folio,
  // same protection modulo access/dirty, same table. At most max_nr.
  uint32_t folio_run(uint32_t mm, uint64_t va, uint64_t max_nr) const {
    const pte_t first = pte(mm, va);
    ptediff_folio f{};
    if (!folio_of(first, &f)) return 1;
    const uint64_t pfn = pte_pfn(&geo_, first);
    const uint64_t limit = std::min({max_nr, table_left(va), f.start_pfn + f.nr_pages - pfn});
    uint64_t n = 1;
    while (n < limit && same_run(first, pte(mm, va + n * page_), n)) ++n;
    return static_cast<uint32_t>(n);
  }

  // Whether `e` is `first` advanced by n pages, modulo access/dirty.
  bool same_run(pte_t first, pte_t e, uint64_t n) const {
    return pte_valid(e) && pte_pfn(&geo_, e) == pte_pfn(&geo_, first) + n &&
           pte_pgprot(&geo_, pte_mkold_clean(e) & ~PTE_CONT) ==
               pte_pgprot(&geo_, pte_mkold_clean(first) & ~PTE_CONT);
  }

  // The whole folio mapped at va, if every page of it is mapped in order in
  // one table of mm.
  std::optional<Range> whole_folio(uint32_t mm, uint64_t va) const {
    ptediff_folio f{};
    const pte_t e = pte(mm, va);
    if (!folio_of(e, &f)) return std::nullopt;
    const uint64_t back = pte_pfn(&geo_, e) - f.start_pfn;
    if (back * page_ > va) return std::nullopt;
    const uint64_t start = va - back * page_;
    if (!valid(mm, start) || pte_pfn(&geo_, pte(mm, start)) != f.start_pfn) return std::nullopt;
    if (folio_run(mm, start, f.nr_pages) != f.nr_pages) return std::nullopt;
    return Range{mm, start, static_cast<uint32_t>(f.nr_pages)};
  }

  // Every run of entries, in every mm, mapping the folio of `e` (the rmap).
  std::vector<Range> rmap(pte_t e) const {
    std::vector<Range> out;
    ptediff_folio f{};
    if (!folio_of(e, &f)) return out;
    for (uint32_t mm = 0; mm < kNumMms; ++mm) {
      // Valid entries only, in address order (next_valid wraps: stop then).
      for (uint64_t i = m_.next_valid(mm, 0) / page_; i < pages_;) {
        const pte_t x = pte(mm, i * page_);
        ptediff_folio g{};
        uint64_t next = i + 1;
        if (folio_of(x, &g) && g.id == f.id) {
          const uint32_t n = folio_run(mm, i * page_, pages_ - i);
          out.push_back({mm, i * page_, n});
          next = i + n;
        }
        if (next >= pages_) break;
        const uint64_t v = m_.next_valid(mm, next * page_) / page_;
        if (v < next) break;  // wrapped around
        i = v;
      }
    }
    return out;
  }

 private:
  std::optional<uint64_t> found(uint64_t va) const {
    return va < m_.window_limit() ? std::optional<uint64_t>(va) : std::nullopt;
  }

  const Machine& m_;
  ptediff_geometry geo_;
  uint64_t page_, pages_;
};

// Moves op's va to the first entry `find(v, mm, va)` returns at or after it
// in its mm (or, when that mm has none, in the next mm that has one).
template <typename Find>
bool repair_to(const View& v, Op& op, Find find) {
  for (uint32_t k = 0; k < kNumMms; ++k) {
    const uint32_t mm = static_cast<uint32_t>((op.get(Field::kMm) + k) % kNumMms);
    std::optional<uint64_t> a = find(mm, op.get(Field::kVa));
    if (!a) continue;
    op.set(Field::kMm, mm);
    op.set(Field::kVa, *a);
    return true;
  }
  return false;
}

bool repair_to_valid(const View& v, Op& op) {
  return repair_to(v, op, [&](uint32_t mm, uint64_t va) { return v.next_valid(mm, va); });
}

// To the next entry that is not none: the calls core-mm makes on any entry
// (ptep_get, the lockless getter, pte_clear, ptep_get_and_clear of mremap).
bool repair_to_used(const View& v, Op& op) {
  return repair_to(v, op, [&](uint32_t mm, uint64_t va) { return v.next_used(mm, va); });
}

// To the next entry satisfying pred.
template <typename Pred>
bool repair_to_entry(const View& v, Op& op, Pred pred) {
  return repair_to(v, op, [&](uint32_t mm, uint64_t va) { return v.next_where(mm, va, pred); });
}

// Clamps op's nr so that [va, va+nr) stays in the window.
void clamp_to_window(const View& v, Op& op) {
  const uint64_t left = v.pages() - op.get(Field::kVa) / v.page();
  op.set(Field::kNr, std::clamp<uint64_t>(op.get(Field::kNr), 1, left));
}

bool prepare_fault(const View& v, FolioMap& folios, Prepared* p) {
  Op& op = p->op;
  const uint32_t mm = static_cast<uint32_t>(op.get(Field::kMm));
  // alloc_anon_folio: the highest order whose aligned range is all none.
  for (int64_t order = op.get(Field::kOrder); order >= 0; --order) {
    const uint64_t n = 1ULL << order;
    uint64_t base = op.get(Field::kVa) & ~(n * v.page() - 1);
    if (order == 0 && !v.none(mm, base)) {
      auto a = v.next_none(mm, base);
      if (!a) return false;
      base = *a;
    }
    if (!v.all_none(mm, base, n)) continue;
    op.set(Field::kOrder, order);
    op.set(Field::kVa, base);
    p->folio =
        folios.alloc(static_cast<uint32_t>(order), static_cast<Placement>(op.get(Field::kPlace)));
    p->range = {mm, base, static_cast<uint32_t>(n)};
    return true;
  }
  return false;
}

bool prepare_split_pmd(const View& v, FolioMap& folios, Prepared* p) {
  Op& op = p->op;
  const uint32_t mm = static_cast<uint32_t>(op.get(Field::kMm));
  const uint64_t pmd = ptediff_pmd_size(&v.geo());
  const uint64_t per = v.geo().ptrs_per_pte;
  const uint64_t tables = v.pages() / per;
  for (uint64_t t = 0; t < tables; ++t) {
    const uint64_t base = ((op.get(Field::kVa) / pmd + t) % tables) * pmd;
    if (!v.all_none(mm, base, per)) continue;
    op.set(Field::kVa, base);
    p->folio = folios.alloc(pmd_order(v.geo()), static_cast<Placement>(op.get(Field::kPlace)));
    p->range = {mm, base, static_cast<uint32_t>(per)};
    return true;
  }
  return false;
}

bool prepare_set_ptes(const View& v, FolioMap& folios, Prepared* p) {
  Op& op = p->op;
  const uint32_t mm = static_cast<uint32_t>(op.get(Field::kMm));
  if (folios.size() == 0) return false;
  op.set(Field::kFolio, op.get(Field::kFolio) % folios.size());
  p->folio = folios.all()[op.get(Field::kFolio)];
  op.set(Field::kIdx, op.get(Field::kIdx) % p->folio.nr_pages);
  op.set(Field::kProt, possible_prot(op.get(Field::kProt)));
  auto a = v.next_none(mm, op.get(Field::kVa));
  if (!a) return false;
  op.set(Field::kVa, *a);
  // nr > 1 only over none entries of one folio in one table. A special
  // mapping has no folio: its callers (remap_pfn_range, vmf_insert_pfn) set
  // one entry at a time with set_pte_at.
  const uint64_t limit =
      op.get(Field::kProt) & kProtSpecial
          ? 1
          : std::min(
                {op.get(Field::kNr), p->folio.nr_pages - op.get(Field::kIdx), v.table_left(*a)});
  uint64_t n = 1;
  while (n < limit && v.none(mm, *a + n * v.page())) ++n;
  op.set(Field::kNr, n);
  p->range = {mm, *a, static_cast<uint32_t>(n)};
  return true;
}

bool prepare_whole_folio(const View& v, Prepared* p) {
  if (!repair_to_valid(v, p->op)) return false;
  auto r = v.whole_folio(static_cast<uint32_t>(p->op.get(Field::kMm)), p->op.get(Field::kVa));
  if (!r) return false;
  p->op.set(Field::kVa, r->va);
  if (p->op.kind == K::kClearYoungDirtyPtes) p->op.set(Field::kNr, r->nr);
  p->range = *r;
  return true;
}

bool prepare_fork(const View& v, Prepared* p) {
  Op& op = p->op;
  clamp_to_window(v, op);
  const uint64_t va = op.get(Field::kVa);
  uint64_t n = 0;
  while (n < op.get(Field::kNr) && v.none(kChildMm, va + n * v.page())) ++n;
  if (n == 0) return false;
  op.set(Field::kNr, n);
  p->range = {kUserMm, va, static_cast<uint32_t>(n)};
  p->hints.moved = true;
  p->hints.moved_from = p->range;
  p->hints.moved_to = {kChildMm, va, static_cast<uint32_t>(n)};
  p->hints.moved_by_folio = true;
  return true;
}

// clear_young_dirty_ptes / madv_free with `flags` (CYDP_*): a whole folio
// mapped in order; the envelope drops what the caller asked to clean.
bool prepare_young_dirty_clean(const View& v, uint64_t flags, Prepared* out) {
  if (!prepare_whole_folio(v, out)) return false;
  if (flags & CYDP_CLEAR_YOUNG) {
    out->hints.young_cleared.push_back(out->range);
    out->hints.clean_young.push_back(out->range);
  }
  if (flags & CYDP_CLEAR_DIRTY) out->hints.clean_dirty.push_back(out->range);
  return true;
}

bool prepare_mremap(const View& v, Prepared* p) {
  Op& op = p->op;
  const uint32_t mm = static_cast<uint32_t>(op.get(Field::kMm));
  clamp_to_window(v, op);
  const uint64_t src = op.get(Field::kVa), dst = op.get(Field::kDst);
  const uint64_t room = v.pages() - dst / v.page();
  uint64_t n = 0;
  while (n < std::min(op.get(Field::kNr), room) && v.none(mm, dst + n * v.page())) ++n;
  // Source and destination must not overlap.
  if (n == 0 || (src < dst + n * v.page() && dst < src + n * v.page())) return false;
  op.set(Field::kNr, n);
  p->range = {mm, src, static_cast<uint32_t>(n)};
  p->hints.moved = true;
  p->hints.moved_from = p->range;
  p->hints.moved_to = {mm, dst, static_cast<uint32_t>(n)};
  return true;
}

// *out as a fresh Prepared for `in`, reusing its vectors' capacity (the
// executor prepares every op into the same one).
void reset_prepared(const Op& in, Prepared* out) {
  out->op = in;
  out->folio = {};
  out->rmap.clear();
  out->range = {};
  EnvelopeHints& h = out->hints;
  h.young_cleared.clear();
  h.clean_dirty.clear();
  h.clean_young.clear();
  h.moved_from = h.moved_to = {};
  h.moved = h.moved_by_folio = false;
  out->locks.clear();
}

// The split PTE-table lock of every table `r` spans, once each.
void lock_tables(const ptediff_geometry& g, const Range& r, std::vector<LockId>* locks) {
  if (r.nr == 0) return;
  const uint64_t last = r.va + (static_cast<uint64_t>(r.nr) - 1) * (1ULL << g.page_shift);
  if (locks->empty() && (r.va >> g.pmd_shift) == (last >> g.pmd_shift)) [[likely]] {
    locks->push_back({LockKind::kPteTable, r.mm, r.va >> g.pmd_shift});
    return;
  }
  for (uint64_t t = r.va >> g.pmd_shift; t <= last >> g.pmd_shift; ++t) {
    const LockId l{LockKind::kPteTable, r.mm, t};
    if (std::find(locks->begin(), locks->end(), l) == locks->end()) locks->push_back(l);
  }
}

// The locks the kernel path of a prepared op holds: pte_offset_map_lock of
// every PTE table it changes entries of (the op's range, the rmap's runs,
// fork's child range and mremap's destination; a flow holds them table by
// table, the model for the whole op). split_pmd populates its new table under
// pmd_lock before installing it, so both count. Hardware ops, world ops and
// the lockless getter hold none (the getter writes nothing).
void collect_locks(const ptediff_geometry& g, Prepared* p) {
  switch (p->op.kind) {
    case K::kAccess:
    case K::kTlbFill:
    case K::kFolioAlloc:
    case K::kPtepGetLockless:
      return;
    default:
      break;
  }
  lock_tables(g, p->range, &p->locks);
  for (const Range& r : p->rmap) lock_tables(g, r, &p->locks);
  if (p->hints.moved) lock_tables(g, p->hints.moved_to, &p->locks);
  if (p->op.kind == K::kSplitPmd) {
    p->locks.push_back(lock_covering(g, p->range.mm, p->range.va, kPmdLevel));
  }
}

// A single-entry call: va moves to the next valid entry (`any`: the next
// entry that is not none).
bool prepare_single(const View& v, Prepared* out, bool any = false) {
  Op& op = out->op;
  if (!(any ? repair_to_used(v, op) : repair_to_valid(v, op))) return false;
  out->range = {static_cast<uint32_t>(op.get(Field::kMm)), op.get(Field::kVa), 1};
  return true;
}

// do_numa_page: va moves to the next PROT_NONE entry mapping a folio; the
// range is the folio's extent within that page table and the window.
bool prepare_numa_fault(const View& v, Prepared* p) {
  Op& op = p->op;
  if (!repair_to_entry(v, op, [&](pte_t e) {
        ptediff_folio f{};
        return pte_protnone(e) && v.folio_of(e, &f);
      })) {
    return false;
  }
  const uint32_t mm = static_cast<uint32_t>(op.get(Field::kMm));
  const uint64_t va = op.get(Field::kVa);
  const pte_t e = v.pte(mm, va);
  v.folio_of(e, &p->folio);
  const uint64_t pmd = ptediff_pmd_size(&v.geo());
  const uint64_t back = (pte_pfn(&v.geo(), e) - p->folio.start_pfn) * v.page();
  const uint64_t start = std::max(va - std::min(back, va), va & ~(pmd - 1));
  const uint64_t end = std::min(
      {start + p->folio.nr_pages * v.page(), (va & ~(pmd - 1)) + pmd, v.pages() * v.page()});
  p->range = {mm, start, static_cast<uint32_t>((end - start) / v.page())};
  return true;
}

// try_to_unmap / try_to_migrate: the folio mapped at the next valid entry,
// and every mapping of it (the rmap).
bool prepare_unmap_folio(const View& v, Prepared* p) {
  if (!prepare_single(v, p)) return false;
  const pte_t e = v.pte(p->range.mm, p->range.va);
  if (!v.folio_of(e, &p->folio)) return false;  // a special mapping
  p->rmap = v.rmap(e);
  return true;
}

// do_swap_page: va moves to the next swap entry; the folio is of the largest
// order up to `order` whose aligned range holds swap entries with the same
// type and flags and consecutive offsets, the first aligned like the range
// (can_swapin_thp, thp_swap_suitable_orders; order 0 always fits).
bool prepare_swap_in(const View& v, FolioMap& folios, Prepared* p) {
  Op& op = p->op;
  if (!repair_to_entry(v, op, is_real_swap_pte)) return false;
  const uint32_t mm = static_cast<uint32_t>(op.get(Field::kMm));
  const uint64_t va = op.get(Field::kVa);
  for (int64_t order = op.get(Field::kOrder); order >= 0; --order) {
    const uint64_t n = 1ULL << order;
    const uint64_t base = va & ~(n * v.page() - 1);
    if (base / v.page() + n > v.pages()) continue;
    const pte_t first = v.pte(mm, base);
    bool fits = is_real_swap_pte(first) && pte_swp_offset(first) % n == 0;
    for (uint64_t i = 1; fits && i < n; ++i) {
      fits = v.pte(mm, base + i * v.page()) ==
             (first & ~(PTEDIFF_SWP_OFFSET_MASK << PTEDIFF_SWP_OFFSET_SHIFT)) +
                 ptediff_swp_entry(0, pte_swp_offset(first) + i);
    }
    if (!fits) continue;
    op.set(Field::kOrder, order);
    p->folio = folios.alloc(static_cast<uint32_t>(order), Placement::kLow);
    p->range = {mm, base, static_cast<uint32_t>(n)};
    return true;
  }
  return false;
}

// remove_migration_ptes: va moves to the next migration entry; the new folio
// has the old one's order; p->rmap lists every run of migration entries, in
// every mm, naming pages of the old folio.
bool prepare_remove_migration(const View& v, FolioMap& folios, Prepared* p) {
  Op& op = p->op;
  if (!repair_to_entry(v, op, is_migration_pte)) return false;
  const uint32_t mm = static_cast<uint32_t>(op.get(Field::kMm));
  const pte_t e = v.pte(mm, op.get(Field::kVa));
  ptediff_folio old{};
  if (!v.folio_of_pfn(migration_pfn(v.geo(), e), &old)) return false;
  for (uint32_t m = 0; m < kNumMms; ++m) {
    for (uint64_t i = 0; i < v.pages(); ++i) {
      const pte_t x = v.pte(m, i * v.page());
      const uint64_t pfn = migration_pfn(v.geo(), x);
      if (!is_migration_pte(x) || pfn < old.start_pfn || pfn >= old.start_pfn + old.nr_pages) {
        continue;
      }
      Range* last = p->rmap.empty() ? nullptr : &p->rmap.back();
      if (last != nullptr && last->mm == m && last->va + last->nr * v.page() == i * v.page()) {
        ++last->nr;
      } else {
        p->rmap.push_back({m, i * v.page(), 1});
      }
    }
  }
  p->folio = folios.alloc(static_cast<uint32_t>(std::countr_zero(old.nr_pages)),
                          static_cast<Placement>(op.get(Field::kPlace)));
  p->range = {mm, op.get(Field::kVa), 1};
  return true;
}

// The API calls (docs/DESIGN.md §8.2.1); false for other kinds.
bool prepare_api_op(const View& v, FolioMap& folios, Prepared* out) {
  Op& op = out->op;
  switch (op.kind) {
    case K::kPtepSetAccessFlags:
      // The caller's `dirty` says the fault was a write, and only a write
      // fault makes the entry writable (wp_page_reuse, handle_pte_fault
      // pass dirty=1): __ptep_set_access_flags invalidates the stale
      // read-only translation only then, so write without dirty would leave
      // a read-only TLB entry that faults forever (found by the fuzzer).
      if (op.get(Field::kWrite)) op.set(Field::kDirty, 1);
      return prepare_single(v, out);
    case K::kPtepGet:
    case K::kPtepGetLockless:
    case K::kPteClear:
    case K::kPtepGetAndClear:
      return prepare_single(v, out, /*any=*/true);
    case K::kPtepClearFlush:
    case K::kPtepSetWrprotect:
    case K::kPtepModifyProt:
    case K::kPteBatchHint:
      return prepare_single(v, out);
    case K::kPtepTestAndClearYoung:
    case K::kPtepClearFlushYoung:
      if (!prepare_single(v, out)) return false;
      out->hints.young_cleared.push_back(out->range);
      return true;
    case K::kWrprotectPtes:
    case K::kClearFullPtes:
    case K::kGetAndClearFullPtes: {
      if (!repair_to_valid(v, op)) return false;
      const auto mm = static_cast<uint32_t>(op.get(Field::kMm));
      op.set(Field::kNr,
             v.folio_run(mm, op.get(Field::kVa), std::max<uint64_t>(1, op.get(Field::kNr))));
      out->range = {mm, op.get(Field::kVa), static_cast<uint32_t>(op.get(Field::kNr))};
      return true;
    }
    case K::kClearYoungDirtyPtes:
      return prepare_young_dirty_clean(v, op.get(Field::kCydp), out);
    case K::kSetPtes:
      return prepare_set_ptes(v, folios, out);
    default:
      return false;
  }
}

}  // namespace

// prepare_op without the locks.
static bool prepare_op_unlocked(const Op& in, const Machine& ref, FolioMap& folios, Prepared* out);

bool prepare_op(const Op& in, const Machine& ref, FolioMap& folios, Prepared* out) {
  if (!prepare_op_unlocked(in, ref, folios, out)) return false;
  collect_locks(ref.geo(), out);
  return true;
}

static bool prepare_op_unlocked(const Op& in, const Machine& ref, FolioMap& folios, Prepared* out) {
  const View v(ref);
  reset_prepared(in, out);
  Op& op = out->op;
  const auto mm = static_cast<uint32_t>(op.get(Field::kMm));
  switch (in.kind) {
    case K::kMadvFree:
      return prepare_young_dirty_clean(v, CYDP_CLEAR_YOUNG | CYDP_CLEAR_DIRTY, out);
    case K::kAccess:
    case K::kTlbFill:
      out->range = {mm, op.get(Field::kVa), 1};
      return true;
    case K::kFault:
      return prepare_fault(v, folios, out);
    case K::kSplitPmd:
      return prepare_split_pmd(v, folios, out);
    case K::kWpFault:
      if (!prepare_single(v, out)) return false;
      if (!op.get(Field::kReuse)) out->folio = folios.alloc(0, Placement::kLow);
      return true;
    case K::kFork:
      return prepare_fork(v, out);
    case K::kZap:
    case K::kMprotect:
      clamp_to_window(v, op);
      out->range = {mm, op.get(Field::kVa), static_cast<uint32_t>(op.get(Field::kNr))};
      return true;
    case K::kReferenced:
    case K::kMkclean: {
      if (!prepare_single(v, out)) return false;
      out->rmap = v.rmap(v.pte(static_cast<uint32_t>(op.get(Field::kMm)), op.get(Field::kVa)));
      if (in.kind == K::kReferenced) {
        out->hints.young_cleared = out->rmap;
      } else {
        out->hints.clean_dirty = out->rmap;
      }
      return true;
    }
    case K::kMremap:
      return prepare_mremap(v, out);
    case K::kFolioAlloc:
      if (folios.size() >= kMaxFolios) return false;
      out->folio = folios.alloc(static_cast<uint32_t>(op.get(Field::kOrder)),
                                static_cast<Placement>(op.get(Field::kPlace)));
      return true;
    case K::kEvAccess:  // never an op of its own: they fire inside the op above them
    case K::kEvTlbFill:
    case K::kEvLockless:
      return false;
    case K::kMprotectNone:
    case K::kUffdWp:
      clamp_to_window(v, op);
      out->range = {mm, op.get(Field::kVa), static_cast<uint32_t>(op.get(Field::kNr))};
      return true;
    case K::kNumaFault:
      return prepare_numa_fault(v, out);
    case K::kSwapOut:
    case K::kTryToMigrate:
      return prepare_unmap_folio(v, out);
    case K::kSwapIn:
      return prepare_swap_in(v, folios, out);
    case K::kRemoveMigration:
      return prepare_remove_migration(v, folios, out);
    default:
      return prepare_api_op(v, folios, out);
  }
}

}  // namespace ptediff
