// ptediff: the TLB model (see tlb.h).
#include "mmu/tlb.h"

#include <algorithm>

namespace ptediff {

bool range_hits(uint64_t start, uint64_t end, uint64_t stride, uint64_t va, uint64_t size) {
  if (stride == 0 || start >= end) return false;
  uint64_t a = start;
  if (va > start) {
    uint64_t k;
    if ((stride & (stride - 1)) == 0) {  // every stride the kernel uses: shifts, no division
      const int s = __builtin_ctzll(stride);
      k = (va - start + stride - 1) >> s;
      if (k > (end - start) >> s) return false;
    } else {
      k = (va - start + stride - 1) / stride;
      if (k > (end - start) / stride) return false;
    }
    a = start + k * stride;
  }
  return a < end && a >= va && a - va < size;
}

void Tlb::fill(const TlbEntry& e) {
  std::erase_if(entries_, [&](const TlbEntry& x) {
    return x.mm == e.mm && x.va == e.va && x.size == e.size && x.level == e.level;
  });
  if (entries_.size() >= kCapacity) entries_.erase(entries_.begin());
  entries_.push_back(e);
}

const TlbEntry* Tlb::lookup(uint32_t mm, uint64_t va) const {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->mm == mm && it->contains(va)) return &*it;
  }
  return nullptr;
}

void Tlb::invalidate_range(uint32_t mm, uint64_t start, uint64_t end, uint64_t stride,
                           int tlb_level, bool sync_now) {
  for (TlbEntry& e : entries_) {
    if (e.mm != mm || (tlb_level != 0 && e.level != tlb_level)) continue;
    if (range_hits(start, end, stride, e.va, e.size)) e.pending = true;
  }
  if (sync_now) sync();
}

void Tlb::invalidate_mm(uint32_t mm) {
  std::erase_if(entries_, [&](const TlbEntry& x) { return x.mm == mm; });
}

void Tlb::sync() {
  std::erase_if(entries_, [](const TlbEntry& x) { return x.pending; });
}

}  // namespace ptediff
