// ptediff hugetlb: the four arm64 hstates of a granule (docs/DESIGN.md §10).
//
// arch/arm64/mm/hugetlbpage.c registers CONT_PTE, PMD, CONT_PMD and (with
// 4K pages only, pud_sect_supported()) PUD sized huge pages. An hstate says
// at which level its entries live, how many consecutive entries one huge
// page takes (num_contig_ptes) and the size each maps, and the window a
// hugetlb program's mms get for it.
#ifndef PTEDIFF_SUBJECTS_HUGETLB_HSTATE_H_
#define PTEDIFF_SUBJECTS_HUGETLB_HSTATE_H_

#include <cstdint>
#include <string_view>

#include "mmu/table.h"
#include "ptediff/pte.h"

namespace ptediff::hugetlb {

enum class HSize : uint8_t { kContPte = 0, kPmd = 1, kContPmd = 2, kPud = 3 };
inline constexpr uint32_t kNumHSizes = 4;

struct HState {
  ptediff_geometry geo{};
  HSize size = HSize::kContPte;
  uint64_t bytes = 0;          // huge_page_size()
  int level = kPteLevel;       // the level of its entries (what huge_pte_offset returns)
  uint32_t ncontig = 1;        // entries per huge page (num_contig_ptes)
  uint64_t pgsize = 0;         // bytes each entry maps
  uint32_t window_tables = 0;  // PTE tables per mm window (Machine's window_tables)
  uint64_t pages = 0;          // huge pages in the window
  uint64_t dpfn() const { return pgsize >> geo.page_shift; }
};

// "cont-pte", "pmd", "cont-pmd", "pud".
const char* hsize_name(HSize s);
bool parse_hsize(std::string_view s, HSize* out);
// Whether arm64 registers hstate `s` with granule `g` (pud: 4K only).
bool hsize_supported(ptediff_granule g, HSize s);
// The hstate (a supported pair; an unsupported one is given as cont-pte).
HState hstate_of(ptediff_granule g, HSize s);

}  // namespace ptediff::hugetlb

#endif  // PTEDIFF_SUBJECTS_HUGETLB_HSTATE_H_
