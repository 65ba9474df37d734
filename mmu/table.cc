// ptediff: level-generic page-table memory (see table.h).
#include "mmu/table.h"

namespace ptediff {

TableWindow::TableWindow(const ptediff_geometry& geo, uint32_t num_tables)
    : geo_(geo), limit_(static_cast<uint64_t>(num_tables) << geo.pmd_shift) {
  tables_.resize(num_tables);
  for (uint32_t i = 0; i < num_tables; ++i) {
    tables_[i].level = kPteLevel;
    tables_[i].va_base = static_cast<uint64_t>(i) << geo.pmd_shift;
    tables_[i].entries.assign(geo.ptrs_per_pte, 0);
  }
}

EntryRef TableWindow::pte_entry(uint64_t va) {
  if (va >= limit_ || (va & (ptediff_page_size(&geo_) - 1)) != 0) return {};
  Table* t = &tables_[va >> geo_.pmd_shift];
  return {t, static_cast<uint32_t>((va - t->va_base) >> geo_.page_shift)};
}

pte_t TableWindow::pte_value(uint64_t va) const {
  if (va >= limit_) return 0;
  const Table& t = tables_[va >> geo_.pmd_shift];
  return t.entries[(va - t.va_base) >> geo_.page_shift];
}

void TableWindow::clear() {
  for (Table& t : tables_) t.entries.assign(t.entries.size(), 0);
}

}  // namespace ptediff
