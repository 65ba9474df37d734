// ptediff: the page-table locks (see locks.h).
#include "mmu/locks.h"

#include "absl/strings/str_format.h"

namespace ptediff {

std::string lock_name(const ptediff_geometry& g, const LockId& l) {
  switch (l.kind) {
    case LockKind::kPteTable:
      return absl::StrFormat("ptl(mm=%u pte table %#x)", l.mm, l.index << g.pmd_shift);
    case LockKind::kPmdTable:
      return absl::StrFormat("pmd_lock(mm=%u pmd table %#x)", l.mm, l.index * pud_size(g));
    case LockKind::kMm:
      break;
  }
  return absl::StrFormat("page_table_lock(mm=%u)", l.mm);
}

}  // namespace ptediff
