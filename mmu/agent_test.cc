// ptediff: tests of the hardware agent: accesses with and without FEAT_HAFDBS
// (access flag and dirty state updates, the faults), updates landing on the
// entry `pick` selects inside a contiguous block, TLB hits, and speculative
// tlb_fill walks (whole-block entries, AF-clear entries never cached).
#include <gtest/gtest.h>

#include <vector>

#include "mmu/machine.h"
#include "testing/fixture.h"

namespace ptediff {
namespace {

class AgentFixture : public MachineFixture {
 protected:
  using MachineFixture::MachineFixture;
  AccessResult Access(uint64_t index, AccessKind kind, uint32_t pick = 0) {
    return m_.access(kUserMm, va(index), kind, pick);
  }
  std::vector<LogRec> HwUpdates() const {
    std::vector<LogRec> out;
    for (const LogRec& r : m_.log()) {
      if (r.prim == Prim::kHw) out.push_back(r);
    }
    return out;
  }
  // Expects that the hardware updated no descriptor in this op.
  void ExpectNoHwUpdate() { EXPECT_TRUE(HwUpdates().empty()); }
};

class AgentTest : public ::testing::TestWithParam<ptediff_granule>, public AgentFixture {
 protected:
  AgentTest() : AgentFixture(GetParam(), PTEDIFF_FEAT_HAFDBS) {}
};

TEST_P(AgentTest, ReadSetsTheAccessFlag) {
  const pte_t old = entry(kPfn, kRwClean & ~PTE_AF);
  poke(va(4), old);
  m_.begin_op();
  EXPECT_EQ(Access(4, AccessKind::kRead), AccessResult::kOk);
  EXPECT_EQ(peek(va(4)), entry(kPfn, kRwClean));
  const std::vector<LogRec> hw = HwUpdates();
  ASSERT_EQ(hw.size(), 1u);
  EXPECT_EQ(hw[0].addr, va(4));
  EXPECT_EQ(hw[0].old, old);
  EXPECT_EQ(hw[0].val, entry(kPfn, kRwClean));
}

TEST_P(AgentTest, WriteToWritableCleanMakesItHardwareDirty) {
  poke(va(4), entry(kPfn, kRwClean & ~PTE_AF));
  m_.begin_op();
  EXPECT_EQ(Access(4, AccessKind::kWrite), AccessResult::kOk);
  EXPECT_EQ(peek(va(4)), entry(kPfn, kRwHwDirty));  // AF set, RDONLY cleared
  EXPECT_TRUE(pte_dirty(peek(va(4))));
  EXPECT_EQ(HwUpdates().size(), 1u);
}

TEST_P(AgentTest, NoUpdateWhenAlreadyYoungAndDirty) {
  poke(va(4), entry(kPfn, kRwHwDirty));
  m_.begin_op();
  EXPECT_EQ(Access(4, AccessKind::kWrite), AccessResult::kOk);
  EXPECT_EQ(peek(va(4)), entry(kPfn, kRwHwDirty));
  ExpectNoHwUpdate();
}

TEST_P(AgentTest, Faults) {
  poke(va(1), entry(kPfn, kRoYoung));                                 // not writable
  poke(va(2), entry(kPfn, (kRoYoung & ~PTE_VALID) | PTE_PRESENT_INVALID));  // PROT_NONE
  poke(va(3), entry(kPfn, kRoYoung & ~PTE_UXN));                      // executable
  m_.begin_op();
  EXPECT_EQ(Access(1, AccessKind::kWrite), AccessResult::kPermissionFault);
  EXPECT_EQ(Access(1, AccessKind::kExec), AccessResult::kPermissionFault);   // UXN
  EXPECT_EQ(Access(0, AccessKind::kRead), AccessResult::kTranslationFault);  // none
  EXPECT_EQ(Access(2, AccessKind::kRead), AccessResult::kTranslationFault);
  EXPECT_EQ(m_.access(kUserMm, m_.window_limit(), AccessKind::kRead, 0),
            AccessResult::kTranslationFault);
  EXPECT_EQ(m_.access(kNumMms, 0, AccessKind::kRead, 0), AccessResult::kTranslationFault);
  EXPECT_EQ(Access(3, AccessKind::kExec), AccessResult::kOk);
  EXPECT_EQ(peek(va(1)), entry(kPfn, kRoYoung));
  ExpectNoHwUpdate();
}

TEST_P(AgentTest, ContBlockUpdateLandsOnThePickedEntry) {
  poke_block(block_va(1), kPfn, kRwClean & ~PTE_AF);
  const uint64_t b = cont();  // first entry of block 1
  m_.begin_op();
  EXPECT_EQ(Access(b + 3, AccessKind::kRead, 7), AccessResult::kOk);
  EXPECT_EQ(Access(b + 1, AccessKind::kWrite, cont() + 5), AccessResult::kOk);  // pick wraps
  for (uint64_t i = 0; i < cont(); ++i) {
    pte_t want = kRwClean & ~PTE_AF;
    if (i == 7) want = kRwClean;
    if (i == 5) want = kRwHwDirty;
    EXPECT_EQ(peek(va(b + i)), entry(kPfn + i, want | PTE_CONT)) << "entry " << i;
  }
  const std::vector<LogRec> hw = HwUpdates();
  ASSERT_EQ(hw.size(), 2u);
  EXPECT_EQ(hw[0].addr, va(b + 7));
  EXPECT_EQ(hw[1].addr, va(b + 5));
  // The walk's own translation is cached as young (and dirty after the write).
  ASSERT_NE(m_.tlb().lookup(kUserMm, va(b + 1)), nullptr);
  EXPECT_FALSE(pte_rdonly(m_.tlb().lookup(kUserMm, va(b + 1))->pte));
}

TEST_P(AgentTest, SecondAccessIsServedFromTheTlb) {
  poke(va(4), entry(kPfn, kRwClean & ~PTE_AF));
  EXPECT_EQ(Access(4, AccessKind::kRead), AccessResult::kOk);
  EXPECT_EQ(Access(4, AccessKind::kRead), AccessResult::kOkTlb);
  EXPECT_EQ(Access(4, AccessKind::kWrite), AccessResult::kOk);  // cached entry is clean
  EXPECT_EQ(Access(4, AccessKind::kWrite), AccessResult::kOkTlb);
  // Unsynced invalidation: still served from the TLB until the DSB.
  abi()->flush_tlb_range(abi(), mm(), va(4), va(5), page(), true, 3, false);
  EXPECT_EQ(Access(4, AccessKind::kRead), AccessResult::kOkTlb);
  abi()->dsb(abi());
  EXPECT_EQ(Access(4, AccessKind::kRead), AccessResult::kOk);
  // A stale entry keeps translating a cleared pte until it is flushed.
  poke(va(4), 0);
  EXPECT_EQ(Access(4, AccessKind::kRead), AccessResult::kOkTlb);
  abi()->flush_tlb_range(abi(), mm(), va(4), va(5), page(), true, 3, true);
  EXPECT_EQ(Access(4, AccessKind::kRead), AccessResult::kTranslationFault);
}

TEST_P(AgentTest, PageStrideFlushOfSiblingMissesPageEntryButHitsBlockEntry) {
  poke_block(block_va(0), kPfn, kRwClean);
  EXPECT_EQ(Access(3, AccessKind::kRead), AccessResult::kOk);  // caches page 3 only
  abi()->flush_tlb_range(abi(), mm(), va(5), va(6), page(), true, 3, true);
  EXPECT_EQ(Access(3, AccessKind::kRead), AccessResult::kOkTlb);
  m_.tlb().clear();
  ASSERT_TRUE(m_.tlb_fill(kUserMm, va(3), /*block=*/true, 0));
  abi()->flush_tlb_range(abi(), mm(), va(5), va(6), page(), true, 3, true);
  EXPECT_EQ(m_.tlb().lookup(kUserMm, va(3)), nullptr);
}

TEST_P(AgentTest, TlbFillCachesWholeBlockOnlyForValidContWithBlock) {
  poke_block(block_va(1), kPfn, kRwClean);
  poke(va(cont() + 4), entry(kPfn + 4, kRwHwDirty | PTE_CONT));  // the entry `pick` reads
  poke(va(2 * cont() + 1), entry(kPfn + 99, kRoYoung));          // not CONT
  ASSERT_TRUE(m_.tlb_fill(kUserMm, va(cont() + 9), /*block=*/true, /*pick=*/4));
  ASSERT_EQ(m_.tlb().entries().size(), 1u);
  const TlbEntry& e = m_.tlb().entries()[0];
  EXPECT_EQ(e.va, va(cont()));
  EXPECT_EQ(e.size, block());
  EXPECT_EQ(e.level, kPteLevel);
  EXPECT_EQ(e.pte, entry(kPfn, kRwHwDirty | PTE_CONT));  // rebased to the first page
  EXPECT_EQ(m_.tlb().lookup(kUserMm, va(2 * cont() - 1)), &e);
  m_.tlb().clear();
  ASSERT_TRUE(m_.tlb_fill(kUserMm, va(cont() + 9), /*block=*/false, 4));
  EXPECT_EQ(m_.tlb().entries()[0].size, page());
  EXPECT_EQ(m_.tlb().entries()[0].pte, entry(kPfn + 9, kRwClean | PTE_CONT));
  ASSERT_TRUE(m_.tlb_fill(kUserMm, va(2 * cont() + 1), /*block=*/true, 0));
  EXPECT_EQ(m_.tlb().lookup(kUserMm, va(2 * cont() + 1))->size, page());
}

TEST_P(AgentTest, TlbFillNeverCachesOldOrInvalidEntries) {
  poke(va(1), entry(kPfn, kRwClean & ~PTE_AF));
  poke(va(2), entry(kPfn, (kRoYoung & ~PTE_VALID) | PTE_PRESENT_INVALID));
  poke_block(block_va(1), kPfn, kRwClean);
  poke(va(cont() + 6), entry(kPfn + 6, (kRwClean & ~PTE_AF) | PTE_CONT));
  EXPECT_FALSE(m_.tlb_fill(kUserMm, va(1), false, 0));
  EXPECT_FALSE(m_.tlb_fill(kUserMm, va(2), false, 0));
  EXPECT_FALSE(m_.tlb_fill(kUserMm, va(0), true, 0));
  EXPECT_FALSE(m_.tlb_fill(kUserMm, va(cont()), true, 6));  // the picked entry is old
  EXPECT_FALSE(m_.tlb_fill(kUserMm, m_.window_limit(), false, 0));
  EXPECT_FALSE(m_.tlb_fill(kNumMms, 0, false, 0));
  EXPECT_TRUE(m_.tlb().entries().empty());
  EXPECT_TRUE(m_.tlb_fill(kUserMm, va(cont()), true, 5));
}

INSTANTIATE_TEST_SUITE_P(Granules, AgentTest, ::testing::ValuesIn(kAllGranules), GranuleName);

class AgentNoHafdbsTest : public ::testing::TestWithParam<ptediff_granule>, public AgentFixture {
 protected:
  AgentNoHafdbsTest() : AgentFixture(GetParam(), /*features=*/0) {}
};

TEST_P(AgentNoHafdbsTest, SoftwareManagedAccessAndDirty) {
  poke(va(1), entry(kPfn, kRwClean & ~PTE_AF));
  poke(va(2), entry(kPfn, kRwClean));
  poke(va(3), entry(kPfn, kRwHwDirty));
  m_.begin_op();
  EXPECT_EQ(Access(1, AccessKind::kRead), AccessResult::kAccessFlagFault);
  EXPECT_EQ(Access(2, AccessKind::kWrite), AccessResult::kPermissionFault);  // RDONLY set
  EXPECT_EQ(Access(2, AccessKind::kRead), AccessResult::kOk);
  EXPECT_EQ(Access(3, AccessKind::kWrite), AccessResult::kOk);
  EXPECT_EQ(peek(va(1)), entry(kPfn, kRwClean & ~PTE_AF));
  EXPECT_EQ(peek(va(2)), entry(kPfn, kRwClean));
  ExpectNoHwUpdate();
}

TEST_P(AgentNoHafdbsTest, ContBlockIsNeverUpdatedByHardware) {
  // Accessed entry young, picked entry old: without FEAT_HAFDBS the hardware
  // never writes a descriptor (using the old one would raise an access-flag
  // fault instead).
  poke_block(block_va(0), kPfn, kRoYoung & ~PTE_AF);
  poke(va(2), entry(kPfn + 2, kRoYoung | PTE_CONT));
  m_.begin_op();
  const AccessResult r = Access(2, AccessKind::kRead, /*pick=*/9);
  ExpectNoHwUpdate();
  EXPECT_EQ(r, AccessResult::kAccessFlagFault);  // the picked descriptor is old
  EXPECT_EQ(peek(va(9)), entry(kPfn + 9, (kRoYoung & ~PTE_AF) | PTE_CONT));
}

INSTANTIATE_TEST_SUITE_P(Granules, AgentNoHafdbsTest, ::testing::ValuesIn(kAllGranules),
                         GranuleName);

}  // namespace
}  // namespace ptediff
