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

void add(std::vector<Divergence>* out, DivClass cls, uint32_t mm, uint64_t va, std::string what) {
  Divergence d;
  d.cls = cls;
  d.mm = mm;
  d.va = va;
  d.what = std::move(what);
  out->push_back(std::move(d));
}

const char* side_name(bool is_ref) { return is_ref ? "R" : "O"; }

// Bytes one entry maps at `level`.
uint64_t level_size(const ptediff_geometry& g, int level) {
  if (level == kPteLevel) return 1ULL << g.page_shift;
  return level == kPmdLevel ? 1ULL << g.pmd_shift : pud_size(g);
}

// Whether m's TLB caches a young translation of [va, va + bytes) of mm.
bool tlb_holds_young(const Machine& m, uint32_t mm, uint64_t va, uint64_t bytes) {
  for (const TlbEntry& t : m.tlb().entries()) {
    if (t.mm == mm && t.va < va + bytes && va < t.va + t.size && pte_young(t.pte)) return true;
  }
  return false;
}

// Whether a side's TLB caches a young translation of the huge page at p
// while every entry of it is old.
bool stale_young(const Side& s, const PageRef& p) {
  const HState& h = s.hstate();
  for (uint32_t i = 0; i < h.ncontig; ++i) {
    if (entry_ad(h.geo, s.machine().peek_level(p.mm, p.va + i * h.pgsize, h.level)).young) {
      return false;
    }
  }
  return tlb_holds_young(s.machine(), p.mm, p.va, h.bytes);
}

// The entries of one huge page as check_bbm replays O's log, with what a
// CONT make asks of them in constant time: how many are valid, and how many
// of those are CONT entries implying each first output (pfn - j * dpfn). A
// 16K CONT_PTE range has 128 entries, each made CONT in turn.
class RangeReplay {
 public:
  RangeReplay(const Machine& m, const HState& h, uint32_t mm, uint64_t base)
      : g_(h.geo), dpfn_(h.dpfn()), vals_(h.ncontig) {
    for (uint32_t j = 0; j < h.ncontig; ++j) {
      vals_[j] = m.peek_level(mm, base + j * h.pgsize, h.level);
      count(j, vals_[j], 1);
    }
  }
  pte_t get(uint64_t j) const { return vals_[j]; }
  void set(uint64_t j, pte_t v) {
    count(j, vals_[j], -1);
    vals_[j] = v;
    count(j, v, 1);
  }
  // The first valid entry, other than `skip`, that is not CONT with the
  // output `first` implies for it; ncontig when there is none.
  uint64_t inconsistent(uint64_t first, uint64_t skip) const {
    auto it = std::find_if(firsts_.begin(), firsts_.end(),
                           [&](const auto& f) { return f.first == first; });
    const uint32_t agree = it == firsts_.end() ? 0 : it->second;
    if (agree + (pte_valid(vals_[skip]) && implied(skip, vals_[skip]) != first) == valid_) {
      return vals_.size();
    }
    for (uint64_t j = 0; j < vals_.size(); ++j) {
      if (j != skip && pte_valid(vals_[j]) && implied(j, vals_[j]) != first) return j;
    }
    return vals_.size();
  }

 private:
  static constexpr uint64_t kNotCont = ~0ULL;
  uint64_t implied(uint64_t j, pte_t e) const {
    return pte_cont(e) ? pte_pfn(&g_, e) - j * dpfn_ : kNotCont;
  }
  void count(uint64_t j, pte_t e, int d) {
    if (!pte_valid(e)) return;
    valid_ += d;
    const uint64_t f = implied(j, e);
    auto it =
        std::find_if(firsts_.begin(), firsts_.end(), [&](const auto& x) { return x.first == f; });
    if (it == firsts_.end()) it = firsts_.insert(firsts_.end(), {f, 0});
    it->second += d;
  }

  const ptediff_geometry& g_;
  uint64_t dpfn_;
  std::vector<pte_t> vals_;
  uint32_t valid_ = 0;
  std::vector<std::pair<uint64_t, uint32_t>> firsts_;  // by first output implied
};

}  // namespace

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
    if (std::find(uncertain->begin(), uncertain->end(), to) == uncertain->end()) {
      uncertain->push_back(to);
    }
  }
}

void note_young_uncertain(const Side& r, const Side& o, const std::vector<PageRef>& pages,
                          YoungUncertain* uncertain) {
  for (const PageRef& p : pages) {
    if (std::find(uncertain->begin(), uncertain->end(), p) != uncertain->end()) continue;
    if (stale_young(r, p) || stale_young(o, p)) uncertain->push_back(p);
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
                   std::vector<Divergence>* out) {
  const auto& a = r.observations();
  const auto& b = o.observations();
  auto same = [&](const Observation& x, const Observation& y) {
    if (x.value == y.value || x.value == kEitherResult || y.value == kEitherResult) return true;
    const PageRef p{static_cast<uint32_t>(x.mm), x.va};
    if (x.young_mask == 0 || std::find(uncertain.begin(), uncertain.end(), p) == uncertain.end()) {
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
    add(out, DivClass::kReturnValue, static_cast<uint32_t>(x.mm), x.va,
        absl::StrFormat("%s (observation %d): R %s, O %s", x.what, i,
                        i < a.size() ? absl::StrFormat("%#x", a[i].value) : "nothing",
                        i < b.size() ? absl::StrFormat("%#x", b[i].value) : "nothing"));
    return;
  }
}

// Every entry of every huge page, R against O: the normalized value entry by
// entry, young/dirty over the range (what huge_ptep_get gathers), and the
// upper entry above a PTE- or PMD-level huge page (the table shape).
void check_state(const Side& r, const Side& o, const std::vector<PageRef>& pages,
                 YoungUncertain* uncertain, std::vector<Divergence>* out) {
  const HState& h = r.hstate();
  const Machine& rm = r.machine();
  const Machine& om = o.machine();
  for (const PageRef& p : pages) {
    EntryAD rad, oad;
    for (uint32_t i = 0; i < h.ncontig; ++i) {
      const uint64_t a = p.va + i * h.pgsize;
      const pte_t re = rm.peek_level(p.mm, a, h.level), oe = om.peek_level(p.mm, a, h.level);
      if (entry_norm_huge(h.geo, re) != entry_norm_huge(h.geo, oe)) {
        add(out, DivClass::kPteState, p.mm, a,
            absl::StrFormat("entry %d of the huge page at mm=%u va=%#x: R %#x, O %#x", i, p.mm,
                            p.va, re, oe));
        Divergence& d = out->back();
        d.block_va = p.va;
        for (uint32_t j = 0; j < std::min<uint32_t>(h.ncontig, 64); ++j) {
          d.ref_block.push_back(rm.peek_level(p.mm, p.va + j * h.pgsize, h.level));
          d.opt_block.push_back(om.peek_level(p.mm, p.va + j * h.pgsize, h.level));
        }
        return;
      }
      const EntryAD x = entry_ad(h.geo, re), y = entry_ad(h.geo, oe);
      rad.young |= x.young, rad.dirty |= x.dirty, oad.young |= y.young, oad.dirty |= y.dirty;
    }
    auto it = std::find(uncertain->begin(), uncertain->end(), p);
    const bool young_forgiven = it != uncertain->end();
    if (rad.young == oad.young && young_forgiven && !stale_young(r, p) && !stale_young(o, p)) {
      uncertain->erase(it);
    }
    if ((rad.young != oad.young && !young_forgiven) || rad.dirty != oad.dirty) {
      add(out, DivClass::kAccessDirty, p.mm, p.va,
          absl::StrFormat("huge page at mm=%u va=%#x: R %s%s, O %s%s", p.mm, p.va,
                          rad.young ? "young" : "old", rad.dirty ? " dirty" : " clean",
                          oad.young ? "young" : "old", oad.dirty ? " dirty" : " clean"));
      return;
    }
    if (h.level > kPudLevel) {
      const pte_t ru = rm.peek_level(p.mm, p.va, h.level - 1);
      const pte_t ou = om.peek_level(p.mm, p.va, h.level - 1);
      if (ru != ou) {
        add(out, DivClass::kPteState, p.mm, p.va,
            absl::StrFormat("level-%d entry above the huge page at mm=%u va=%#x: R %#x, O %#x",
                            h.level - 1, p.mm, p.va, ru, ou));
        return;
      }
    }
  }
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
      add(out, is_ref ? DivClass::kContract : DivClass::kFlushMissing, t.mm, t.va + off,
          absl::StrFormat("%s's TLB still holds mm=%u va=%#x (level %d, %#x bytes, %#x): "
                          "the entry is %s (%#x) and the op did not invalidate it",
                          side_name(is_ref), t.mm, t.va + off, t.level, t.size, t.pte, why, cur));
      return;
    }
  }
}

// Break-before-make over O's log, per huge page of the hstate's level: a
// valid entry never becomes another valid one of a different output address
// or contiguous bit; an entry made valid with CONT finds every other valid
// entry of its range consistent (same CONT block, consecutive outputs); and
// after a break (a valid entry cleared), a make that changes the output or
// sets CONT waits until a completed invalidation (a synced TLBI of a
// matching level, or one completed by a DSB, or flush_tlb_mm) covered it.
void check_bbm(const Side& o, std::vector<Divergence>* out) {
  const HState& h = o.hstate();
  const Machine& m = o.machine();
  const ptediff_geometry& g = h.geo;
  // The shared rule, per entry (oracle/log_checks.h): a live change of
  // output address, memory type or size, or a make before the break's
  // invalidation completed. No hugetlb machine has BBML2.
  const size_t before = out->size();
  ptediff::check_bbm(g, m.log(), (m.features() & PTEDIFF_FEAT_BBML2) != 0,
                     [&](DivClass cls, uint32_t mm, uint64_t va, std::string what) {
                       add(out, cls, mm, va, absl::StrCat("O: ", what));
                     });
  if (out->size() > before) return;
  // What a contiguous range adds: see checks.h.
  struct Break {
    uint64_t pfn = 0;     // the first output the break removed
    bool cont = false;    // whether the entries it removed were CONT (their size)
    bool pending = true;  // not yet invalidated
    bool issued = false;  // invalidated, waiting for a DSB
  };
  absl::flat_hash_map<uint64_t, RangeReplay> cur;  // (mm, huge page) key -> its entries
  absl::flat_hash_map<uint64_t, Break> breaks;     // (mm, huge page) key -> its break
  auto key = [](uint32_t mm, uint64_t va) { return va * 4 + mm; };
  auto range = [&](uint32_t mm, uint64_t base) -> RangeReplay& {
    return cur.try_emplace(key(mm, base), m, h, mm, base).first->second;
  };
  auto base_of = [&](uint64_t va) { return va / h.bytes * h.bytes; };
  auto index_of = [&](uint64_t va) { return (va - base_of(va)) / h.pgsize; };
  // Values at the op's start: the first record of an entry holds it.
  absl::flat_hash_set<uint64_t> seen;
  for (const LogRec& r : m.log()) {
    if (r.ok && r.level == h.level && (is_entry_write(r) || r.prim == Prim::kRead) &&
        seen.insert(key(r.mm, r.addr)).second) {
      range(r.mm, base_of(r.addr)).set(index_of(r.addr), r.old);
    }
  }
  const uint64_t dpfn = h.dpfn();
  for (const LogRec& r : m.log()) {
    if (r.prim == Prim::kFlushMm) {
      for (auto& [k, b] : breaks) b.pending = b.pending && (k & 3) != r.mm;
      continue;
    }
    if (r.prim == Prim::kDsb) {
      for (auto& [k, b] : breaks) b.pending = b.pending && !b.issued;
      continue;
    }
    if (r.prim == Prim::kFlushRange) {
      if (r.tlb_level != kTlbAnyLevel && r.tlb_level != h.level) continue;
      for (auto& [k, b] : breaks) {
        const uint64_t base = k >> 2;
        if ((k & 3) != r.mm || !range_hits(r.addr, r.end, r.stride, base, h.bytes)) continue;
        if (r.sync) b.pending = false;
        b.issued = true;
      }
      continue;
    }
    if (!is_entry_write(r) || r.level != h.level) continue;
    const uint64_t base = base_of(r.addr), idx = index_of(r.addr);
    RangeReplay& vals = range(r.mm, base);
    const pte_t old = vals.get(idx), now = r.val;
    vals.set(idx, now);
    // The hardware's access/dirty update of a valid entry (a mid-op event,
    // or fault's racing write) is neither a break nor a make.
    if (r.prim == Prim::kHw) continue;
    const uint64_t first_pfn = pte_pfn(&g, now) - idx * dpfn;
    std::string why;
    if (pte_valid(now) && !pte_valid(old)) {
      auto it = breaks.find(key(r.mm, base));
      // Until the break is invalidated the TLB may still hold what it
      // removed. A make that keeps its output and size (a permission or
      // access/dirty change: mprotect's modify_prot_commit) may meet it
      // there: the Arm ARM asks for break-before-make only when the output
      // address, the size or the memory type changes, and arm64 relies on
      // it, in contpte_wrprotect_ptes ("Until the flush, the page may or may
      // not be wrprotected") as in set_huge_pte_at since "arm64: hugetlb:
      // Refine tlb maintenance scope" (6.15: it breaks only valid -> valid).
      // Another output or another size (CONT set or dropped) waits.
      if (it != breaks.end() && it->second.pending &&
          (pte_cont(now) != it->second.cont || it->second.pfn != first_pfn)) {
        why = "made before the break of its range was invalidated in the TLB";
      }
      const uint64_t j =
          why.empty() && pte_cont(now) ? vals.inconsistent(first_pfn, idx) : h.ncontig;
      if (j < h.ncontig) {
        why =
            absl::StrFormat("made CONT while entry %d of its range is valid and inconsistent (%#x)",
                            j, vals.get(j));
      }
    }
    if (!why.empty()) {
      add(out, DivClass::kBbm, r.mm, r.addr,
          absl::StrFormat("O wrote mm=%u va=%#x %#x over %#x: %s", r.mm, r.addr, now, old, why));
      return;
    }
    if (pte_valid(old) && !pte_valid(now)) {
      auto [it, fresh] = breaks.try_emplace(key(r.mm, base));
      if (fresh || !it->second.pending) {
        it->second =
            Break{pte_pfn(&g, old) - (r.addr - base) / h.pgsize * dpfn, pte_cont(old), true, false};
      }
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
      add(out, cls, c.mm, c.va,
          absl::StrFormat("%s's huge_pte_lockptr for the huge page at mm=%u va=%#x names %s; "
                          "core-mm walkers take %s for its entries",
                          side_name(is_ref), c.mm, c.va, lock_name(g, got), lock_name(g, want)));
      return;
    }
    held.push_back(got);
  }
  ptediff::check_locks(g, s.machine().log(), held, is_ref,
                       [&](DivClass c, uint32_t mm, uint64_t va, std::string what) {
                         add(out, c, mm, va, std::move(what));
                       });
}

void check_op(const Side& r, const Side& o, const Op& op, const std::vector<PageRef>& pages,
              YoungUncertain* uncertain, std::vector<Divergence>* out) {
  check_violations(r.machine().violations(), o.machine().violations(), 0, 0,
                   [&](DivClass c, uint32_t mm, uint64_t va, std::string what) {
                     add(out, c, mm, va, std::move(what));
                   });
  carry_young_uncertain(op, r.hstate(), uncertain);
  note_young_uncertain(r, o, pages, uncertain);
  check_returns(r, o, *uncertain, out);
  check_state(r, o, pages, uncertain, out);
  check_tlb(r, true, out);
  check_tlb(o, false, out);
  check_bbm(o, out);
  check_locks(r, true, out);
  check_locks(o, false, out);
}

}  // namespace ptediff::hugetlb
