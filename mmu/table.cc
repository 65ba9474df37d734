// ptediff: level-generic page-table memory (see table.h).
#include "mmu/table.h"

#include <algorithm>

namespace ptediff {

TableWindow::TableWindow(const ptediff_geometry& geo, uint32_t num_tables)
    : geo_(geo),
      limit_(static_cast<uint64_t>(num_tables) << geo.pmd_shift),
      page_mask_(ptediff_page_size(&geo) - 1),
      pmd_mask_((1ULL << geo.pmd_shift) - 1),
      per_table_(geo.ptrs_per_pte),
      pages_(static_cast<uint64_t>(num_tables) * geo.ptrs_per_pte),
      pud_shift_(geo.pmd_shift + geo.page_shift - 3),
      valid_((pages_ + 63) / 64, 0),
      used_((pages_ + 63) / 64, 0) {
  tables_.resize(num_tables);
  for (uint32_t i = 0; i < num_tables; ++i) {
    tables_[i].level = kPteLevel;
    tables_[i].va_base = static_cast<uint64_t>(i) << geo.pmd_shift;
    tables_[i].entries.assign(geo.ptrs_per_pte, 0);
  }
  pmds_ = {kPmdLevel, 0, std::vector<pte_t>(num_tables, kTableDescriptor)};
  puds_ = {kPudLevel, 0, std::vector<pte_t>(limit_ >> pud_shift_, kTableDescriptor)};
}

void TableWindow::fresh_tables(uint64_t va, uint64_t size) {
  for (uint64_t t = va >> geo_.pmd_shift; t < (va + size) >> geo_.pmd_shift; ++t) {
    for (uint32_t i = 0; i < per_table_; ++i) {
      if (tables_[t].entries[i] != 0) set({&tables_[t], i}, 0);
    }
    if (!is_table_descriptor(pmds_.entries[t])) --upper_non_tables_;
    pmds_.entries[t] = kTableDescriptor;
  }
}

void TableWindow::set_upper(const EntryRef& e, pte_t v) {
  const bool was = is_table_descriptor(e.value()), now = is_table_descriptor(v);
  e.value() = v;
  if (was == now) return;
  if (!now) {
    ++upper_non_tables_;
    return;
  }
  --upper_non_tables_;
  const uint32_t shift = e.table->level == kPmdLevel ? geo_.pmd_shift : pud_shift_;
  fresh_tables(static_cast<uint64_t>(e.index) << shift, 1ULL << shift);
}

void TableWindow::clear() {
  // Valid entries are used ones: the words past the last used bit are clear.
  uint64_t left = num_used_;
  for (uint64_t w = 0; left != 0 && w < used_.size(); ++w) {
    left -= static_cast<uint64_t>(__builtin_popcountll(used_[w]));
    for (uint64_t bits = used_[w]; bits != 0; bits &= bits - 1) {
      const uint64_t page = w * 64 + static_cast<uint64_t>(__builtin_ctzll(bits));
      tables_[page / per_table_].entries[page % per_table_] = 0;
    }
    used_[w] = 0;
    valid_[w] = 0;
  }
  num_valid_ = num_used_ = 0;
  std::fill(pmds_.entries.begin(), pmds_.entries.end(), kTableDescriptor);
  std::fill(puds_.entries.begin(), puds_.entries.end(), kTableDescriptor);
  upper_non_tables_ = 0;
}

uint64_t TableWindow::next_page(const std::vector<uint64_t>& bits, uint64_t va, bool want) const {
  // Nothing to find: no page with the bit set, or none without it.
  const uint64_t set = &bits == &valid_ ? num_valid_ : num_used_;
  if (pages_ == 0 || (want ? set == 0 : set == pages_)) return limit_;
  uint64_t start = va >> geo_.page_shift;
  if (start >= pages_) start %= pages_;  // (a division only when va is past the window)
  // Two passes over the words: [start, pages_), then [0, start).
  for (int pass = 0; pass < 2; ++pass) {
    const uint64_t lo = pass == 0 ? start : 0, hi = pass == 0 ? pages_ : start;
    for (uint64_t i = lo; i < hi;) {
      uint64_t w = want ? bits[i / 64] : ~bits[i / 64];
      w &= ~0ULL << (i % 64);  // ignore pages below i in this word
      if (w != 0) {
        const uint64_t p = (i & ~63ULL) + static_cast<uint64_t>(__builtin_ctzll(w));
        if (p < hi) return p << geo_.page_shift;
        break;  // the first match is past this pass's end
      }
      // Whole words without a match, four at a time (sparse windows are the
      // rule: a hugetlb fork scans a 4K window of 8192 words).
      const uint64_t none = want ? 0 : ~0ULL, end = (hi + 63) / 64;
      uint64_t k = i / 64 + 1;
      while (k + 4 <= end && ((bits[k] ^ none) | (bits[k + 1] ^ none) | (bits[k + 2] ^ none) |
                              (bits[k + 3] ^ none)) == 0) {
        k += 4;
      }
      i = k * 64;
    }
  }
  return limit_;
}

bool TableWindow::any_bit(const std::vector<uint64_t>& bits, uint64_t va, uint64_t n) const {
  uint64_t i = va >> geo_.page_shift;
  const uint64_t end = std::min<uint64_t>(i + n, pages_);
  while (i < end) {
    const uint64_t word_end = std::min<uint64_t>((i & ~63ULL) + 64, end);
    const uint64_t span = word_end - i;
    const uint64_t mask = (span == 64 ? ~0ULL : ((1ULL << span) - 1)) << (i % 64);
    if (bits[i / 64] & mask) return true;
    i = word_end;
  }
  return false;
}

}  // namespace ptediff
