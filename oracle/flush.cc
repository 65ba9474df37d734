// ptediff: flush coverage (see flush.h).
#include "oracle/flush.h"

#include <algorithm>
#include <iterator>

#include "oracle/log_checks.h"

namespace ptediff {

bool change_needs_flush(const ptediff_geometry& geo, pte_t o, pte_t n) {
  if (!pte_valid(o)) return false;
  if (!pte_valid(n)) return true;
  if (pte_pfn(&geo, o) != pte_pfn(&geo, n)) return true;
  if ((o & PTE_ATTRINDX_MASK) != (n & PTE_ATTRINDX_MASK)) return true;
  return !pte_rdonly(o) && pte_rdonly(n);
}

void IntervalSet::add(uint64_t s, uint64_t e) {
  if (s >= e) return;
  auto it = m_.upper_bound(s);
  if (it != m_.begin() && std::prev(it)->second >= s) s = (--it)->first;
  while (it != m_.end() && it->first <= e) {
    e = std::max(e, it->second);
    it = m_.erase(it);
  }
  m_[s] = e;
}

void IntervalSet::remove(uint64_t s, uint64_t e,
                         std::vector<std::pair<uint64_t, uint64_t>>* removed) {
  auto it = m_.upper_bound(s);
  if (it != m_.begin()) --it;
  while (it != m_.end() && it->first < e) {
    const uint64_t a = it->first, b = it->second;
    if (b <= s) {
      ++it;
      continue;
    }
    it = m_.erase(it);
    if (removed != nullptr) removed->emplace_back(std::max(a, s), std::min(b, e));
    if (a < s) m_[a] = s;
    if (b > e) m_[e] = b;
  }
}

uint64_t IntervalSet::first_in(uint64_t s, uint64_t e) const {
  auto it = m_.upper_bound(s);
  if (it != m_.begin() && std::prev(it)->second > s) return s;
  return it != m_.end() && it->first < e ? it->first : e;
}

void FlushLedger::Pending::add(uint64_t s, uint64_t e) {
  if (s >= start && s <= end) {  // the common case: at or after the last
    end = std::max(end, e);
    return;
  }
  if (s <= end && e >= start) {
    start = std::min(start, s);
    end = std::max(end, e);
    return;
  }
  settle();
  start = s;
  end = e;
}

void FlushLedger::Pending::settle() {
  if (start < end) set.add(start, end);
  start = end = 0;
}

void FlushLedger::Pending::clear() {
  set.clear();
  issued.clear();
  start = end = 0;
}

FlushLedger::FlushLedger(const ptediff_geometry& g) : page_shift_(g.page_shift) {
  shift_[kPteLevel] = g.page_shift;
  shift_[kPmdLevel] = g.pmd_shift;
  shift_[kPudLevel] = g.pmd_shift + g.page_shift - 3;
}

void FlushLedger::complete() {
  if (!any_issued_) return;
  for (auto& per_mm : p_) {
    for (Pending& p : per_mm) p.issued.clear();
  }
  any_issued_ = false;
}

void FlushLedger::on_flush(const LogRec& r) {
  if (r.stride == 0 || r.end <= r.addr) return;
  for (int level = kPudLevel; level <= kPteLevel; ++level) {
    if (!tlb_level_reaches(r.tlb_level, level)) continue;
    Pending& p = at(r.mm, level);
    if (p.start == p.end && p.set.empty()) continue;
    p.settle();
    const uint32_t sh = shift_[level];
    removed_.clear();
    auto* removed = r.sync ? nullptr : &removed_;
    if (r.stride <= uint64_t{1} << sh) {
      // Consecutive addresses are at most an entry apart: every entry from
      // the first address's to the last one's is hit.
      const uint64_t last = r.addr + (r.end - 1 - r.addr) / r.stride * r.stride;
      p.set.remove(r.addr >> sh, (last >> sh) + 1, removed);
    } else {
      for (uint64_t a = r.addr; a < r.end; a += r.stride) {
        p.set.remove(a >> sh, (a >> sh) + 1, removed);
      }
    }
    for (const auto& [s, e] : removed_) p.issued.add(s, e);
    any_issued_ |= !removed_.empty();
  }
}

void FlushLedger::walk(const std::vector<LogRec>& log,
                       absl::FunctionRef<bool(const LogRec&)> needs) {
  for (auto& per_mm : p_) {
    for (Pending& p : per_mm) p.clear();
  }
  any_issued_ = false;
  // flush_tlb_mm leaves nothing of its mm pending and completes every
  // invalidation issued before it: its mm's records before the last one
  // need no walk.
  size_t full = 0;
  uint32_t full_mm = kNumMms;
  for (size_t i = log.size(); i-- > 0;) {
    if (log[i].prim == Prim::kFlushMm) {
      full = i;
      full_mm = log[i].mm;
      break;
    }
  }
  for (size_t i = 0; i < log.size(); ++i) {
    const LogRec& r = log[i];
    if (i < full && r.mm == full_mm && r.prim != Prim::kDsb) continue;
    switch (r.prim) {
      case Prim::kFlushMm:
        for (Pending& p : p_[r.mm % kNumMms]) p.clear();
        complete();
        break;
      case Prim::kDsb:
        complete();
        break;
      case Prim::kFlushRange:
        on_flush(r);
        if (r.sync) complete();
        break;
      default:
        if (is_entry_write(r) && needs(r)) {
          const uint64_t e = r.addr >> shift_[r.level & 3];
          at(r.mm, r.level).add(e, e + 1);
        }
        break;
    }
  }
}

uint64_t FlushLedger::first_pending(uint32_t mm, int level, uint64_t lo, uint64_t hi) {
  if (lo >= hi) return hi;
  Pending& p = at(mm, level);
  p.settle();
  const uint32_t ps = shift_[level & 3] - page_shift_;
  const uint64_t s = lo >> ps, e = ((hi - 1) >> ps) + 1;
  const uint64_t x = std::min(p.set.first_in(s, e), p.issued.first_in(s, e));
  return x >= e ? hi : std::max(lo, x << ps);
}

bool FlushLedger::any_pending(uint32_t* mm, int* level, uint64_t* page) {
  for (uint32_t m = 0; m < kNumMms; ++m) {
    for (int l = kPudLevel; l <= kPteLevel; ++l) {
      Pending& p = at(m, l);
      p.settle();
      for (const IntervalSet* s : {&p.set, &p.issued}) {
        if (s->empty()) continue;
        *mm = m;
        *level = l;
        *page = s->first() << (shift_[l] - page_shift_);
        return true;
      }
    }
  }
  return false;
}

}  // namespace ptediff
