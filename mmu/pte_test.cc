// ptediff: tests of include/ptediff/pte.h: the geometry table, the pfn
// encoding (including PA[51:48] in bits [15:12] with the 64K granule), and the
// debug_vm_pgtable-style basic identities of the pte helpers over every
// combination of protection bits, plus rapidcheck properties over raw values.
#include "ptediff/pte.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <vector>

#include "testing/fixture.h"

namespace ptediff {
namespace {

// The protection bits whose every subset is combined with VALID | TYPE_PAGE.
constexpr pte_t kProtBits[] = {PTE_RDONLY, PTE_WRITE, PTE_DIRTY,   PTE_AF,   PTE_USER,
                               PTE_UXN,    PTE_PXN,   PTE_SPECIAL, PTE_NG,   PTE_SHARED,
                               PTE_DEVMAP, PTE_CONT,  PTE_GP,      4ULL << 2 /* AttrIndx */};
constexpr size_t kNumProtBits = std::size(kProtBits);

pte_t ProtOfSubset(uint32_t subset) {
  pte_t prot = PTE_VALID | PTE_TYPE_PAGE;
  for (size_t i = 0; i < kNumProtBits; ++i) {
    if (subset & (1u << i)) prot |= kProtBits[i];
  }
  return prot;
}

// The debug_vm_pgtable basic checks, plus: every helper keeps the pfn and
// touches only the bits it is about.
void ExpectBasicIdentities(const ptediff_geometry* g, pte_t p) {
  SCOPED_TRACE(::testing::Message() << std::hex << "pte " << p);
  EXPECT_TRUE(pte_same(p, p));
  EXPECT_TRUE(pte_young(pte_mkyoung(pte_mkold(p))));
  EXPECT_FALSE(pte_young(pte_mkold(pte_mkyoung(p))));
  EXPECT_TRUE(pte_dirty(pte_mkdirty(pte_mkclean(p))));
  EXPECT_FALSE(pte_dirty(pte_mkclean(pte_mkdirty(p))));
  EXPECT_TRUE(pte_write(pte_mkwrite(pte_wrprotect(p))));
  EXPECT_FALSE(pte_write(pte_wrprotect(pte_mkwrite(p))));
  EXPECT_FALSE(pte_dirty(pte_wrprotect(pte_mkclean(p))));
  EXPECT_TRUE(pte_dirty(pte_wrprotect(pte_mkdirty(p))));
  // Write-protection never loses the dirty state (fork relies on it).
  EXPECT_EQ(pte_dirty(pte_wrprotect(p)), pte_dirty(p));
  EXPECT_EQ(pte_hw_dirty(p), pte_write(p) && !pte_rdonly(p));
  EXPECT_EQ(pte_dirty(p), pte_sw_dirty(p) || pte_hw_dirty(p));
  EXPECT_TRUE(pte_cont(pte_mkcont(p)));
  EXPECT_FALSE(pte_cont(pte_mknoncont(p)));
  EXPECT_EQ(pte_mknoncont(pte_mkcont(p)), p & ~PTE_CONT);
  EXPECT_EQ(pte_valid_cont(p), pte_valid(p) && pte_cont(p));
  struct Helper {
    pte_t (*fn)(pte_t);
    pte_t may_change;
  };
  const Helper helpers[] = {
      {pte_mkold, PTE_AF},
      {pte_mkyoung, PTE_AF},
      {pte_mkclean, PTE_DIRTY | PTE_RDONLY},
      {pte_mkdirty, PTE_DIRTY | PTE_RDONLY},
      {pte_wrprotect, PTE_WRITE | PTE_RDONLY | PTE_DIRTY},
      {pte_mkwrite, PTE_WRITE | PTE_RDONLY},
      {pte_mkcont, PTE_CONT},
      {pte_mknoncont, PTE_CONT},
  };
  for (const Helper& h : helpers) {
    EXPECT_EQ((h.fn(p) ^ p) & ~h.may_change, 0u);
    EXPECT_EQ(pte_pfn(g, h.fn(p)), pte_pfn(g, p));
  }
  // pte_pgprot and pfn_pte reconstruct the entry.
  EXPECT_EQ(pfn_pte(g, pte_pfn(g, p), pte_pgprot(g, p)), p);
  // The state the conformance relation compares ignores young and dirty.
  const pte_t base = pte_mkold_clean(p);
  EXPECT_EQ(pte_mkold_clean(pte_mkyoung(p)), base);
  EXPECT_EQ(pte_mkold_clean(pte_mkdirty(p)), base);
  EXPECT_EQ(pte_mkold_clean(pte_mkclean(p)), base);
}

class PteGranuleTest : public ::testing::TestWithParam<ptediff_granule> {
 protected:
  ptediff_geometry geo_ = ptediff_geometry_of(GetParam());
};

TEST_P(PteGranuleTest, BasicIdentitiesOverEveryProtection) {
  const uint64_t max = ptediff_max_pfn(&geo_);
  const uint64_t pfns[] = {0, 1, kPfn, max / 2 + 1, max};
  for (uint32_t subset = 0; subset < (1u << kNumProtBits); ++subset) {
    const pte_t prot = ProtOfSubset(subset);
    for (const uint64_t pfn : pfns) {
      const pte_t p = pfn_pte(&geo_, pfn, prot);
      ASSERT_EQ(pte_pfn(&geo_, p), pfn);
      ASSERT_EQ(pte_pgprot(&geo_, p), prot);
      ExpectBasicIdentities(&geo_, p);
      if (HasFailure()) return;  // one failing pte is enough to read
    }
  }
}

TEST_P(PteGranuleTest, PfnRoundTripAtTheEdges) {
  const uint64_t max = ptediff_max_pfn(&geo_);
  EXPECT_EQ(max, (1ULL << (geo_.pa_bits - geo_.page_shift)) - 1);
  for (const uint64_t pfn :
       {uint64_t{0}, uint64_t{1}, max - 1, max, (uint64_t{1} << 32) - 1, uint64_t{1} << 32}) {
    if (pfn > max) continue;
    const pte_t p = pfn_pte(&geo_, pfn, kRwClean);
    EXPECT_EQ(pte_pfn(&geo_, p), pfn) << std::hex << pfn;
    EXPECT_EQ(ptediff_pte_to_phys(&geo_, p), pfn << geo_.page_shift);
    EXPECT_EQ(p & ~pte_addr_mask(&geo_), kRwClean);
  }
  // A pfn beyond the PA size never spills into the attribute bits.
  EXPECT_EQ(pfn_pte(&geo_, ~0ULL, 0) & ~pte_addr_mask(&geo_), 0u);
}

TEST_P(PteGranuleTest, NoneAndPresent) {
  EXPECT_TRUE(pte_none(0));
  EXPECT_FALSE(pte_present(0));
  EXPECT_FALSE(pte_none(PTE_PRESENT_INVALID));
  EXPECT_TRUE(pte_present(PTE_PRESENT_INVALID));  // PROT_NONE: present but invalid
  EXPECT_FALSE(pte_valid(PTE_PRESENT_INVALID));
  EXPECT_TRUE(pte_present(pfn_pte(&geo_, kPfn, kRoYoung)));
}

INSTANTIATE_TEST_SUITE_P(Granules, PteGranuleTest, ::testing::ValuesIn(kAllGranules), GranuleName);

// The geometry table of docs/DESIGN.md §2.2.
struct GeometryCase {
  ptediff_granule g;
  uint64_t page, cont_ptes, ptrs, pmd, cont_pmds, cont_size, pa_bits, addr_mask, max_pfn;
};
constexpr GeometryCase kGeometry[] = {
    {PTEDIFF_GRANULE_4K, 4096, 16, 512, 2ULL << 20, 16, 64 << 10, 48, 0x0000fffffffff000ULL,
     (1ULL << 36) - 1},
    {PTEDIFF_GRANULE_16K, 16384, 128, 2048, 32ULL << 20, 32, 2 << 20, 48, 0x0000ffffffffc000ULL,
     (1ULL << 34) - 1},
    {PTEDIFF_GRANULE_64K, 65536, 32, 8192, 512ULL << 20, 32, 2 << 20, 52,
     0x0000fffffffff000ULL /* [47:16] and [15:12] */, (1ULL << 36) - 1},
};

TEST(PteGeometry, MatchesTheDesignTable) {
  for (const GeometryCase& c : kGeometry) {
    const ptediff_geometry g = ptediff_geometry_of(c.g);
    SCOPED_TRACE(c.page);
    EXPECT_EQ(g.granule, c.g);
    EXPECT_EQ(ptediff_page_size(&g), c.page);
    EXPECT_EQ(1ULL << g.page_shift, c.page);
    EXPECT_EQ(g.cont_ptes, c.cont_ptes);
    EXPECT_EQ(g.ptrs_per_pte, c.ptrs);
    EXPECT_EQ(ptediff_pmd_size(&g), c.pmd);
    EXPECT_EQ(ptediff_pmd_size(&g), c.page * c.ptrs);  // one table maps one PMD
    EXPECT_EQ(g.cont_pmds, c.cont_pmds);
    EXPECT_EQ(ptediff_cont_pte_size(&g), c.cont_size);
    EXPECT_EQ(g.pa_bits, c.pa_bits);
    EXPECT_EQ(pte_addr_mask(&g), c.addr_mask);
    EXPECT_EQ(ptediff_max_pfn(&g), c.max_pfn);
  }
  // An out-of-range granule is treated as 4K. (3 is the largest value a C++
  // program may store in this enum: its range is that of 2 bits.)
  EXPECT_EQ(ptediff_geometry_of(static_cast<ptediff_granule>(3)).page_shift, 12u);
}

// Concrete encodings, computed by hand.
struct EncodingCase {
  ptediff_granule g;
  uint64_t pa;
  pte_t oa_field;  // the output-address bits of the descriptor
};
constexpr EncodingCase kEncodings[] = {
    {PTEDIFF_GRANULE_4K, 0x0000123456789000ULL, 0x0000123456789000ULL},
    {PTEDIFF_GRANULE_4K, 0x0000fffffffff000ULL, 0x0000fffffffff000ULL},
    {PTEDIFF_GRANULE_16K, 0x0000ffffffffc000ULL, 0x0000ffffffffc000ULL},
    {PTEDIFF_GRANULE_64K, 0x0000123456780000ULL, 0x0000123456780000ULL},
    {PTEDIFF_GRANULE_64K, 0x0001000000000000ULL, 0x0000000000001000ULL},  // PA[48] -> bit 12
    {PTEDIFF_GRANULE_64K, 0x0008123456780000ULL, 0x0000123456788000ULL},  // PA[51] -> bit 15
    {PTEDIFF_GRANULE_64K, 0x000fffffffff0000ULL, 0x0000fffffffff000ULL},  // the largest PA
};

TEST(PteEncoding, HandComputedOutputAddresses) {
  for (const EncodingCase& c : kEncodings) {
    const ptediff_geometry g = ptediff_geometry_of(c.g);
    const uint64_t pfn = c.pa >> g.page_shift;
    SCOPED_TRACE(::testing::Message() << std::hex << "pa " << c.pa);
    EXPECT_EQ(ptediff_phys_to_pte(&g, c.pa), c.oa_field);
    EXPECT_EQ(ptediff_pte_to_phys(&g, c.oa_field), c.pa);
    EXPECT_EQ(pfn_pte(&g, pfn, kRwClean), c.oa_field | kRwClean);
    EXPECT_EQ(pte_pfn(&g, c.oa_field | kRwHwDirty | PTE_CONT), pfn);
  }
}

TEST(PteEncoding, SixtyFourKPfnsAroundPa48AreDistinct) {
  // Raw addition of PAGE_SIZE to an entry would carry into bit 48; pfn_pte of
  // the next pfn carries into bit 12 instead.
  const ptediff_geometry g = ptediff_geometry_of(PTEDIFF_GRANULE_64K);
  const pte_t last_low = pfn_pte(&g, (1ULL << 32) - 1, 0);
  const pte_t first_high = pfn_pte(&g, 1ULL << 32, 0);
  EXPECT_EQ(last_low, 0x0000ffffffff0000ULL);
  EXPECT_EQ(first_high, 0x0000000000001000ULL);
  EXPECT_NE(last_low + ptediff_page_size(&g), first_high);
}

// rapidcheck properties over arbitrary values and every granule.
rc::Gen<ptediff_granule> GenGranule() {
  return rc::gen::element(PTEDIFF_GRANULE_4K, PTEDIFF_GRANULE_16K, PTEDIFF_GRANULE_64K);
}

RC_GTEST_PROP(PteProps, BasicIdentitiesHoldForArbitraryValues, (uint64_t raw)) {
  const ptediff_geometry g = ptediff_geometry_of(*GenGranule());
  RC_ASSERT(pte_young(pte_mkyoung(pte_mkold(raw))));
  RC_ASSERT(!pte_young(pte_mkold(pte_mkyoung(raw))));
  RC_ASSERT(pte_dirty(pte_mkdirty(pte_mkclean(raw))));
  RC_ASSERT(!pte_dirty(pte_mkclean(pte_mkdirty(raw))));
  RC_ASSERT(pte_write(pte_mkwrite(pte_wrprotect(raw))));
  RC_ASSERT(!pte_write(pte_wrprotect(pte_mkwrite(raw))));
  RC_ASSERT(!pte_dirty(pte_wrprotect(pte_mkclean(raw))));
  RC_ASSERT(pte_dirty(pte_wrprotect(pte_mkdirty(raw))));
  RC_ASSERT(pte_dirty(pte_wrprotect(raw)) == pte_dirty(raw));
  RC_ASSERT(pfn_pte(&g, pte_pfn(&g, raw), pte_pgprot(&g, raw)) == raw);
}

RC_GTEST_PROP(PteProps, PfnRoundTripsUpToMaxPfn, (pte_t prot)) {
  const ptediff_geometry g = ptediff_geometry_of(*GenGranule());
  const uint64_t pfn = *rc::gen::inRange<uint64_t>(0, ptediff_max_pfn(&g) + 1);
  const pte_t p = pfn_pte(&g, pfn, prot);
  RC_ASSERT(pte_pfn(&g, p) == pfn);
  RC_ASSERT(pte_pgprot(&g, p) == (prot & ~pte_addr_mask(&g)));
  // Consecutive pfns give distinct entries whose pfns differ by one.
  if (pfn < ptediff_max_pfn(&g)) RC_ASSERT(pte_pfn(&g, pfn_pte(&g, pfn + 1, prot)) == pfn + 1);
}

RC_GTEST_PROP(PteProps, AccessDirtyHelpersCommuteInTheComparedState, (pte_t raw)) {
  // pte-state (docs/DESIGN.md §8.4.1) is blind to any sequence of young/dirty changes.
  const std::vector<int> ops = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 4));
  pte_t p = raw;
  for (const int op : ops) {
    p = op == 0   ? pte_mkold(p)
        : op == 1 ? pte_mkyoung(p)
        : op == 2 ? pte_mkclean(p)
                  : pte_mkdirty(p);
  }
  RC_ASSERT(pte_mkold_clean(p) == pte_mkold_clean(raw));
}

}  // namespace
}  // namespace ptediff
