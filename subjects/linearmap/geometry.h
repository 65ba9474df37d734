// ptediff linear map: the shape of the arm64 kernel linear map per granule.
//
// The linear map uses, from largest to smallest: a level-1 (PUD) block (4K
// granule only), a contiguous run of CONT_PMDS level-2 blocks, one level-2
// (PMD) block, a contiguous run of CONT_PTES pages, and one page. Sizes are
// counted in base pages throughout this subject. The simulated window is
// twice the largest leaf, so every leaf kind fits at least twice.
#ifndef PTEDIFF_SUBJECTS_LINEARMAP_GEOMETRY_H_
#define PTEDIFF_SUBJECTS_LINEARMAP_GEOMETRY_H_

#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "ptediff/pte.h"

namespace ptediff::linearmap {

// Error codes of the kernel primitives modelled here.
inline constexpr int kOk = 0;
inline constexpr int kEnomem = -12;
inline constexpr int kEinval = -22;

// Mapping flags of __create_pgd_mapping().
inline constexpr uint32_t kNoBlock = 1u << 0;  // NO_BLOCK_MAPPINGS
inline constexpr uint32_t kNoCont = 1u << 1;   // NO_CONT_MAPPINGS
inline constexpr uint32_t kAllFlags = kNoBlock | kNoCont;

// One kind of leaf mapping: the level of its descriptors, whether it is a
// contiguous group, and how many base pages it maps.
struct LeafKind {
  int level = 3;
  bool cont = false;
  uint64_t pages = 1;
  const char* name = "pte";
};

struct Geometry {
  ptediff_geometry geo{};
  uint64_t page_size = 0;
  // span[l]: base pages mapped by one descriptor at level l (1..3).
  uint64_t span[4] = {0, 0, 0, 0};
  uint32_t span_shift[4] = {0, 0, 0, 0};  // log2(span[l])
  // cont[l]: descriptors per contiguous group at level l (0: none at level 1).
  uint32_t cont[4] = {0, 0, 0, 0};
  uint32_t table_entries = 0;   // descriptors per level-2/3 table (PTRS_PER_PTE)
  bool pud_block = false;       // level-1 blocks exist (4K granule)
  std::vector<LeafKind> kinds;  // largest first; kinds.back() is the page
  uint64_t window_pages = 0;    // VA window [0, window_pages) in base pages
  uint32_t root_entries = 0;    // level-1 descriptors covering the window

  // The attribute-preserving pa limit (in pages) of a descriptor.
  uint64_t pa_pages() const { return ptediff_max_pfn(&geo) + 1; }
  // Whether `k` is allowed by `flags` (NO_BLOCK forbids levels 1-2, NO_CONT groups).
  static bool allowed(const LeafKind& k, uint32_t flags);
  // Base pages mapped by one (cont) group of descriptors at `level`.
  uint64_t group_pages(int level) const { return span[level] * (cont[level] ? cont[level] : 1); }
};

// The linear-map geometry of granule `g`.
const Geometry& geometry_of(ptediff_granule g);

// Every span, group and leaf size of a geometry is a power of two (build()
// checks): `x` rounded down to a multiple of `n`, and whether it is one.
inline uint64_t align_down(uint64_t x, uint64_t n) { return x & ~(n - 1); }
inline bool is_aligned(uint64_t x, uint64_t n) { return (x & (n - 1)) == 0; }

// Default kernel-linear-map attributes (PAGE_KERNEL: valid, AF, inner
// shareable, normal memory, writable+dirty, never executable from EL0/EL1).
inline constexpr pte_t kPageKernel =
    PTE_VALID | PTE_AF | PTE_SHARED | PTE_WRITE | PTE_DIRTY | PTE_PXN | PTE_UXN;
// The attribute bits this subject compares (everything but address, type, CONT).
inline constexpr pte_t kAttrMask = PTE_VALID | PTE_ATTRINDX_MASK | PTE_RDONLY | PTE_SHARED |
                                   PTE_AF | PTE_NG | PTE_WRITE | PTE_PXN | PTE_UXN | PTE_DIRTY;

// One leaf mapping: a single descriptor, or a whole contiguous group.
// Addresses and sizes are in base pages; `attrs` holds the kAttrMask bits.
struct Leaf {
  uint64_t page = 0;
  uint64_t pages = 1;
  int level = 3;
  bool cont = false;
  uint64_t pa = 0;
  pte_t attrs = 0;
  bool operator==(const Leaf&) const = default;
};
// "64K cont-pte @0x210000 pa=0x... attrs=0x..." (byte addresses).
std::string leaf_text(const Leaf& l, const Geometry& g);
// A size in bytes as kernel messages write it: 4K, 64K, 2M, 1G ...
std::string size_text(uint64_t bytes);
// Consecutive leaves of one size grouped as "2M x4 [0K, 8192K)" (addresses in
// KiB, as in the BBML2 series' worked example, docs/DESIGN.md §9).
std::vector<std::string> summarize(const std::vector<Leaf>& leaves, const Geometry& g);

// The permission changes of set_memory_*().
enum class Change : uint8_t { kRo, kRw, kX, kNx, kValid, kInvalid, kCount };
inline constexpr int kNumChanges = static_cast<int>(Change::kCount);
// Their names, indexed by Change (set_memory_ + name).
inline constexpr const char* kChangeNames[] = {"ro", "rw", "x", "nx", "valid", "invalid"};
static_assert(std::size(kChangeNames) == kNumChanges, "one name per change");
const char* change_name(Change c);
// What a change does to attribute bits: clears `clear`, then sets `set`
// (both within kAttrMask). An invalid entry is present-invalid, as
// set_memory_valid(addr, n, 0) makes it ("arm64/mm: Add PTE_PRESENT_INVALID
// bit": PTE_PRESENT_INVALID, the nG bit, set with PTE_VALID clear); valid
// clears the marker again.
struct ChangeBits {
  pte_t clear = 0, set = 0;
};
inline ChangeBits change_bits(Change c) {
  constexpr ChangeBits kBits[] = {{PTE_WRITE, PTE_RDONLY},
                                  {PTE_RDONLY, PTE_WRITE},  // ro, rw
                                  {PTE_PXN, 0},
                                  {0, PTE_PXN},  // x, nx
                                  {PTE_PRESENT_INVALID, PTE_VALID},
                                  {PTE_VALID, PTE_PRESENT_INVALID}};  // (in)valid
  static_assert(std::size(kBits) == kNumChanges);
  const auto i = static_cast<size_t>(c);
  return i < std::size(kBits) ? kBits[i] : ChangeBits{};
}
// The attributes `attrs` after change `c` (only kAttrMask bits are meaningful).
inline pte_t apply_change(Change c, pte_t attrs) {
  const ChangeBits b = change_bits(c);
  return (attrs & ~b.clear) | b.set;
}

}  // namespace ptediff::linearmap

#endif  // PTEDIFF_SUBJECTS_LINEARMAP_GEOMETRY_H_
