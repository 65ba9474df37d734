// ptediff: the machine's upper levels (machine v2, docs/DESIGN.md §2.3, §2.5):
// PMD and PUD entries through the level primitives, leaves at every level in
// walks, hardware access/dirty updates and the TLB, level hints that only
// invalidate entries of their level, and PTE tables made unreachable (and
// fresh again) by the entry above them.
#include <gtest/gtest.h>

#include <climits>

#include "mmu/locks.h"
#include "mmu/machine.h"
#include "testing/fixture.h"

namespace ptediff {
namespace {

// A block leaf at an upper level mapping `pfn` (AF clear unless `young`).
pte_t block_leaf(const ptediff_geometry& g, uint64_t pfn, bool young) {
  const pte_t prot = (kRwClean & ~PTE_TYPE_MASK & ~PTE_AF) | PTE_TYPE_BLOCK;
  return pfn_pte(&g, pfn, young ? prot | PTE_AF : prot);
}

class LevelTest : public ::testing::TestWithParam<ptediff_granule> {
 protected:
  // A window of `tables` PTE tables (one contiguous PMD block of them by default).
  explicit LevelTest(uint32_t tables = 0)
      : geo_(ptediff_geometry_of(GetParam())),
        folios_(geo_),
        m_(geo_, PTEDIFF_FEAT_HAFDBS, &folios_, tables != 0 ? tables : geo_.cont_pmds) {}
  const ptediff_machine* abi() { return m_.abi(); }
  ptediff_mm* mm() { return m_.mm(kUserMm); }
  uint64_t pmd() const { return ptediff_pmd_size(&geo_); }
  uint64_t pages_per_pmd() const { return pmd() >> geo_.page_shift; }

  ptediff_geometry geo_;
  FolioMap folios_;
  Machine m_;
};
INSTANTIATE_TEST_SUITE_P(Granules, LevelTest, ::testing::ValuesIn(kAllGranules), GranuleName);

TEST_P(LevelTest, PmdEntriesStartAsTablesAndLeavesHideThePteTable) {
  ASSERT_EQ(abi()->machine_version, static_cast<uint32_t>(PTEDIFF_MACHINE_VERSION));
  const uint64_t va = 2 * pmd();
  EXPECT_EQ(abi()->read_level(abi(), mm(), va, PTEDIFF_LEVEL_PMD), kTableDescriptor);
  m_.poke(kUserMm, va + 0x0, pfn_pte(&geo_, 0x1234, kRwClean));
  const pte_t leaf = block_leaf(geo_, 4 * pages_per_pmd(), true);
  m_.begin_op();
  abi()->write_level(abi(), mm(), va, PTEDIFF_LEVEL_PMD, leaf);
  EXPECT_EQ(m_.peek_level(kUserMm, va + pmd() / 2, PTEDIFF_LEVEL_PMD), leaf);
  ASSERT_EQ(m_.log().size(), 1u);
  EXPECT_EQ(m_.log()[0].level, PTEDIFF_LEVEL_PMD);
  EXPECT_TRUE(m_.touched_blocks().empty());  // upper writes are only in the log
  // The PTE table below is unreachable: PTE primitives there are refused.
  EXPECT_EQ(abi()->read(abi(), mm(), va), 0u);
  ASSERT_EQ(m_.violations().size(), 1u);
  EXPECT_NE(m_.violations()[0].find("no PTE table"), std::string::npos);
  // Other tables are untouched.
  m_.begin_op();
  abi()->write(abi(), mm(), va + pmd(), pfn_pte(&geo_, 0x99, kRwClean));
  EXPECT_TRUE(m_.violations().empty());
  // A table descriptor again: a fresh, zeroed table.
  abi()->write_level(abi(), mm(), va, PTEDIFF_LEVEL_PMD, kTableDescriptor);
  EXPECT_EQ(abi()->read(abi(), mm(), va), 0u);
  EXPECT_TRUE(m_.violations().empty());
}

TEST_P(LevelTest, AnAccessThroughAPmdLeafUpdatesItAndCachesTheBlock) {
  const uint64_t va = pmd();
  abi()->write_level(abi(), mm(), va, PTEDIFF_LEVEL_PMD, block_leaf(geo_, pages_per_pmd(), false));
  m_.begin_op();
  const uint64_t at = va + 3 * ptediff_page_size(&geo_);
  EXPECT_EQ(m_.access(kUserMm, at, AccessKind::kWrite, 0), AccessResult::kOk);
  const pte_t now = m_.peek_level(kUserMm, va, PTEDIFF_LEVEL_PMD);
  EXPECT_TRUE(pte_young(now));
  EXPECT_TRUE(pte_hw_dirty(now));
  ASSERT_EQ(m_.log().size(), 1u);
  EXPECT_EQ(m_.log()[0].prim, Prim::kHw);
  EXPECT_EQ(m_.log()[0].level, PTEDIFF_LEVEL_PMD);
  EXPECT_EQ(m_.log()[0].addr, va);
  const TlbEntry* t = m_.tlb().lookup(kUserMm, va + pmd() - ptediff_page_size(&geo_));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->level, PTEDIFF_LEVEL_PMD);
  EXPECT_EQ(t->va, va);
  EXPECT_EQ(t->size, pmd());
  EXPECT_EQ(m_.access(kUserMm, at, AccessKind::kRead, 0), AccessResult::kOkTlb);
}

// eed6bfa8b282's shape: a TLBI with a level-3 hint over a PMD block leaves
// the level-2 entry cached; the level-2 hint (or none) removes it.
TEST_P(LevelTest, LevelHintsOnlyInvalidateEntriesOfTheirLevel) {
  const uint64_t va = pmd();
  abi()->write_level(abi(), mm(), va, PTEDIFF_LEVEL_PMD, block_leaf(geo_, pages_per_pmd(), true));
  ASSERT_TRUE(m_.tlb_fill(kUserMm, va, false, 0));
  abi()->xchg_level(abi(), mm(), va, PTEDIFF_LEVEL_PMD, 0);
  const uint64_t page = ptediff_page_size(&geo_);
  abi()->flush_tlb_range(abi(), mm(), va, va + pmd(), page, true, PTEDIFF_LEVEL_PTE, true);
  EXPECT_NE(m_.tlb().lookup(kUserMm, va), nullptr) << "a level-3 hint hit a level-2 entry";
  EXPECT_EQ(m_.access(kUserMm, va, AccessKind::kRead, 0), AccessResult::kOkTlb);
  abi()->flush_tlb_range(abi(), mm(), va, va + pmd(), pmd(), true, PTEDIFF_LEVEL_PMD, true);
  EXPECT_EQ(m_.tlb().lookup(kUserMm, va), nullptr);
  EXPECT_EQ(m_.access(kUserMm, va, AccessKind::kRead, 0), AccessResult::kTranslationFault);
}

// Hint 0 is "any level", except under LPA2, where it names level 0 (nothing
// is cached there); TLBI_TTL_UNKNOWN (any value outside 0..3) is any level.
TEST_P(LevelTest, HintZeroIsLevelZeroUnderLpa2) {
  const uint64_t va = pmd();
  auto cached_after = [&](uint32_t features, int hint) {
    m_.reset(features);
    abi()->write_level(abi(), mm(), va, PTEDIFF_LEVEL_PMD, block_leaf(geo_, pages_per_pmd(), true));
    EXPECT_TRUE(m_.tlb_fill(kUserMm, va, false, 0));
    abi()->flush_tlb_range(abi(), mm(), va, va + pmd(), pmd(), true, hint, true);
    return m_.tlb().lookup(kUserMm, va) != nullptr;
  };
  EXPECT_FALSE(cached_after(PTEDIFF_FEAT_HAFDBS, 0));
  EXPECT_TRUE(cached_after(PTEDIFF_FEAT_HAFDBS | PTEDIFF_FEAT_LPA2, 0));
  EXPECT_FALSE(cached_after(PTEDIFF_FEAT_HAFDBS | PTEDIFF_FEAT_LPA2, INT_MAX));
  EXPECT_EQ(m_.log().back().tlb_level, kTlbAnyLevel) << "TLBI_TTL_UNKNOWN logged as any level";
}

// The lock handles of machine v2 name the table locks core-mm takes; a lock
// derived from a temporary mapping of a PTE table names no table's lock.
TEST_P(LevelTest, LockHandlesResolveToTableLocks) {
  const uint64_t va = pmd() + 5 * ptediff_page_size(&geo_);
  const LockId pte =
      resolve_lock(geo_, abi()->ptlock_ptr(abi(), abi()->ptep_of(abi(), mm(), va, 3)));
  EXPECT_EQ(pte, lock_covering(geo_, kUserMm, va, kPteLevel));
  const LockId pmdl =
      resolve_lock(geo_, abi()->ptlock_ptr(abi(), abi()->ptep_of(abi(), mm(), va, 2)));
  EXPECT_EQ(pmdl, lock_covering(geo_, kUserMm, va, kPmdLevel));
  EXPECT_EQ(resolve_lock(geo_, abi()->mm_lock(abi(), mm())),
            lock_covering(geo_, kUserMm, va, kPudLevel));
  const LockId kmap =
      resolve_lock(geo_, abi()->ptlock_ptr(abi(), abi()->pte_offset_map(abi(), mm(), va)));
  EXPECT_EQ(kmap.kind, LockKind::kPage);
  EXPECT_FALSE(kmap == pte);
}

// CONT_PMD: CONT_PMDS leaves with CONT; a block fill caches the whole range,
// and the hardware update lands on the entry `pick` selects.
TEST_P(LevelTest, ContiguousPmdBlocks) {
  const uint32_t n = geo_.cont_pmds;
  const uint64_t pfn0 = n * pages_per_pmd();
  for (uint32_t i = 0; i < n; ++i) {
    abi()->write_level(abi(), mm(), i * pmd(), PTEDIFF_LEVEL_PMD,
                       block_leaf(geo_, pfn0 + i * pages_per_pmd(), false) | PTE_CONT);
  }
  m_.begin_op();
  EXPECT_EQ(m_.access(kUserMm, 2 * pmd(), AccessKind::kRead, 5), AccessResult::kOk);
  EXPECT_TRUE(pte_young(m_.peek_level(kUserMm, 5 * pmd(), PTEDIFF_LEVEL_PMD)));
  EXPECT_FALSE(pte_young(m_.peek_level(kUserMm, 2 * pmd(), PTEDIFF_LEVEL_PMD)));
  EXPECT_FALSE(m_.tlb_fill(kUserMm, 3 * pmd(), true, 5));  // never cached with AF clear
  ASSERT_TRUE(m_.tlb_fill(kUserMm, 5 * pmd(), true, 5));
  const TlbEntry* t = m_.tlb().lookup(kUserMm, (n - 1) * pmd());
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->size, n * pmd());
  EXPECT_EQ(pte_pfn(&geo_, t->pte), pfn0);
}

TEST_P(LevelTest, APudTheWindowDoesNotCoverWholeIsRefused) {
  m_.begin_op();
  abi()->write_level(abi(), mm(), 0, PTEDIFF_LEVEL_PUD, block_leaf(geo_, 0, true));
  EXPECT_EQ(m_.violations().size(), 1u);
  EXPECT_EQ(m_.peek_level(kUserMm, 0, PTEDIFF_LEVEL_PUD), kTableDescriptor);
  EXPECT_EQ(m_.access(kUserMm, 0, AccessKind::kRead, 0), AccessResult::kTranslationFault);
}

// A 4K window of one whole PUD (512 PTE tables): a PUD leaf maps 1G.
TEST(PudLevel, APudLeafMapsTheWholePud) {
  const ptediff_geometry g = ptediff_geometry_of(PTEDIFF_GRANULE_4K);
  FolioMap folios(g);
  Machine m(g, PTEDIFF_FEAT_HAFDBS, &folios, 512);
  ptediff_machine* abi = m.abi();
  const uint64_t pud = 1ULL << 30;
  abi->write_level(abi, m.mm(kUserMm), 0, PTEDIFF_LEVEL_PUD, block_leaf(g, 0x40000, true));
  EXPECT_TRUE(m.violations().empty());
  EXPECT_EQ(m.access(kUserMm, pud - 0x1000, AccessKind::kRead, 0), AccessResult::kOk);
  const TlbEntry* t = m.tlb().lookup(kUserMm, 0x1000);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->level, PTEDIFF_LEVEL_PUD);
  EXPECT_EQ(t->size, pud);
  // Every PMD below is unreachable; a table again gives fresh PMDs.
  m.begin_op();
  abi->read_level(abi, m.mm(kUserMm), 5 << 21, PTEDIFF_LEVEL_PMD);
  abi->read(abi, m.mm(kUserMm), 5 << 21);
  EXPECT_EQ(m.violations().size(), 1u);  // only the PTE read: the PMD entry still exists
  abi->write_level(abi, m.mm(kUserMm), 0, PTEDIFF_LEVEL_PUD, kTableDescriptor);
  m.begin_op();
  abi->read(abi, m.mm(kUserMm), 5 << 21);
  EXPECT_TRUE(m.violations().empty());
}

}  // namespace
}  // namespace ptediff
