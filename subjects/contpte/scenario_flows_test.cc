// ptediff conformance: scenarios of the core-mm flows over contpte blocks:
// fork (COW, folio batching), partial munmap / mprotect / wrprotect, MADV_FREE
// and mremap. Each test asserts R/O agreement and O's exact resulting state.
#include <gtest/gtest.h>

#include "subjects/contpte/scenario_test_util.h"
#include "subjects/contpte/flows.h"
#include "subjects/contpte/optimized.h"
#include "subjects/contpte/reference.h"

namespace ptediff {
namespace {

constexpr uint64_t kBlk = 0x10000;
constexpr uint64_t kPage = 0x1000;
constexpr uint64_t kBlkEnd = kBlk + 16 * kPage;

uint64_t entry(uint64_t i) { return kBlk + i * kPage; }

TEST(Fork, CowProtectsTheParentAndFoldsTheChild) {
  const Scenario s(k4kHafdbs, R"(
fault mm=0 va=0x10000 order=4 write=1 place=low
fork va=0x10000 nr=16
)");
  ASSERT_TRUE(Agrees(s));
  EXPECT_TRUE(block_folded(s.opt(), 0, kBlk)) << "a whole-block wrprotect_ptes keeps it folded";
  EXPECT_TRUE(block_folded(s.opt(), 1, kBlk));
  for (uint64_t i = 0; i < 16; ++i) {
    const pte_t parent = s.o(0, entry(i)), child = s.o(1, entry(i));
    EXPECT_FALSE(pte_write(parent)) << i;
    EXPECT_TRUE(pte_rdonly(parent)) << i;
    EXPECT_TRUE(pte_dirty(parent)) << "the parent keeps its dirty state, entry " << i;
    EXPECT_FALSE(pte_write(child)) << i;
    EXPECT_FALSE(pte_young(child)) << i;
    EXPECT_EQ(pte_pfn(&s.geo(), parent), pte_pfn(&s.geo(), child));
  }
  const TraceStep& fork = s.step(1);
  EXPECT_EQ(count_prim(fork.opt_log, Prim::kXchg), 0u) << "no unfold";
  EXPECT_EQ(count_prim(fork.opt_log, Prim::kFlushMm), 1u);
  EXPECT_EQ(count_prim(fork.ref_log, Prim::kFlushMm), 1u);
}

TEST(Fork, BatchesStopAtTheFolioEnd) {
  // Two physically adjacent order-3 folios mapped back to back look like one
  // aligned, contiguous block; folio_pte_batch must still stop after 8.
  const char* body = R"(
folio_alloc order=3 place=low
folio_alloc order=3 place=low
set_ptes mm=0 va=0x10000 nr=8 folio=0 idx=0 prot=a|d|w
set_ptes mm=0 va=0x18000 nr=8 folio=1 idx=0 prot=a|d|w
fork va=0x10000 nr=16
)";
  const Scenario s(k4kHafdbs, body);
  ASSERT_TRUE(Agrees(s));
  EXPECT_FALSE(block_has_cont(s.opt(), 0, kBlk));
  EXPECT_FALSE(block_has_cont(s.opt(), 1, kBlk));
  EXPECT_EQ(s.result().folds.eligible, 0u);
  for (uint64_t i = 0; i < 16; ++i) EXPECT_TRUE(pte_valid(s.o(1, entry(i)))) << i;

  // The same state driven directly: one batch per folio.
  for (const ptediff_backend* be : {ptediff_reference_backend(), ptediff_optimized_backend()}) {
    BackendFixture rig(PTEDIFF_GRANULE_4K, be);
    ASSERT_EQ(rig.init_rc(), 0);
    map_folio(rig, 0, kBlk, 3, kProtYoung | kProtDirty | kProtWrite);
    map_folio(rig, 0, kBlk + 8 * kPage, 3, kProtYoung | kProtDirty | kProtWrite);
    Api& api = rig.api();
    EXPECT_EQ(folio_pte_batch(api, 0, kBlk, api.ptep_get(0, kBlk), 16), 8u) << be->name;
    EXPECT_EQ(folio_pte_batch(api, 0, entry(8), api.ptep_get(0, entry(8)), 8), 8u) << be->name;
    EXPECT_EQ(folio_pte_batch(api, 0, entry(3), api.ptep_get(0, entry(3)), 16), 5u) << be->name;
  }
}

TEST(Fork, FolioPteBatchSkipsFoldedBlocksWithTheHint) {
  BackendFixture rig(PTEDIFF_GRANULE_4K, ptediff_optimized_backend());
  ASSERT_EQ(rig.init_rc(), 0);
  map_folio(rig, 0, 0, 6, kProtYoung | kProtWrite | kProtRdonly);  // 64 pages, 4 blocks
  Api& api = rig.api();
  const pte_t first = api.ptep_get(0, 0);
  rig.machine().reset_counters();
  EXPECT_EQ(folio_pte_batch(api, 0, 0, first, 64), 64u);
  // One gathered ptep_get (the entry, then its block) per block after the
  // first; no per-entry reads.
  EXPECT_EQ(rig.machine().counters().reads, 3u * (1u + 16u));
  EXPECT_EQ(folio_pte_batch(api, 0, 5 * kPage, api.ptep_get(0, 5 * kPage), 64), 59u);
}

TEST(Munmap, PartialZapUnfoldsAndTheRestKeepTheirState) {
  const Scenario s(k4kHafdbs, R"(
fault mm=0 va=0x10000 order=4 write=1 place=low
zap mm=0 va=0x14000 nr=4 full=0
)");
  ASSERT_TRUE(Agrees(s));
  EXPECT_FALSE(block_has_cont(s.opt(), 0, kBlk));
  for (uint64_t i = 0; i < 16; ++i) {
    const pte_t o = s.o(0, entry(i));
    if (i >= 4 && i < 8) {
      EXPECT_TRUE(pte_none(o)) << i;
      continue;
    }
    EXPECT_TRUE(pte_valid(o) && pte_young(o) && pte_hw_dirty(o) && pte_write(o)) << i;
  }
  const TraceStep& zap = s.step(1);
  EXPECT_EQ(zap.opt_rets.at(0).value, 3u) << "the folio is reported young and dirty";
  EXPECT_TRUE(flushed_synced(zap.opt_log, s.geo(), 0, entry(4), entry(8)));
}

TEST(Mprotect, PartialRangeUnfoldsTheBlock) {
  const Scenario s(k4kHafdbs, R"(
fault mm=0 va=0x10000 order=4 write=1 place=low
mprotect mm=0 va=0x14000 nr=4 write=0
)");
  ASSERT_TRUE(Agrees(s));
  EXPECT_FALSE(block_has_cont(s.opt(), 0, kBlk));
  for (uint64_t i = 0; i < 16; ++i) {
    const pte_t o = s.o(0, entry(i));
    EXPECT_EQ(pte_write(o), i < 4 || i >= 8) << i;
    EXPECT_TRUE(pte_dirty(o)) << i;
  }
  EXPECT_TRUE(flushed_synced(s.step(1).opt_log, s.geo(), 0, entry(4), entry(8)));
}

TEST(Mprotect, WholeBlockRefoldsAtTheLastEntry) {
  const Scenario s(k4kHafdbs, R"(
fault mm=0 va=0x10000 order=4 write=1 place=low
mprotect mm=0 va=0x10000 nr=16 write=0
)");
  ASSERT_TRUE(Agrees(s));
  EXPECT_TRUE(block_folded(s.opt(), 0, kBlk));
  for (uint64_t i = 0; i < 16; ++i) {
    EXPECT_FALSE(pte_write(s.o(0, entry(i)))) << i;
    EXPECT_TRUE(pte_dirty(s.o(0, entry(i)))) << i;
  }
  // One unfold at the first entry, one fold at the last: two block flushes
  // besides the caller's range flush.
  EXPECT_EQ(flushes(s.step(1).opt_log).size(), 3u);
}

TEST(Wrprotect, PartialBatchUnfoldsOnlyThatBlock) {
  const Scenario s(k4kHafdbs, R"(
fault mm=0 va=0x0 order=5 write=1 place=low
wrprotect_ptes mm=0 va=0x12000 nr=4
)");
  ASSERT_TRUE(Agrees(s));
  EXPECT_EQ(s.effective_op(1).get(Field::kNr), 4u);
  EXPECT_FALSE(block_has_cont(s.opt(), 0, kBlk));
  EXPECT_TRUE(block_folded(s.opt(), 0, 0x0)) << "the other block of the folio stays folded";
  for (uint64_t i = 0; i < 16; ++i) {
    const pte_t o = s.o(0, entry(i));
    EXPECT_EQ(pte_write(o), i < 2 || i >= 6) << i;
    EXPECT_TRUE(pte_dirty(o)) << i;
  }
  EXPECT_TRUE(flushes(s.step(1).ref_log).empty()) << "wrprotect_ptes leaves the flush to fork";
}

TEST(MadvFree, ClearsWholeFoldedBlocksWithoutUnfolding) {
  const Scenario s(k4kHafdbs, R"(
fault mm=0 va=0x20000 order=5 write=1 place=low
madv_free mm=0 va=0x28000
)");
  ASSERT_TRUE(Agrees(s));
  EXPECT_EQ(s.effective_op(1).get(Field::kVa), 0x20000u) << "widened to the whole folio";
  EXPECT_EQ(folded_blocks(s.opt(), 0, 0x20000, 32), 2u);
  for (uint64_t i = 0; i < 32; ++i) {
    const pte_t o = s.o(0, 0x20000 + i * kPage);
    EXPECT_FALSE(pte_young(o) || pte_dirty(o)) << i;
    EXPECT_TRUE(pte_write(o)) << "writable-clean, entry " << i;
  }
}

TEST(MadvFree, ClearYoungDirtyPtesExpandsToWholeBlocks) {
  // A range inside a folded block (no repaired program can name one: it is
  // what the expansion makes safe) is widened, not unfolded.
  BackendFixture o(PTEDIFF_GRANULE_4K, ptediff_optimized_backend());
  BackendFixture r(PTEDIFF_GRANULE_4K, ptediff_reference_backend());
  for (BackendFixture* rig : {&o, &r}) {
    ASSERT_EQ(rig->init_rc(), 0);
    map_folio(*rig, 0, kBlk, 4, kProtYoung | kProtDirty | kProtWrite);
    rig->api().clear_young_dirty_ptes(0, entry(4), 4, CYDP_CLEAR_YOUNG | CYDP_CLEAR_DIRTY);
  }
  EXPECT_TRUE(block_folded(o.machine(), 0, kBlk));
  EXPECT_EQ(count_prim(o.machine().log(), Prim::kFlushRange), 0u);
  for (uint64_t i = 0; i < 16; ++i) {
    const pte_t oe = o.machine().peek(0, entry(i)), re = r.machine().peek(0, entry(i));
    EXPECT_FALSE(pte_young(oe) || pte_dirty(oe)) << i;
    EXPECT_EQ(pte_young(re) && pte_dirty(re), i < 4 || i >= 8) << i;
  }
}

TEST(Mremap, ByOnePageLeavesNoContAtTheDestination) {
  const Scenario s(k4kHafdbs, R"(
fault mm=0 va=0x10000 order=4 write=1 place=low
mremap mm=0 va=0x10000 nr=16 dst=0x31000
)");
  ASSERT_TRUE(Agrees(s));
  for (uint64_t i = 0; i < 16; ++i) {
    EXPECT_TRUE(pte_none(s.o(0, entry(i)))) << i;
    const pte_t d = s.o(0, 0x31000 + i * kPage);
    EXPECT_TRUE(pte_valid(d) && !pte_cont(d)) << i;
  }
  EXPECT_EQ(s.result().folds.eligible, 0u);
}

TEST(Mremap, ByAWholeBlockRefoldsThroughSingleEntryWrites) {
  // move_ptes writes the destination one entry at a time, in order: the last
  // entry completes an aligned block of one folio, which contpte_try_fold folds.
  const Scenario s(k4kHafdbs, R"(
fault mm=0 va=0x10000 order=4 write=1 place=low
mremap mm=0 va=0x10000 nr=16 dst=0x30000
)");
  ASSERT_TRUE(Agrees(s));
  EXPECT_FALSE(block_has_cont(s.opt(), 0, kBlk));
  EXPECT_TRUE(block_folded(s.opt(), 0, 0x30000));
  for (uint64_t i = 0; i < 16; ++i) {
    const pte_t d = s.o(0, 0x30000 + i * kPage);
    EXPECT_TRUE(pte_young(d) && pte_dirty(d) && pte_write(d)) << i;
  }
  EXPECT_TRUE(flushed_synced(s.step(1).opt_log, s.geo(), 0, 0x30000, 0x40000)) << "the fold";
  EXPECT_TRUE(flushed_synced(s.step(1).opt_log, s.geo(), 0, kBlk, kBlkEnd)) << "the source";
}

}  // namespace
}  // namespace ptediff
