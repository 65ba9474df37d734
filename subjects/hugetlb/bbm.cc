// ptediff hugetlb: the break-before-make check over O's log (checks.h
// check_bbm).
//
// It runs after every op, so what it builds is kept per thread and reset by
// what the op touched: the huge pages the log names are found through a
// table indexed by page (no hashing), and the counts a CONT make asks of its
// range are made only when one asks.
#include <algorithm>
#include <bitset>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "mmu/tlb.h"
#include "oracle/log_checks.h"
#include "subjects/hugetlb/checks.h"

namespace ptediff::hugetlb {
namespace {

// The entries of one huge page as check_bbm replays O's log, with what a
// CONT make asks of them in constant time once counted: how many are valid,
// and how many of those are CONT entries implying each first output (pfn -
// j * dpfn). A 16K CONT_PTE range has 128 entries, each made CONT in turn.
// An entry no record named holds what the tables hold, read when asked.
class RangeReplay {
 public:
  // The entries of mm's huge page at `base`, none known yet.
  void start(const Machine& m, const HState& h, uint32_t mm, uint64_t base) {
    m_ = &m, h_ = &h, mm_ = mm, base_ = base;
    vals_.resize(h.ncontig);
    known_.reset();
    seen_.reset();
    counted_ = false;
  }
  // Whether entry j has had a record already; marks it.
  bool seen(uint64_t j) {
    const bool was = seen_[j];
    seen_[j] = true;
    return was;
  }
  pte_t get(uint64_t j) {
    if (!known_[j]) {
      known_[j] = true;
      vals_[j] = m_->peek_level(mm_, base_ + j * h_->pgsize, h_->level);
    }
    return vals_[j];
  }
  void set(uint64_t j, pte_t v) {
    if (counted_) count(j, vals_[j], -1);
    known_[j] = true;
    vals_[j] = v;
    if (counted_) count(j, v, 1);
  }
  // The first valid entry, other than `skip`, that is not CONT with the
  // output `first` implies for it; ncontig when there is none.
  uint64_t inconsistent(uint64_t first, uint64_t skip) {
    if (!counted_) {
      counted_ = true;
      valid_ = 0;
      firsts_.clear();
      for (uint64_t j = 0; j < vals_.size(); ++j) count(j, get(j), 1);
    }
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
    return pte_cont(e) ? pte_pfn(&h_->geo, e) - j * h_->dpfn() : kNotCont;
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

  const Machine* m_ = nullptr;
  const HState* h_ = nullptr;
  uint32_t mm_ = 0;
  uint64_t base_ = 0;
  std::vector<pte_t> vals_;  // entry j, when known_[j]
  std::bitset<128> known_;   // (at most 128 entries: 16K CONT_PTE)
  std::bitset<128> seen_;    // entries a record named
  bool counted_ = false;     // valid_ and firsts_ are kept (every entry known)
  uint32_t valid_ = 0;
  std::vector<std::pair<uint64_t, uint32_t>> firsts_;  // by first output implied
};

// A break of a huge page: valid entries cleared, not yet made again.
struct Break {
  uint64_t pfn = 0;     // the first output the break removed
  bool cont = false;    // whether the entries it removed were CONT (their size)
  bool pending = true;  // not yet invalidated
  bool issued = false;  // invalidated, waiting for a DSB
};

// One huge page of one mm the log names: its entries and its break.
struct Range {
  uint32_t mm = 0;
  uint64_t base = 0;
  RangeReplay vals;
  bool makes = false;   // a write of the op makes an entry valid (or may)
  bool broken = false;  // brk holds a break
  Break brk;
};

// The huge pages of one check, kept per thread: a slot per (page, mm)
// (mm < 4: the machine's mms) gives the index of its Range.
class Ranges {
 public:
  void begin(const HState& h) {
    h_ = &h;
    page_shift_ = static_cast<uint32_t>(__builtin_ctzll(h.bytes));  // powers of two
    entry_shift_ = static_cast<uint32_t>(__builtin_ctzll(h.pgsize));
    if (slot_.size() < 4 * h.pages) slot_.resize(4 * h.pages, -1);
    used_ = 0;
    last_key_ = ~0ULL;
    broken_.clear();
  }
  // Clears the slots this check used.
  void end() {
    for (size_t i = 0; i < used_; ++i) {
      slot_[(ranges_[i].base >> page_shift_) * 4 + ranges_[i].mm] = -1;
    }
  }
  // The range of mm's huge page holding `addr` (an entry of the hstate's
  // level inside the window), made from the tables' current entries on
  // first use; *entry: the entry's index in it. A reference stays valid
  // until the next range is made.
  [[gnu::always_inline]] Range& of(const Machine& m, uint32_t mm, uint64_t addr, uint64_t* entry) {
    const uint64_t page = addr >> page_shift_;
    *entry = (addr >> entry_shift_) & (h_->ncontig - 1);
    const uint64_t key = page * 4 + mm;
    if (key != last_key_) {  // (a range's entries are written one after the other)
      const int32_t s = slot_[key];
      last_ = s >= 0 ? static_cast<size_t>(s) : make(m, mm, page);
      last_key_ = key;
    }
    return ranges_[last_];
  }
  Range& operator[](size_t i) { return ranges_[i]; }
  size_t index(const Range& r) const { return static_cast<size_t>(&r - ranges_.data()); }
  // The ranges holding a break (indices).
  std::vector<size_t>& broken() { return broken_; }

 private:
  // Makes the range of (mm, page); returns its index.
  size_t make(const Machine& m, uint32_t mm, uint64_t page) {
    slot_[page * 4 + mm] = static_cast<int32_t>(used_);
    if (ranges_.size() <= used_) ranges_.emplace_back();
    Range& r = ranges_[used_];
    r.mm = mm, r.base = page << page_shift_, r.makes = false, r.broken = false;
    r.vals.start(m, *h_, mm, r.base);
    return used_++;
  }

  const HState* h_ = nullptr;
  uint32_t page_shift_ = 0, entry_shift_ = 0;  // log2 of the huge page's and an entry's size
  std::vector<int32_t> slot_;
  std::vector<Range> ranges_;  // the first used_ are this check's
  size_t used_ = 0;
  uint64_t last_key_ = ~0ULL;  // the slot of()'s last range, ranges_[last_]
  size_t last_ = 0;
  std::vector<size_t> broken_;
};

// What flush or barrier `r` does to the break of mm's huge page at `base`:
// flush_tlb_mm of the mm completes its invalidation; a flush of a matching
// level over the page issues it, completed when synced or by the next DSB.
void invalidate(const LogRec& r, const HState& h, Break* b, uint32_t mm, uint64_t base) {
  if (r.prim == Prim::kFlushMm) {
    b->pending = b->pending && mm != r.mm;
  } else if (r.prim == Prim::kDsb) {
    b->pending = b->pending && !b->issued;
  } else if (mm == r.mm && range_hits(r.addr, r.end, r.stride, base, h.bytes)) {
    if (r.sync) b->pending = false;
    b->issued = true;
  }
}

}  // namespace

// Break-before-make over O's log, per huge page of the hstate's level: a
// valid entry never becomes another valid one of a different output address
// or contiguous bit; an entry made valid with CONT finds every other valid
// entry of its range consistent (same CONT block, consecutive outputs); and
// after a break (a valid entry cleared), a make that changes the output or
// sets CONT waits until a completed invalidation (a synced TLBI of a
// matching level, or one completed by a DSB, or flush_tlb_mm) covered it.
bool check_bbm(const Side& o, std::vector<Divergence>* out) {
  const HState& h = o.hstate();
  const Machine& m = o.machine();
  const ptediff_geometry& g = h.geo;
  // The shared rule, per entry (oracle/log_checks.h): a live change of
  // output address, memory type or size, or a make before the break's
  // invalidation completed. No hugetlb machine has BBML2.
  const size_t before = out->size();
  ptediff::check_bbm(g, m.log(), (m.features() & PTEDIFF_FEAT_BBML2) != 0,
                     [&](DivClass cls, uint32_t mm, uint64_t va, std::string what) {
                       add_divergence(out, cls, mm, va, absl::StrCat("O: ", what));
                     });
  if (out->size() > before) return true;
  // What a contiguous range adds: see checks.h.
  thread_local Ranges ranges;
  ranges.begin(h);
  // Values at the op's start: the first record of an entry holds it. A
  // read gives the value the entry holds then, which its next write names as
  // old, or the tables still hold at the end; so reads are passed over,
  // unless an upper entry was written: fresh tables below it zero entries no
  // record names. Returns false when the reads are needed.
  uint64_t idx = 0;
  auto first_values = [&](bool with_reads) {
    for (const LogRec& r : m.log()) {
      if (!r.ok || r.level != h.level) {
        if (!with_reads && r.level < h.level && is_entry_write(r)) return false;
        continue;
      }
      if (r.prim == Prim::kRead ? !with_reads : !is_entry_write(r)) continue;
      Range& range = ranges.of(m, r.mm, r.addr, &idx);
      if (!range.vals.seen(idx)) range.vals.set(idx, r.old);
      // Only a make can break a rule below. Every change of an entry is in
      // the log (no upper entry was written): the replay's old values are
      // the records' own.
      range.makes = range.makes || with_reads || (pte_valid(r.val) && !pte_valid(r.old));
    }
    return true;
  };
  if (!first_values(/*with_reads=*/false)) {
    ranges.end();
    if (!m.log_reads()) return false;
    ranges.begin(h);
    first_values(/*with_reads=*/true);
  }
  const uint64_t dpfn = h.dpfn();
  // Every write was named in the first pass: no range is made below.
  std::vector<size_t>& broken = ranges.broken();
  for (const LogRec& r : m.log()) {
    if (r.prim == Prim::kFlushMm || r.prim == Prim::kDsb || r.prim == Prim::kFlushRange) {
      if (r.prim == Prim::kFlushRange && r.tlb_level != kTlbAnyLevel && r.tlb_level != h.level) {
        continue;
      }
      // A break no longer pending asks nothing of a make, and the next
      // break of its range starts afresh: it is dropped.
      std::erase_if(broken, [&](size_t i) {
        Range& x = ranges[i];
        invalidate(r, h, &x.brk, x.mm, x.base);
        x.broken = x.brk.pending;
        return !x.broken;
      });
      continue;
    }
    if (!is_entry_write(r) || r.level != h.level) continue;
    Range& range = ranges.of(m, r.mm, r.addr, &idx);
    if (!range.makes) continue;
    const pte_t old = range.vals.get(idx), now = r.val;
    range.vals.set(idx, now);
    // The hardware's access/dirty update of a valid entry (a mid-op event,
    // or fault's racing write) is neither a break nor a make.
    if (r.prim == Prim::kHw) continue;
    const uint64_t first_pfn = pte_pfn(&g, now) - idx * dpfn;
    std::string why;
    if (pte_valid(now) && !pte_valid(old)) {
      // Until the break is invalidated the TLB may still hold what it
      // removed. A make that keeps its output and size (a permission or
      // access/dirty change: mprotect's modify_prot_commit) may meet it
      // there: the Arm ARM asks for break-before-make only when the output
      // address, the size or the memory type changes, and arm64 relies on
      // it, in contpte_wrprotect_ptes ("Until the flush, the page may or may
      // not be wrprotected") as in set_huge_pte_at since "arm64: hugetlb:
      // Refine tlb maintenance scope" (6.15: it breaks only valid -> valid).
      // Another output or another size (CONT set or dropped) waits.
      const Break& b = range.brk;
      if (range.broken && b.pending && (pte_cont(now) != b.cont || b.pfn != first_pfn)) {
        why = "made before the break of its range was invalidated in the TLB";
      }
      const uint64_t j =
          why.empty() && pte_cont(now) ? range.vals.inconsistent(first_pfn, idx) : h.ncontig;
      if (j < h.ncontig) {
        why =
            absl::StrFormat("made CONT while entry %d of its range is valid and inconsistent (%#x)",
                            j, range.vals.get(j));
      }
    }
    if (!why.empty()) {
      add_divergence(
          out, DivClass::kBbm, r.mm, r.addr,
          absl::StrFormat("O wrote mm=%u va=%#x %#x over %#x: %s", r.mm, r.addr, now, old, why));
      break;
    }
    if (pte_valid(old) && !pte_valid(now) && (!range.broken || !range.brk.pending)) {
      if (!range.broken) broken.push_back(ranges.index(range));
      range.broken = true;
      range.brk = Break{pte_pfn(&g, old) - idx * dpfn, pte_cont(old), true, false};
    }
  }
  ranges.end();
  return true;
}

}  // namespace ptediff::hugetlb
