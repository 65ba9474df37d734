// ptediff conformance: scenarios of the contpte core (docs/DESIGN.md §8.1 and
// §8.5.1): set_ptes, CONT visibility, fold and unfold, block-wide young and access
// flags, kernel mms, pte_batch_hint and ptep_get read amplification. Each test
// asserts R/O agreement and O's exact resulting state.
#include <gtest/gtest.h>

#include "subjects/contpte/scenario_test_util.h"
#include "subjects/contpte/text.h"
#include "subjects/contpte/optimized.h"

namespace ptediff {
namespace {

constexpr uint64_t kBlk = 0x10000;  // the 4K block every scenario works on
constexpr uint64_t kPage = 0x1000;

TEST(SetPtes, BatchesOnlyOverNoneEntries) {
  // The repair step enforces the spec "nr > 1 only over none entries": a
  // batch stops at the first present entry and a batch starting on one moves on.
  const Scenario s(k4kHafdbs, R"(
fault mm=0 va=0x14000 order=0 write=1 place=low
folio_alloc order=4 place=low
set_ptes mm=0 va=0x10000 nr=16 folio=1 idx=0 prot=a|w|ro
set_ptes mm=0 va=0x14000 nr=4 folio=1 idx=5 prot=a|w|ro
)");
  ASSERT_TRUE(Agrees(s));
  EXPECT_EQ(s.effective_op(2).get(Field::kNr), 4u);
  EXPECT_EQ(s.effective_op(3).get(Field::kVa), 0x15000u);
  EXPECT_EQ(s.effective_op(3).get(Field::kNr), 4u);
  EXPECT_FALSE(block_has_cont(s.opt(), 0, kBlk));
  for (uint64_t i = 0; i < 9; ++i) EXPECT_TRUE(pte_valid(s.o(0, kBlk + i * kPage))) << i;
  EXPECT_TRUE(pte_none(s.o(0, kBlk + 9 * kPage)));
}

TEST(SetPtes, ContOnlyForAlignedBlocksOfOneFolio) {
  const Scenario s(k4kHafdbs, R"(
fault mm=0 va=0x10000 order=4 write=1 place=low
folio_alloc order=5 place=low
set_ptes mm=0 va=0x20000 nr=16 folio=1 idx=1 prot=a|ro
fault mm=0 va=0x40000 order=5 write=0 place=low
)");
  ASSERT_TRUE(Agrees(s));
  EXPECT_TRUE(block_folded(s.opt(), 0, 0x10000));
  EXPECT_FALSE(block_has_cont(s.opt(), 0, 0x20000));  // aligned VA, misaligned pfn
  EXPECT_EQ(folded_blocks(s.opt(), 0, 0x40000, 32), 2u);
  EXPECT_EQ(s.result().folds.eligible, 3u);
  EXPECT_EQ(s.result().folds.folded, 3u);
}

TEST(ContBit, VisibleThroughGettersNeverWrittenBySetters) {
  // fork reads the parent with ptep_get (CONT visible) and hands that value
  // to set_ptes in the child: a partial batch must not come out CONT.
  const Scenario s(k4kHafdbs, R"(
fault mm=0 va=0x10000 order=4 write=1 place=low
ptep_get mm=0 va=0x12000
fork va=0x12000 nr=4
fork va=0x1f000 nr=1
)");
  ASSERT_TRUE(Agrees(s));
  const pte_t got = s.step(1).opt_rets.at(0).value;
  EXPECT_TRUE(pte_cont(got));
  EXPECT_FALSE(pte_cont(s.step(1).ref_rets.at(0).value));
  EXPECT_EQ(pte_pfn(&s.geo(), got), pte_pfn(&s.geo(), s.r(0, 0x12000)));
  EXPECT_FALSE(block_has_cont(s.opt(), 1, kBlk));
  for (uint64_t va : {0x12000, 0x13000, 0x14000, 0x15000, 0x1f000}) {
    EXPECT_TRUE(pte_valid(s.o(1, va))) << std::hex << va;
  }
  // The partial wrprotect_ptes unfolded the parent: 2..5 and 15 read-only.
  EXPECT_FALSE(block_has_cont(s.opt(), 0, kBlk));
  EXPECT_TRUE(pte_write(s.o(0, 0x11000)));
  EXPECT_FALSE(pte_write(s.o(0, 0x13000)));
}

TEST(ContBit, SetPtesDropsContFromItsInput) {
  BackendFixture rig(PTEDIFF_GRANULE_4K, ptediff_optimized_backend());
  ASSERT_EQ(rig.init_rc(), 0);
  const ptediff_folio big =
      map_folio(rig, 0, 0x40000, 5, kProtYoung | kProtRdonly);  // folds two blocks
  const pte_t cont = rig.api().ptep_get(0, 0x40000);
  ASSERT_TRUE(pte_cont(cont));
  // The same CONT value written at an aligned VA with a misaligned pfn.
  const pte_t shifted = pfn_pte(&rig.geo(), big.start_pfn + 1, pte_pgprot(&rig.geo(), cont));
  rig.api().set_ptes(0, kBlk, shifted, 16);
  EXPECT_FALSE(block_has_cont(rig.machine(), 0, kBlk));
  EXPECT_EQ(pte_pfn(&rig.geo(), rig.machine().peek(0, kBlk)), big.start_pfn + 1);
}

TEST(Fold, ExactlyWhenTheLastEntryCompletesTheBlock) {
  std::vector<uint32_t> idx(16);
  for (uint32_t i = 0; i < 16; ++i) idx[i] = i;
  const Scenario s(k4kHafdbs,
                   "folio_alloc order=4 place=low\n" + one_by_one(0, kBlk, kPage, 0, idx, "a|ro"));
  ASSERT_TRUE(Agrees(s));
  ASSERT_EQ(s.steps(), 17u);
  for (size_t i = 1; i < 16; ++i) {
    EXPECT_EQ(count_prim(s.step(i).opt_log, Prim::kXchg), 0u) << "entry " << i - 1;
  }
  // The 16th write folds: break-before-make over the whole block.
  const TraceStep& last = s.step(16);
  EXPECT_EQ(count_prim(last.opt_log, Prim::kXchg), 16u);
  EXPECT_TRUE(flushed_synced(last.opt_log, s.geo(), 0, kBlk, kBlk + 16 * kPage));
  EXPECT_TRUE(block_folded(s.opt(), 0, kBlk));
  EXPECT_FALSE(block_has_cont(s.ref(), 0, kBlk));
}

TEST(Fold, NotWhenTheLastEntryByAddressIsWrittenFirst) {
  std::string body = "folio_alloc order=4 place=low\n";
  body += one_by_one(0, kBlk + 15 * kPage, kPage, 0, {15}, "a|ro");
  std::vector<uint32_t> idx(15);
  for (uint32_t i = 0; i < 15; ++i) idx[i] = i;
  body += one_by_one(0, kBlk, kPage, 0, idx, "a|ro");
  const Scenario s(k4kHafdbs, body);
  ASSERT_TRUE(Agrees(s));
  EXPECT_FALSE(block_has_cont(s.opt(), 0, kBlk));
  EXPECT_EQ(s.result().folds.eligible, 1u);
  EXPECT_EQ(s.result().folds.folded, 0u);
}

TEST(Fold, NotWhenOneEntryHasAnotherAttribute) {
  std::vector<uint32_t> idx(15);
  for (uint32_t i = 0; i < 15; ++i) idx[i] = i + 1;
  const Scenario s(k4kHafdbs, "folio_alloc order=4 place=low\n" +
                                  one_by_one(0, kBlk, kPage, 0, {0}, "a|ro|nc") +
                                  one_by_one(0, kBlk + kPage, kPage, 0, idx, "a|ro"));
  ASSERT_TRUE(Agrees(s));
  EXPECT_FALSE(block_has_cont(s.opt(), 0, kBlk));
  EXPECT_EQ(s.result().folds.eligible, 0u);
}

TEST(Unfold, GathersYoungAndDirtyIntoEveryEntry) {
  // A folded, old, writable-clean block; a write through page 3 lands its
  // young/dirty update on entry 5; write-protecting page 8 unfolds the block.
  const Scenario s(k4kHafdbs, R"(
folio_alloc order=4 place=low
set_ptes mm=0 va=0x10000 nr=16 folio=0 idx=0 prot=w|ro
access mm=0 va=0x13000 kind=write pick=5
ptep_set_wrprotect mm=0 va=0x18000
)");
  ASSERT_TRUE(Agrees(s));
  // The hardware update landed on entry 5 in O, on the accessed entry in R.
  ASSERT_EQ(count_prim(s.step(2).opt_log, Prim::kHw), 1u);
  for (const LogRec& r : s.step(2).opt_log) {
    if (r.prim == Prim::kHw) EXPECT_EQ(r.addr, 0x15000u);
  }
  EXPECT_FALSE(block_has_cont(s.opt(), 0, kBlk));
  for (uint64_t i = 0; i < 16; ++i) {
    const pte_t o = s.o(0, kBlk + i * kPage), r = s.r(0, kBlk + i * kPage);
    EXPECT_TRUE(pte_young(o) && pte_dirty(o)) << "O entry " << i;
    EXPECT_EQ(pte_young(r), i == 3) << "R entry " << i;
    EXPECT_EQ(pte_write(o), i != 8) << "O entry " << i;
  }
}

TEST(Young, TestAndClearClearsTheWholeFoldedBlock) {
  const Scenario s(k4kHafdbs, R"(
fault mm=0 va=0x10000 order=4 write=1 place=low
ptep_test_and_clear_young mm=0 va=0x13000
)");
  ASSERT_TRUE(Agrees(s));
  EXPECT_EQ(s.step(1).opt_rets.at(0).value, 1u);
  EXPECT_TRUE(block_folded(s.opt(), 0, kBlk));
  for (uint64_t i = 0; i < 16; ++i) {
    EXPECT_FALSE(pte_young(s.o(0, kBlk + i * kPage))) << "O entry " << i;
    EXPECT_EQ(pte_young(s.r(0, kBlk + i * kPage)), i != 3) << "R entry " << i;
    EXPECT_TRUE(pte_dirty(s.o(0, kBlk + i * kPage))) << "dirty is never cleared, entry " << i;
  }
  EXPECT_TRUE(flushes(s.step(1).opt_log).empty());
}

TEST(Young, ClearFlushYoungInvalidatesTheWholeBlockWithoutSync) {
  const Scenario s(k4kHafdbs, R"(
fault mm=0 va=0x10000 order=4 write=1 place=low
ptep_clear_flush_young mm=0 va=0x13000
)");
  ASSERT_TRUE(Agrees(s));
  const std::vector<LogRec> f = flushes(s.step(1).opt_log);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].addr, kBlk);
  EXPECT_EQ(f[0].end, kBlk + 16 * kPage);
  EXPECT_FALSE(f[0].sync);
  EXPECT_EQ(flushes(s.step(1).ref_log).size(), 1u);
}

TEST(AccessFlags, SameWriteBitAppliesBlockWideAndFlushesTheBlock) {
  const Scenario s(k4kHafdbs, R"(
folio_alloc order=4 place=low
set_ptes mm=0 va=0x10000 nr=16 folio=0 idx=0 prot=a|w|ro
ptep_set_access_flags mm=0 va=0x13000 write=1 dirty=1
)");
  ASSERT_TRUE(Agrees(s));
  EXPECT_TRUE(block_folded(s.opt(), 0, kBlk));
  for (uint64_t i = 0; i < 16; ++i) {
    EXPECT_TRUE(pte_hw_dirty(s.o(0, kBlk + i * kPage))) << "O entry " << i;
    EXPECT_EQ(pte_dirty(s.r(0, kBlk + i * kPage)), i == 3) << "R entry " << i;
  }
  EXPECT_TRUE(flushed_synced(s.step(2).opt_log, s.geo(), 0, kBlk, kBlk + 16 * kPage));
  EXPECT_EQ(count_prim(s.step(2).opt_log, Prim::kXchg), 0u) << "no unfold";
}

TEST(AccessFlags, WriteBitChangeUnfoldsAndUpdatesOneEntry) {
  const Scenario s(k4kHafdbs, R"(
folio_alloc order=4 place=low
set_ptes mm=0 va=0x10000 nr=16 folio=0 idx=0 prot=a|ro
ptep_set_access_flags mm=0 va=0x13000 write=1 dirty=1
)");
  ASSERT_TRUE(Agrees(s));
  EXPECT_FALSE(block_has_cont(s.opt(), 0, kBlk));
  for (uint64_t i = 0; i < 16; ++i) {
    const pte_t o = s.o(0, kBlk + i * kPage);
    EXPECT_EQ(pte_write(o), i == 3) << i;
    EXPECT_EQ(pte_hw_dirty(o), i == 3) << i;
  }
  const TraceStep& st = s.step(2);
  EXPECT_TRUE(flushed_synced(st.opt_log, s.geo(), 0, kBlk, kBlk + 16 * kPage));  // the unfold
  EXPECT_TRUE(flushed_synced(st.opt_log, s.geo(), 0, 0x13000, 0x14000));
}

TEST(KernelMm, NeverFolded) {
  std::vector<uint32_t> idx(16);
  for (uint32_t i = 0; i < 16; ++i) idx[i] = i;
  const Scenario s(k4kHafdbs,
                   "fault mm=2 va=0x10000 order=4 write=1 place=low\n"
                   "folio_alloc order=4 place=low\n" +
                       one_by_one(2, 0x20000, kPage, 1, idx, "a|w"));
  ASSERT_TRUE(Agrees(s));
  EXPECT_FALSE(block_has_cont(s.opt(), 2, 0x10000));
  EXPECT_FALSE(block_has_cont(s.opt(), 2, 0x20000));
  EXPECT_EQ(count_prim(s.step(17).opt_log, Prim::kXchg), 0u);
}

TEST(BatchHint, CoversTheRestOfAFoldedBlockOnly) {
  const Scenario s(k4kHafdbs, R"(
fault mm=0 va=0x10000 order=4 write=1 place=low
fault mm=0 va=0x20000 order=0 write=1 place=low
pte_batch_hint mm=0 va=0x10000
pte_batch_hint mm=0 va=0x1c000
pte_batch_hint mm=0 va=0x1f000
pte_batch_hint mm=0 va=0x20000
)");
  ASSERT_TRUE(Agrees(s));
  EXPECT_EQ(s.step(2).opt_rets.at(0).value, 16u);
  EXPECT_EQ(s.step(3).opt_rets.at(0).value, 4u);
  EXPECT_EQ(s.step(4).opt_rets.at(0).value, 1u);
  EXPECT_EQ(s.step(5).opt_rets.at(0).value, 1u);
  for (size_t i = 2; i < 6; ++i) EXPECT_EQ(s.step(i).ref_rets.at(0).value, 1u);
}

TEST(ReadAmplification, ForkReadsBoundedByBatchHint) {
  // folio_pte_batch skips CONT blocks with pte_batch_hint; without it every
  // ptep_get of a folded entry reads the whole block (CONT_PTES reads).
  const std::string body = R"(
fault mm=0 va=0x0 order=9 write=1 place=low
fork va=0x0 nr=512
)";
  const Scenario fold(std::string(k4kHafdbs) + "profile fold\n", body);
  const Scenario basic(std::string(k4kHafdbs) + "profile basic\n", body);
  ASSERT_TRUE(Agrees(fold));
  ASSERT_TRUE(Agrees(basic));
  const double fold_reads = fold.result().opt_cost.reads / 512.0;
  const double basic_reads = basic.result().opt_cost.reads / 512.0;
  EXPECT_GE(fold_reads, 1.0);
  EXPECT_LE(fold_reads, 2.5);
  EXPECT_GE(basic_reads, 16.0);
  EXPECT_LE(basic_reads, 16.0 + 3.0);
  EXPECT_EQ(fold.result().ref_cost.reads, basic.result().ref_cost.reads);
  // The fold profile keeps every block folded in both mms; basic unfolds the
  // parent one entry at a time.
  EXPECT_EQ(folded_blocks(fold.opt(), 0, 0, 512), 32u);
  EXPECT_EQ(folded_blocks(fold.opt(), 1, 0, 512), 32u);
  EXPECT_EQ(folded_blocks(basic.opt(), 0, 0, 512), 0u);
}

TEST(GetLockless, GathersAConsistentBlock) {
  const Scenario s(k4kHafdbs, R"(
folio_alloc order=4 place=low
set_ptes mm=0 va=0x10000 nr=16 folio=0 idx=0 prot=w|ro
access mm=0 va=0x13000 kind=write pick=9
ptep_get_lockless mm=0 va=0x1e000
)");
  ASSERT_TRUE(Agrees(s));
  const pte_t got = s.step(3).opt_rets.at(0).value;
  EXPECT_TRUE(pte_cont(got) && pte_young(got) && pte_dirty(got));
  EXPECT_FALSE(pte_young(s.step(3).ref_rets.at(0).value));
}

}  // namespace
}  // namespace ptediff
