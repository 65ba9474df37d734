// ptediff hugetlb: the huge pages a program names (pages.h).
#include "subjects/hugetlb/pages.h"

#include <algorithm>

#include "oracle/log_checks.h"  // is_entry_write, entry_bytes

namespace ptediff::hugetlb {

void PageIndex::reset(const HState& h) {
  for (const PageRef& p : refs_) pos_[p.mm * h_.pages + (p.va >> shift_)] = kUnnamed;
  if (pos_.size() < kNumMms * h.pages) pos_.resize(kNumMms * h.pages, kUnnamed);
  h_ = h;
  shift_ = static_cast<uint32_t>(__builtin_ctzll(h.bytes));  // huge page sizes are powers of two
  refs_.clear();
}

bool PageIndex::name(uint64_t page) {
  if (pos_[page] != kUnnamed) return false;  // mm 0's slot: both mms are named together
  for (uint32_t mm = 0; mm < kNumMms; ++mm) {
    pos_[mm * h_.pages + page] = static_cast<int32_t>(refs_.size());
    refs_.push_back({mm, page * h_.bytes});
  }
  return true;
}

void PageIndex::add_overlapping(uint32_t mm, uint64_t va, uint64_t bytes, PosSet* out) const {
  if (mm >= kNumMms || bytes == 0) return;
  const uint64_t first = va / h_.bytes;
  const uint64_t last = std::min((va + bytes - 1) / h_.bytes, h_.pages - 1);
  if (first > last) return;
  if (last - first >= refs_.size()) {  // wider than what is named: look at each named page
    for (size_t i = 0; i < refs_.size(); ++i) {
      const PageRef& p = refs_[i];
      if (p.mm == mm && p.va < va + bytes && va < p.va + h_.bytes) out->insert(i);
    }
    return;
  }
  for (uint64_t page = first; page <= last; ++page) {
    const int32_t i = pos_[mm * h_.pages + page];
    if (i != kUnnamed) out->insert(static_cast<size_t>(i));
  }
}

void PageIndex::add_written(const std::vector<LogRec>& log, PosSet* out) const {
  int32_t last = kUnnamed;  // a range's entries are written one after the other
  for (const LogRec& r : log) {
    if (!is_entry_write(r)) continue;
    if (r.level >= h_.level) {  // an entry of a huge page, or one below its level
      const int32_t i = position(r.mm, r.addr);
      if (i != last && i != kUnnamed) out->insert(static_cast<size_t>(i));
      last = i;
      continue;
    }
    const uint64_t span = entry_bytes(h_.geo, r.level);
    add_overlapping(r.mm, r.addr / span * span, span, out);
  }
}

}  // namespace ptediff::hugetlb
