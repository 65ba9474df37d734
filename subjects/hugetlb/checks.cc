// ptediff hugetlb: the conformance checks (checks.h).
#include "subjects/hugetlb/checks.h"

#include <algorithm>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "mmu/locks.h"
#include "mmu/swp.h"
#include "mmu/tlb.h"
#include "oracle/log_checks.h"

namespace ptediff::hugetlb {
namespace {

const char* side_name(bool is_ref) { return is_ref ? "R" : "O"; }

// Bytes one entry maps at `level`.
uint64_t level_size(const ptediff_geometry& g, int level) {
  if (level == kPteLevel) return 1ULL << g.page_shift;
  return level == kPmdLevel ? 1ULL << g.pmd_shift : pud_size(g);
}

// Young and dirty ORed over the entries of the huge page at p on side s.
EntryAD range_ad(const Side& s, const PageRef& p) {
  const HState& h = s.hstate();
  EntryAD ad;
  for (uint32_t i = 0; i < h.ncontig; ++i) {
    const EntryAD e = entry_ad(h.geo, s.machine().peek_level(p.mm, p.va + i * h.pgsize, h.level));
    ad.young |= e.young, ad.dirty |= e.dirty;
  }
  return ad;
}

// Whether s's TLB caches a translation of the huge page at p whose entry
// `holds` says yes to (pte_young, pte_dirty).
bool tlb_holds(const Side& s, const PageRef& p, bool (*holds)(pte_t)) {
  const uint64_t bytes = s.hstate().bytes;
  for (const TlbEntry& t : s.machine().tlb().entries()) {
    if (t.mm == p.mm && t.va < p.va + bytes && p.va < t.va + t.size && holds(t.pte)) return true;
  }
  return false;
}

// Whether a side's TLB caches a young translation of the huge page at p
// while every entry of it is old.
bool stale_young(const Side& s, const PageRef& p) {
  return !range_ad(s, p).young && tlb_holds(s, p, pte_young);
}

// Whether a side's TLB caches a dirty translation of the huge page at p
// while every entry of it is clean.
bool stale_dirty(const Side& s, const PageRef& p) {
  return !range_ad(s, p).dirty && tlb_holds(s, p, pte_dirty);
}

bool contains(const YoungUncertain* set, const PageRef& p) {
  return set != nullptr && std::find(set->begin(), set->end(), p) != set->end();
}

}  // namespace

void add_divergence(std::vector<Divergence>* out, DivClass cls, uint32_t mm, uint64_t va,
                    std::string what) {
  Divergence d;
  d.cls = cls;
  d.mm = mm;
  d.va = va;
  d.what = std::move(what);
  out->push_back(std::move(d));
}

void carry_young_uncertain(const Op& op, const HState& h, YoungUncertain* uncertain) {
  const size_t n = uncertain->size();
  for (size_t i = 0; i < n; ++i) {
    const PageRef p = (*uncertain)[i];
    PageRef to = p;
    if (op.kind == OpKind::kFork && p.mm == 0) {
      to.mm = 1;
    } else if (op.kind == OpKind::kMremap && p.mm == op.mm && p.va == op.page * h.bytes) {
      to.va = op.to * h.bytes;
    } else {
      continue;
    }
    if (!contains(uncertain, to)) {
      uncertain->push_back(to);
    }
  }
}

void note_young_uncertain(const Side& r, const Side& o, const std::vector<PageRef>& pages,
                          YoungUncertain* uncertain) {
  for (const PageRef& p : pages) {
    if (contains(uncertain, p)) continue;
    if (stale_young(r, p) || stale_young(o, p)) uncertain->push_back(p);
  }
}

void note_dirty_uncertain(const Side& r, const Side& o, const std::vector<PageRef>& pages,
                          YoungUncertain* dirty_uncertain) {
  for (const PageRef& p : pages) {
    if (contains(dirty_uncertain, p) || range_ad(r, p).dirty || range_ad(o, p).dirty) continue;
    if (tlb_holds(r, p, pte_dirty) || tlb_holds(o, p, pte_dirty)) dirty_uncertain->push_back(p);
  }
}

pte_t entry_norm_huge(const ptediff_geometry& g, pte_t e) {
  if (pte_present(e)) {
    pte_t n = e & ~(PTE_AF | PTE_DIRTY);
    if (pte_write(e)) n &= ~PTE_RDONLY;  // DBM: RDONLY is the hardware dirty state
    return n;
  }
  if (is_migration_pte(e)) return e & ~(migration_young_bit(g) | migration_dirty_bit(g));
  return e;
}

void check_returns(const Side& r, const Side& o, const YoungUncertain& uncertain,
                   std::vector<Divergence>* out, const YoungUncertain* dirty_uncertain) {
  const auto& a = r.observations();
  const auto& b = o.observations();
  auto same = [&](const Observation& x, const Observation& y) {
    if (x.value == y.value || x.value == kEitherResult || y.value == kEitherResult) return true;
    const PageRef p{static_cast<uint32_t>(x.mm), x.va};
    if (x.dirty_state) return contains(dirty_uncertain, p);
    if (x.young_mask == 0 || !contains(&uncertain, p)) {
      return false;
    }
    if (x.young_mask == kAccessYoungDependent) {
      const uint64_t af_fault = static_cast<uint64_t>(AccessResult::kAccessFlagFault);
      return x.value == af_fault || y.value == af_fault;
    }
    return ((x.value ^ y.value) & ~x.young_mask) == 0;
  };
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    if (i < a.size() && i < b.size() && same(a[i], b[i])) continue;
    const Observation& x = i < a.size() ? a[i] : b[i];
    add_divergence(out, DivClass::kReturnValue, static_cast<uint32_t>(x.mm), x.va,
                   absl::StrFormat("%s (observation %d): R %s, O %s", x.what, i,
                                   i < a.size() ? absl::StrFormat("%#x", a[i].value) : "nothing",
                                   i < b.size() ? absl::StrFormat("%#x", b[i].value) : "nothing"));
    return;
  }
}

// Every entry of every huge page, R against O: the normalized value entry by
// entry, young/dirty over the range (what huge_ptep_get gathers), and the
// upper entry above a PTE- or PMD-level huge page (the table shape).
size_t check_state(const Side& r, const Side& o, const std::vector<PageRef>& pages,
                   YoungUncertain* uncertain, std::vector<Divergence>* out,
                   YoungUncertain* dirty_uncertain) {
  const HState& h = r.hstate();
  const Machine& rm = r.machine();
  const Machine& om = o.machine();
  for (size_t k = 0; k < pages.size(); ++k) {
    const PageRef& p = pages[k];
    EntryAD rad, oad;
    // Bit for bit alike (the rule, not the exception): nothing to compare
    // entry by entry, and young and dirty agree.
    uint32_t same = 0;
    while (same < h.ncontig && rm.peek_level(p.mm, p.va + same * h.pgsize, h.level) ==
                                   om.peek_level(p.mm, p.va + same * h.pgsize, h.level)) {
      ++same;
    }
    for (uint32_t i = same == h.ncontig ? h.ncontig : 0; i < h.ncontig; ++i) {
      const uint64_t a = p.va + i * h.pgsize;
      const pte_t re = rm.peek_level(p.mm, a, h.level), oe = om.peek_level(p.mm, a, h.level);
      if (entry_norm_huge(h.geo, re) != entry_norm_huge(h.geo, oe)) {
        add_divergence(out, DivClass::kPteState, p.mm, a,
                       absl::StrFormat("entry %d of the huge page at mm=%u va=%#x: R %#x, O %#x", i,
                                       p.mm, p.va, re, oe));
        Divergence& d = out->back();
        d.block_va = p.va;
        for (uint32_t j = 0; j < std::min<uint32_t>(h.ncontig, 64); ++j) {
          d.ref_block.push_back(rm.peek_level(p.mm, p.va + j * h.pgsize, h.level));
          d.opt_block.push_back(om.peek_level(p.mm, p.va + j * h.pgsize, h.level));
        }
        return k;
      }
      const EntryAD x = entry_ad(h.geo, re), y = entry_ad(h.geo, oe);
      rad.young |= x.young, rad.dirty |= x.dirty, oad.young |= y.young, oad.dirty |= y.dirty;
    }
    auto it = std::find(uncertain->begin(), uncertain->end(), p);
    const bool young_forgiven = it != uncertain->end();
    if (rad.young == oad.young && young_forgiven && !stale_young(r, p) && !stale_young(o, p)) {
      uncertain->erase(it);
    }
    const bool dirty_forgiven = contains(dirty_uncertain, p);
    if (rad.dirty == oad.dirty && dirty_forgiven && !stale_dirty(r, p) && !stale_dirty(o, p)) {
      dirty_uncertain->erase(std::find(dirty_uncertain->begin(), dirty_uncertain->end(), p));
    }
    if ((rad.young != oad.young && !young_forgiven) ||
        (rad.dirty != oad.dirty && !dirty_forgiven)) {
      add_divergence(out, DivClass::kAccessDirty, p.mm, p.va,
                     absl::StrFormat("huge page at mm=%u va=%#x: R %s%s, O %s%s", p.mm, p.va,
                                     rad.young ? "young" : "old", rad.dirty ? " dirty" : " clean",
                                     oad.young ? "young" : "old", oad.dirty ? " dirty" : " clean"));
      return k;
    }
    if (h.level > kPudLevel) {
      const pte_t ru = rm.peek_level(p.mm, p.va, h.level - 1);
      const pte_t ou = om.peek_level(p.mm, p.va, h.level - 1);
      if (ru != ou) {
        add_divergence(
            out, DivClass::kPteState, p.mm, p.va,
            absl::StrFormat("level-%d entry above the huge page at mm=%u va=%#x: R %#x, O %#x",
                            h.level - 1, p.mm, p.va, ru, ou));
        return k;
      }
    }
  }
  return pages.size();
}

// A cached translation the tables no longer allow: its range is not mapped
// by valid entries of the same output, or it grants write (directly, or
// through DBM with hardware dirty management), user access or execution the
// entries no longer grant. Every flow flushes before it returns, so none
// may be left after an op.
void check_tlb(const Side& s, bool is_ref, std::vector<Divergence>* out) {
  const Machine& m = s.machine();
  const ptediff_geometry& g = m.geo();
  const bool hafdbs = (m.features() & PTEDIFF_FEAT_HAFDBS) != 0;
  auto writes = [&](pte_t e) { return !pte_rdonly(e) || (hafdbs && pte_write(e)); };
  for (const TlbEntry& t : m.tlb().entries()) {
    const uint64_t step = level_size(g, t.level);
    for (uint64_t off = 0; off < t.size; off += step) {
      const pte_t cur = m.peek_level(t.mm, t.va + off, t.level);
      const uint64_t want = pte_pfn(&g, t.pte) + (off >> g.page_shift);
      const char* why = !pte_valid(cur)                               ? "no longer valid"
                        : pte_pfn(&g, cur) != want                    ? "mapped elsewhere"
                        : writes(t.pte) && !writes(cur)               ? "no longer writable"
                        : pte_user(t.pte) && !pte_user(cur)           ? "no longer user-accessible"
                        : pte_user_exec(t.pte) && !pte_user_exec(cur) ? "no longer executable"
                                                                      : nullptr;
      if (why == nullptr) continue;
      add_divergence(
          out, is_ref ? DivClass::kContract : DivClass::kFlushMissing, t.mm, t.va + off,
          absl::StrFormat("%s's TLB still holds mm=%u va=%#x (level %d, %#x bytes, %#x): "
                          "the entry is %s (%#x) and the op did not invalidate it",
                          side_name(is_ref), t.mm, t.va + off, t.level, t.size, t.pte, why, cur));
      return;
    }
  }
}

// The two paths to one entry name one lock: the lock a flow took through
// huge_pte_lockptr is the one core-mm's walkers take for the entries
// (pte_offset_map_lock, pmd_lock, pud_lock); and every entry the backend
// wrote is covered by a lock its flow took.
void check_locks(const Side& s, bool is_ref, std::vector<Divergence>* out) {
  const HState& h = s.hstate();
  const ptediff_geometry& g = h.geo;
  const DivClass cls = is_ref ? DivClass::kContract : DivClass::kLock;
  std::vector<LockId> held;
  for (const LockClaim& c : s.claims()) {
    const LockId got = resolve_lock(g, c.handle);
    const LockId want = lock_covering(g, c.mm, c.va, h.level);
    if (!(got == want)) {
      add_divergence(
          out, cls, c.mm, c.va,
          absl::StrFormat("%s's huge_pte_lockptr for the huge page at mm=%u va=%#x names %s; "
                          "core-mm walkers take %s for its entries",
                          side_name(is_ref), c.mm, c.va, lock_name(g, got), lock_name(g, want)));
      return;
    }
    held.push_back(got);
  }
  ptediff::check_locks(g, s.machine().log(), held, is_ref,
                       [&](DivClass c, uint32_t mm, uint64_t va, std::string what) {
                         add_divergence(out, c, mm, va, std::move(what));
                       });
}

void check_op(const Side& r, const Side& o, const Op& op, const PageIndex& pages, bool every_page,
              const PosSet* opt_written, CheckState* st, std::vector<Divergence>* out) {
  check_violations(r.machine().violations(), o.machine().violations(), 0, 0,
                   [&](DivClass c, uint32_t mm, uint64_t va, std::string what) {
                     add_divergence(out, c, mm, va, std::move(what));
                   });
  carry_young_uncertain(op, r.hstate(), &st->uncertain);
  carry_young_uncertain(op, r.hstate(), &st->dirty_uncertain);
  // stale_young needs a young translation over the page. (Buffers kept per
  // thread: this runs after every op.)
  thread_local std::vector<PageRef> look;
  thread_local std::vector<size_t> at;
  thread_local PosSet young;
  look.clear();
  if (every_page) {
    look = pages.refs();
  } else {
    young.clear();
    for (const Side* s : {&r, &o}) {
      for (const TlbEntry& t : s->machine().tlb().entries()) {
        if (pte_young(t.pte)) pages.add_overlapping(t.mm, t.va, t.size, &young);
      }
    }
    young.for_each([&](size_t i) { look.push_back(pages.refs()[i]); });
  }
  note_young_uncertain(r, o, look, &st->uncertain);
  // A cached translation is young: `look` holds every page one caches dirty.
  if (op.kind == OpKind::kMkold) note_dirty_uncertain(r, o, look, &st->dirty_uncertain);
  check_returns(r, o, st->uncertain, out, &st->dirty_uncertain);
  // The pages that may differ: those named since the last op, those either
  // side wrote, the young-uncertain ones (check_state may settle them) and
  // those not found alike before.
  if (every_page) {
    st->unsettled.insert_below(pages.size());
  } else {
    for (size_t i = st->seen; i < pages.size(); ++i) st->unsettled.insert(i);
    pages.add_written(r.journal(), &st->unsettled);
    pages.add_written(r.machine().log(), &st->unsettled);
    if (opt_written != nullptr) {
      opt_written->for_each([&](size_t i) { st->unsettled.insert(i); });
    } else {
      pages.add_written(o.machine().log(), &st->unsettled);
    }
    for (const YoungUncertain* set : {&st->uncertain, &st->dirty_uncertain}) {
      for (const PageRef& p : *set) {
        const int32_t i = pages.position(p.mm, p.va);
        if (i != PageIndex::kUnnamed) st->unsettled.insert(static_cast<size_t>(i));
      }
    }
  }
  st->seen = pages.size();
  at.clear();
  look.clear();
  st->unsettled.for_each([&](size_t i) {
    at.push_back(i);
    look.push_back(pages.refs()[i]);
  });
  const size_t alike = check_state(r, o, look, &st->uncertain, out, &st->dirty_uncertain);
  for (size_t k = 0; k < alike; ++k) {
    if (!contains(&st->uncertain, look[k]) && !contains(&st->dirty_uncertain, look[k])) {
      st->unsettled.erase(at[k]);
    }
  }
  check_tlb(r, true, out);
  check_tlb(o, false, out);
  if (!check_bbm(o, out)) st->reads_missing = true;
  check_locks(r, true, out);
  check_locks(o, false, out);
}

}  // namespace ptediff::hugetlb
