// ptediff optimized backend tests: the batch helpers (wrprotect_ptes,
// [get_and_]clear_full_ptes, clear_young_dirty_ptes), ptep_modify_prot_*,
// pte_batch_hint, and how the profiles change them.
#include <string>

#include "subjects/contpte/optimized.h"
#include "testing/fixture.h"

namespace ptediff {
namespace {

using ::testing::TestWithParam;
using ::testing::ValuesIn;

class ContpteBatchTest : public TestWithParam<ptediff_granule> {
 protected:
  // Folds blocks [first, first + count) of the user mm onto one folio, with
  // AF on entry 1 and hardware dirt on entry 2 of each block only.
  static uint64_t fold_blocks(BackendFixture& r, uint64_t first, unsigned count) {
    const ptediff_folio f = r.folios().alloc(__builtin_ctz(r.cont() * count), Placement::kLow);
    for (unsigned b = 0; b < count; ++b) {
      const uint64_t pfn = f.start_pfn + b * r.cont();
      r.poke_block(r.block_va(first + b), pfn, kRwOld);
      r.machine().poke(kUserMm, r.block_va(first + b, 1), r.entry(pfn + 1, kRwClean | PTE_CONT));
      r.machine().poke(kUserMm, r.block_va(first + b, 2),
                       hw_dirty(r.entry(pfn + 2, kRwOld | PTE_CONT)));
    }
    return f.start_pfn;
  }
};
INSTANTIATE_TEST_SUITE_P(Granules, ContpteBatchTest, ValuesIn(kAllGranules), GranuleName);

// Whole blocks stay folded: every entry is write-protected in place, hardware
// dirt moves to PTE_DIRTY, nothing is cleared and nothing is flushed.
TEST_P(ContpteBatchTest, WrprotectWholeBlocksStayFolded) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  const uint64_t pfn = fold_blocks(r, 1, 2);
  r.machine().begin_op();
  r.api().wrprotect_ptes(kUserMm, r.block_va(1), 2 * r.cont());
  EXPECT_EQ(r.count(Prim::kXchg), 0u);
  EXPECT_TRUE(r.flushes().empty());
  EXPECT_EQ(r.cont_count(r.block_va(1)), r.cont());
  EXPECT_EQ(r.cont_count(r.block_va(2)), r.cont());
  EXPECT_EQ(r.peek(r.block_va(1, 0)), pte_wrprotect(r.entry(pfn, kRwOld | PTE_CONT)));
  EXPECT_EQ(r.peek(r.block_va(1, 2)),
            r.entry(pfn + 2, pte_wrprotect(kRwOld) | PTE_DIRTY | PTE_CONT));
}

// Partly covered blocks at either end are unfolded; the inner block is not.
TEST_P(ContpteBatchTest, WrprotectUnfoldsPartialEnds) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  const uint64_t pfn = fold_blocks(r, 4, 4);  // blocks 4..7; the range spans 4 (part) .. 6 (part)
  r.machine().begin_op();
  r.api().wrprotect_ptes(kUserMm, r.block_va(4, 3), 2 * r.cont());
  EXPECT_EQ(r.cont_count(r.block_va(4)), 0u);
  EXPECT_EQ(r.cont_count(r.block_va(5)), r.cont());
  EXPECT_EQ(r.cont_count(r.block_va(6)), 0u);
  EXPECT_EQ(r.cont_count(r.block_va(7)), r.cont());
  EXPECT_EQ(r.flushes(), (std::vector<Flush>{r.block_flush(r.block_va(4), true),
                                             r.block_flush(r.block_va(6), true)}));
  // In the range: read-only. Outside: still writable, with the gathered state.
  EXPECT_TRUE(pte_write(r.peek(r.block_va(4, 2))));
  EXPECT_EQ(r.peek(r.block_va(4, 2)), pte_mkdirty(r.entry(pfn + 2, kRwClean)));
  EXPECT_FALSE(pte_write(r.peek(r.block_va(4, 3))));
  EXPECT_FALSE(pte_write(r.peek(r.block_va(6, 2))));
  EXPECT_TRUE(pte_write(r.peek(r.block_va(6, 3))));
}

// nr == 1 (ptep_set_wrprotect too) unfolds; the basic profile unfolds even
// whole blocks since it has no batch helper.
TEST_P(ContpteBatchTest, WrprotectSingleEntryAndBasicProfileUnfold) {
  {
    BackendFixture r(GetParam(), ptediff_optimized_backend());
    fold_blocks(r, 1, 2);
    r.api().ptep_set_wrprotect(kUserMm, r.block_va(1, 5));
    r.api().wrprotect_ptes(kUserMm, r.block_va(2, 5), 1);
    EXPECT_EQ(r.cont_count(r.block_va(1)), 0u);
    EXPECT_EQ(r.cont_count(r.block_va(2)), 0u);
    EXPECT_FALSE(pte_write(r.peek(r.block_va(1, 5))));
    EXPECT_TRUE(pte_write(r.peek(r.block_va(1, 4))));
  }
  {
    BackendFixture r(GetParam(), ptediff_optimized_backend(), "profile=basic");
    fold_blocks(r, 1, 1);
    r.api().wrprotect_ptes(kUserMm, r.block_va(1), r.cont());
    EXPECT_EQ(r.cont_count(r.block_va(1)), 0u);
    for (unsigned i = 0; i < r.cont(); ++i) EXPECT_FALSE(pte_write(r.peek(r.block_va(1, i)))) << i;
  }
}

// clear_full_ptes over whole blocks: one xchg per entry, no unfold, no flush.
TEST_P(ContpteBatchTest, ClearFullWholeBlocks) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  fold_blocks(r, 1, 2);
  r.machine().begin_op();
  r.api().clear_full_ptes(kUserMm, r.block_va(1), 2 * r.cont(), 1);
  EXPECT_EQ(r.count(Prim::kXchg), 2 * r.cont());
  EXPECT_EQ(r.count(Prim::kWrite), 0u);
  EXPECT_TRUE(r.flushes().empty());
  for (unsigned i = 0; i < 2 * r.cont(); ++i) EXPECT_EQ(r.peek(r.block_va(1, i)), 0u) << i;
}

TEST_P(ContpteBatchTest, ClearFullUnfoldsPartialEnds) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  const uint64_t pfn = fold_blocks(r, 2, 2);
  r.machine().begin_op();
  r.api().clear_full_ptes(kUserMm, r.block_va(2, 1), r.cont(), 0);  // block 2 [1..], block 3 [0]
  EXPECT_EQ(r.flushes(), (std::vector<Flush>{r.block_flush(r.block_va(2), true),
                                             r.block_flush(r.block_va(3), true)}));
  EXPECT_EQ(r.peek(r.block_va(2, 0)), pte_mkdirty(r.entry(pfn, kRwClean)));
  EXPECT_EQ(r.peek(r.block_va(2, 1)), 0u);
  EXPECT_EQ(r.peek(r.block_va(3, 0)), 0u);
  EXPECT_EQ(r.peek(r.block_va(3, 1)), pte_mkdirty(r.entry(pfn + r.cont() + 1, kRwClean)));
}

// get_and_clear_full_ptes returns the first entry (CONT may show) with the
// AF/dirty state of every cleared entry ORed in.
TEST_P(ContpteBatchTest, GetAndClearFullReturnsGatheredFirstEntry) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  const uint64_t pfn = fold_blocks(r, 1, 1);
  r.machine().begin_op();
  const pte_t got = r.api().get_and_clear_full_ptes(kUserMm, r.block_va(1), r.cont(), 1);
  EXPECT_EQ(got, pte_mkdirty(r.entry(pfn, kRwClean | PTE_CONT)));
  EXPECT_TRUE(r.flushes().empty());
  EXPECT_EQ(r.count(Prim::kXchg), r.cont());

  // nr == 1 unfolds first; the basic profile does so for every entry.
  const uint64_t pfn2 = fold_blocks(r, 2, 1);
  const pte_t one = r.api().get_and_clear_full_ptes(kUserMm, r.block_va(2, 4), 1, 0);
  EXPECT_EQ(one, pte_mkdirty(r.entry(pfn2 + 4, kRwClean)));
  EXPECT_EQ(r.cont_count(r.block_va(2)), 0u);
}

TEST_P(ContpteBatchTest, GetAndClearFullBasicProfileUnfolds) {
  BackendFixture r(GetParam(), ptediff_optimized_backend(), "profile=basic");
  const uint64_t pfn = fold_blocks(r, 1, 1);
  r.machine().begin_op();
  const pte_t got = r.api().get_and_clear_full_ptes(kUserMm, r.block_va(1, 1), 2, 1);
  EXPECT_EQ(got, pte_mkdirty(r.entry(pfn + 1, kRwClean)));
  EXPECT_EQ(r.flushes(), std::vector<Flush>{r.block_flush(r.block_va(1), true)});
  EXPECT_EQ(r.cont_count(r.block_va(1)), 0u);
  EXPECT_EQ(r.peek(r.block_va(1, 3)), pte_mkdirty(r.entry(pfn + 3, kRwClean)));
}

// clear_young_dirty_ptes widens to whole blocks at CONT ends, no unfold, no
// flush; entries outside those blocks are untouched.
TEST_P(ContpteBatchTest, ClearYoungDirtyExpandsToWholeBlocks) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  const uint64_t pfn = fold_blocks(r, 1, 2);
  const pte_t outside = hw_dirty(r.entry(0x70000, kRwClean));
  r.machine().poke(kUserMm, r.block_va(3), outside);
  r.machine().begin_op();
  r.api().clear_young_dirty_ptes(kUserMm, r.block_va(1, 3), r.cont(),
                                 CYDP_CLEAR_YOUNG | CYDP_CLEAR_DIRTY);
  EXPECT_TRUE(r.flushes().empty());
  EXPECT_EQ(r.count(Prim::kXchg), 0u);
  for (unsigned i = 0; i < 2 * r.cont(); ++i) {
    EXPECT_EQ(r.peek(r.block_va(1, i)), r.entry(pfn + i, kRwOld | PTE_CONT)) << i;
  }
  EXPECT_EQ(r.peek(r.block_va(3)), outside);
}

// One flag: a cmpxchg loop per entry; the other bit stays.
TEST_P(ContpteBatchTest, ClearYoungDirtySingleFlags) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  const uint64_t pfn = fold_blocks(r, 1, 1);
  r.machine().begin_op();
  r.api().clear_young_dirty_ptes(kUserMm, r.block_va(1, 1), 1, CYDP_CLEAR_YOUNG);
  EXPECT_EQ(r.count(Prim::kCmpxchg), r.cont());
  EXPECT_EQ(r.peek(r.block_va(1, 1)), r.entry(pfn + 1, kRwOld | PTE_CONT));
  EXPECT_EQ(r.peek(r.block_va(1, 2)), hw_dirty(r.entry(pfn + 2, kRwOld | PTE_CONT)));
  r.api().clear_young_dirty_ptes(kUserMm, r.block_va(1, 7), 1, CYDP_CLEAR_DIRTY);
  EXPECT_EQ(r.peek(r.block_va(1, 2)), r.entry(pfn + 2, kRwOld | PTE_CONT));
  // Non-CONT entries: exactly the range.
  r.poke_range(r.block_va(3), pfn, 4, pte_mkdirty(kRwClean));
  r.api().clear_young_dirty_ptes(kUserMm, r.block_va(3, 1), 2, CYDP_CLEAR_DIRTY);
  EXPECT_EQ(r.peek(r.block_va(3, 0)), r.entry(pfn, pte_mkdirty(kRwClean)));
  EXPECT_EQ(r.peek(r.block_va(3, 1)), r.entry(pfn + 1, kRwClean));
  EXPECT_EQ(r.peek(r.block_va(3, 2)), r.entry(pfn + 2, kRwClean));
  EXPECT_EQ(r.peek(r.block_va(3, 3)), r.entry(pfn + 3, pte_mkdirty(kRwClean)));
}

// Basic profile: the generic helper (get_and_clear + set) unfolds and acts on
// exactly the named entries.
TEST_P(ContpteBatchTest, ClearYoungDirtyBasicProfile) {
  BackendFixture r(GetParam(), ptediff_optimized_backend(), "profile=basic");
  const uint64_t pfn = fold_blocks(r, 1, 1);
  r.api().clear_young_dirty_ptes(kUserMm, r.block_va(1, 3), 2, CYDP_CLEAR_YOUNG | CYDP_CLEAR_DIRTY);
  EXPECT_EQ(r.cont_count(r.block_va(1)), 0u);
  EXPECT_EQ(r.peek(r.block_va(1, 3)), r.entry(pfn + 3, kRwOld));
  EXPECT_EQ(r.peek(r.block_va(1, 5)), pte_mkdirty(r.entry(pfn + 5, kRwClean)));
}

// mprotect-style start/commit over a block: start unfolds, the commit of the
// last entry refolds (fold profile only).
TEST_P(ContpteBatchTest, ModifyProtRefoldsOnTheLastCommit) {
  for (const char* opts : {"profile=fold", "profile=batch"}) {
    BackendFixture r(GetParam(), ptediff_optimized_backend(), opts);
    const uint64_t pfn = fold_blocks(r, 1, 1);
    for (unsigned i = 0; i < r.cont(); ++i) {
      const pte_t old = r.api().ptep_modify_prot_start(kUserMm, r.block_va(1, i));
      EXPECT_FALSE(pte_cont(old)) << i;
      r.api().ptep_modify_prot_commit(kUserMm, r.block_va(1, i), old, pte_wrprotect(old));
    }
    const bool fold = std::string(opts) == "profile=fold";
    EXPECT_EQ(r.cont_count(r.block_va(1)), fold ? r.cont() : 0u) << opts;
    const pte_t ro = pte_wrprotect(hw_dirty(kRwClean));
    EXPECT_EQ(r.peek(r.block_va(1, 0)), r.entry(pfn, fold ? ro | PTE_CONT : ro)) << opts;
  }
}

TEST_P(ContpteBatchTest, BatchHint) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  const pte_t cont = r.entry(0x40000) | PTE_CONT;
  EXPECT_EQ(r.api().pte_batch_hint(kUserMm, r.block_va(1), cont), r.cont());
  EXPECT_EQ(r.api().pte_batch_hint(kUserMm, r.block_va(1, 3), cont), r.cont() - 3);
  EXPECT_EQ(r.api().pte_batch_hint(kUserMm, r.block_va(1, r.cont() - 1), cont), 1u);
  EXPECT_EQ(r.api().pte_batch_hint(kUserMm, r.block_va(1, 3), pte_mknoncont(cont)), 1u);
  EXPECT_EQ(r.api().pte_batch_hint(kUserMm, r.block_va(1, 3), cont & ~PTE_VALID), 1u);
  BackendFixture basic(GetParam(), ptediff_optimized_backend(), "profile=basic");
  EXPECT_EQ(basic.api().pte_batch_hint(kUserMm, basic.block_va(1), cont), 1u);
}

}  // namespace
}  // namespace ptediff
