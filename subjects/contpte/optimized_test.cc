// ptediff optimized backend tests: options, set_ptes, getters, fold/unfold,
// single-entry calls, young and access-flag updates, kernel mms, contracts.
#include "subjects/contpte/optimized.h"

#include <functional>
#include <string>

#include "subjects/contpte/interleave.h"
#include "testing/fixture.h"

namespace ptediff {
namespace {

using ::testing::TestWithParam;
using ::testing::ValuesIn;

// ---------------------------------------------------------------- options

TEST(ContpteOptions, DefaultsInitAndFini) {
  BackendFixture r(PTEDIFF_GRANULE_4K, ptediff_optimized_backend(), "");
  EXPECT_EQ(r.init_rc(), 0);
  EXPECT_NE(r.abi()->backend_priv, nullptr);
  r.be()->fini(r.abi());
  EXPECT_EQ(r.abi()->backend_priv, nullptr);
  EXPECT_EQ(r.be()->init(r.abi(), nullptr), 0);
  EXPECT_FALSE(r.machine().had_contract_error());
}

TEST(ContpteOptions, AcceptsEveryProfileAndMutant) {
  for (const char* p : {"basic", "batch", "fold"}) {
    BackendFixture r(PTEDIFF_GRANULE_4K, ptediff_optimized_backend(),
                     (std::string("profile=") + p + " mutant=none").c_str());
    EXPECT_EQ(r.init_rc(), 0) << p;
  }
  for (const MutantInfo& mi : optimized_mutants()) {
    BackendFixture r(PTEDIFF_GRANULE_4K, ptediff_optimized_backend(),
                     (std::string("  mutant=") + mi.name + "\tprofile=batch ").c_str());
    EXPECT_EQ(r.init_rc(), 0) << mi.name;
    EXPECT_FALSE(r.machine().had_contract_error()) << mi.name;
  }
}

TEST(ContpteOptions, RejectsUnknownKeysAndValues) {
  for (const char* bad : {"profile=turbo", "mutant=bogus", "colour=red", "profile", "=fold",
                          "profile=fold mutant=", "mutant=none extra"}) {
    BackendFixture r(PTEDIFF_GRANULE_4K, ptediff_optimized_backend(), bad);
    EXPECT_NE(r.init_rc(), 0) << bad;
    EXPECT_TRUE(r.machine().had_contract_error()) << bad;
  }
}

TEST(ContpteOptions, CatalogueIsStableAndComplete) {
  const std::vector<std::string> expected = {"access-flags-no-tlbi",
                                             "access-flags-gathered-noop",
                                             "clear-young-dirty-bytes",
                                             "unfold-drops-dirty",
                                             "unfold-drops-young",
                                             "fold-ignores-pfn",
                                             "fold-ignores-prot",
                                             "fold-across-folios",
                                             "fold-kernel-mm",
                                             "set-ptes-va-only-align",
                                             "get-no-gather",
                                             "convert-no-flush",
                                             "clear-flush-young-one-page",
                                             "wrprotect-no-partial-unfold",
                                             "clear-full-no-partial-unfold",
                                             "batch-hint-off-by-one",
                                             "pa52-advance",
                                             "set-ptes-cont-nonvalid",
                                             "fold-counts-protnone",
                                             "get-gathers-nonpresent",
                                             "convert-read-then-clear",
                                             "tcy-plain-write",
                                             "wrprotect-plain-write",
                                             "access-flags-plain-write",
                                             "clear-young-dirty-plain-write",
                                             "bbml2-repaint-plain-write",
                                             "lockless-no-retry"};
  std::vector<std::string> names;
  for (const MutantInfo& mi : optimized_mutants()) {
    names.push_back(mi.name);
    EXPECT_GT(std::string(mi.what).size(), 20u) << mi.name;
    EXPECT_FALSE(std::string(mi.source).empty()) << mi.name;
  }
  EXPECT_EQ(names, expected);
}

// ----------------------------------------------------------- per granule

class ContpteTest : public TestWithParam<ptediff_granule> {};
INSTANTIATE_TEST_SUITE_P(Granules, ContpteTest, ValuesIn(kAllGranules), GranuleName);

// set_ptes nr > 1 sets CONT on the chunks that are whole aligned blocks of PA
// and VA, and on nothing else; it writes each entry once and never flushes.
TEST_P(ContpteTest, SetPtesContOnAlignedBlocksOnly) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  const ptediff_folio f = r.folios().alloc(__builtin_ctz(r.cont()) + 2, Placement::kLow);
  r.machine().begin_op();
  r.api().set_ptes(kUserMm, r.block_va(1), r.entry(f.start_pfn), 2 * r.cont());
  EXPECT_EQ(r.count(Prim::kWrite), 2 * r.cont());
  EXPECT_TRUE(r.flushes().empty());
  for (unsigned i = 0; i < 2 * r.cont(); ++i) {
    EXPECT_EQ(r.peek(r.block_va(1, i)), r.entry(f.start_pfn + i, kRwClean | PTE_CONT)) << i;
  }

  // Start one page in: the chunks are partial blocks, nothing is CONT.
  r.api().set_ptes(kUserMm, r.block_va(4, 1), r.entry(f.start_pfn + 1), r.cont());
  EXPECT_EQ(r.cont_count(r.block_va(4)), 0u);
  EXPECT_EQ(r.cont_count(r.block_va(5)), 0u);
  // VA aligned, PA not: nothing is CONT either.
  r.api().set_ptes(kUserMm, r.block_va(7), r.entry(f.start_pfn + 1), r.cont());
  EXPECT_EQ(r.cont_count(r.block_va(7)), 0u);
  EXPECT_EQ(r.peek(r.block_va(7, 3)), r.entry(f.start_pfn + 4));
}

// A kernel mm never gets CONT (seed: contpte_set_ptes hands it to __set_ptes).
TEST_P(ContpteTest, SetPtesKernelMmNeverCont) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  const ptediff_folio f = r.block_folio();
  r.api().set_ptes(kKernelMm, r.block_va(1), r.entry(f.start_pfn), r.cont());
  EXPECT_EQ(r.cont_count(r.block_va(1), kKernelMm), 0u);
  EXPECT_EQ(r.peek(r.block_va(1, r.cont() - 1), kKernelMm), r.entry(f.start_pfn + (r.cont() - 1)));
}

// Setters strip CONT from their input: CONT is private to the backend.
TEST_P(ContpteTest, SetPtesStripsContFromInput) {
  BackendFixture r(GetParam(), ptediff_optimized_backend(), "profile=batch");
  r.api().set_ptes(kUserMm, r.block_va(1, 2), r.entry(0x1234) | PTE_CONT, 1);
  EXPECT_EQ(r.peek(r.block_va(1, 2)), r.entry(0x1234));
}

// High physical addresses survive set_ptes, fold and unfold (64K keeps
// PA[51:48] in bits [15:12]).
TEST_P(ContpteTest, HighPhysicalAddressesRoundTrip) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  const ptediff_folio f = r.block_folio(Placement::kHigh);
  ASSERT_GE(f.start_pfn << r.geo().page_shift, 1ULL << (r.geo().pa_bits - 1));
  r.api().set_ptes(kUserMm, r.block_va(2), r.entry(f.start_pfn), r.cont());
  EXPECT_EQ(r.cont_count(r.block_va(2)), r.cont());
  r.api().pte_clear(kUserMm, r.block_va(2, 1));  // unfolds
  r.api().set_ptes(kUserMm, r.block_va(2, 1), r.entry(f.start_pfn + 1), 1);
  EXPECT_EQ(r.cont_count(r.block_va(2)), 0u);
  r.api().set_ptes(kUserMm, r.block_va(2, r.cont() - 1), r.entry(f.start_pfn + (r.cont() - 1)),
                   1);  // refolds
  EXPECT_EQ(r.cont_count(r.block_va(2)), r.cont());
  for (unsigned i = 0; i < r.cont(); ++i) {
    EXPECT_EQ(pte_pfn(&r.geo(), r.peek(r.block_va(2, i))), f.start_pfn + i) << i;
  }
}

// ptep_get gathers AF/dirty over the block and leaves CONT visible.
TEST_P(ContpteTest, PtepGetGathersBlock) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  r.poke_block(r.block_va(1), 0x40000, kRwOld);
  r.machine().poke(kUserMm, r.block_va(1, 3), r.entry(0x40000 + 3, kRwClean | PTE_CONT));
  r.machine().poke(kUserMm, r.block_va(1, 5), hw_dirty(r.entry(0x40000 + 5, kRwOld | PTE_CONT)));
  const pte_t got = r.api().ptep_get(kUserMm, r.block_va(1));
  EXPECT_EQ(got, pte_mkdirty(r.entry(0x40000, kRwClean | PTE_CONT)));
  EXPECT_EQ(r.count(Prim::kRead), 1u + r.cont());
  // Not CONT: the raw entry.
  r.machine().poke(kUserMm, r.block_va(3), r.entry(0x50000, kRwOld));
  EXPECT_EQ(r.api().ptep_get(kUserMm, r.block_va(3)), r.entry(0x50000, kRwOld));
}

TEST_P(ContpteTest, PtepGetLocklessChecksConsistency) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  r.poke_block(r.block_va(1), 0x40000, kRwOld);
  r.machine().poke(kUserMm, r.block_va(1, 4), r.entry(0x40000 + 4, kRwClean | PTE_CONT));
  EXPECT_EQ(r.api().ptep_get_lockless(kUserMm, r.block_va(1, 2)),
            r.entry(0x40000 + 2, kRwClean | PTE_CONT));
  // A block that is not consistent (one entry maps another pfn) and that no
  // writer will fix: the getter retries, as upstream does, until the
  // harness's cap makes its reads see none, and returns that.
  r.machine().poke(kUserMm, r.block_va(1, 6), r.entry(0x90000, kRwOld | PTE_CONT));
  r.machine().begin_op();
  ReadCap cap(r.machine(), livelock_reads(r.machine().geo()));
  EXPECT_EQ(r.api().ptep_get_lockless(kUserMm, r.block_va(1, 2)), 0u);
  EXPECT_TRUE(cap.exhausted());
  EXPECT_EQ(r.count(Prim::kRead), livelock_reads(r.machine().geo()) + 1);
}

// Writing a block entry by entry folds it exactly when the last entry (by VA
// and by pfn) completes it, with break-before-make and gathered AF/dirty.
TEST_P(ContpteTest, FoldOnWritingTheLastEntry) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  const ptediff_folio f = r.block_folio();
  for (unsigned i = 0; i + 1 < r.cont(); ++i) {
    r.api().set_ptes(kUserMm, r.block_va(3, i),
                     r.entry(f.start_pfn + i, i == 2 ? kRwClean : kRwOld), 1);
    EXPECT_EQ(r.cont_count(r.block_va(3)), 0u) << i;
  }
  r.machine().poke(kUserMm, r.block_va(3, 1), hw_dirty(r.entry(f.start_pfn + 1, kRwOld)));
  r.machine().begin_op();
  r.api().set_ptes(kUserMm, r.block_va(3, r.cont() - 1),
                   r.entry(f.start_pfn + (r.cont() - 1), kRwOld), 1);
  for (unsigned i = 0; i < r.cont(); ++i) {
    EXPECT_EQ(r.peek(r.block_va(3, i)), pte_mkdirty(r.entry(f.start_pfn + i, kRwClean | PTE_CONT)))
        << i;
  }
  // The log: the write, the fold check reads, then n xchg, one synced block
  // flush, n writes.
  const auto& log = r.machine().log();
  std::vector<Prim> mods;
  for (const LogRec& rec : log) {
    if (rec.prim != Prim::kRead) mods.push_back(rec.prim);
  }
  std::vector<Prim> expected = {Prim::kWrite};
  expected.insert(expected.end(), r.cont(), Prim::kXchg);
  expected.push_back(Prim::kFlushRange);
  expected.insert(expected.end(), r.cont(), Prim::kWrite);
  EXPECT_EQ(mods, expected);
  EXPECT_EQ(r.flushes(), std::vector<Flush>{r.block_flush(r.block_va(3), true)});
}

// Writing any other entry last does not fold, even if the block is complete.
TEST_P(ContpteTest, FoldOnlyTriggeredByTheLastEntry) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  const ptediff_folio f = r.block_folio();
  r.api().set_ptes(kUserMm, r.block_va(1, r.cont() - 1), r.entry(f.start_pfn + (r.cont() - 1)), 1);
  for (unsigned i = 0; i + 1 < r.cont(); ++i)
    r.api().set_ptes(kUserMm, r.block_va(1, i), r.entry(f.start_pfn + i), 1);
  EXPECT_EQ(r.cont_count(r.block_va(1)), 0u);
  r.api().set_ptes(kUserMm, r.block_va(1, r.cont() - 1), r.entry(f.start_pfn + (r.cont() - 1)), 1);
  EXPECT_EQ(r.cont_count(r.block_va(1)), r.cont());
}

// Every fold condition, one at a time: the last write must not fold.
TEST_P(ContpteTest, FoldRefusedWhenAnyConditionFails) {
  struct Case {
    const char* name;
    const char* options;
    uint32_t mm;
    bool split_folio;  // two half-block folios instead of one
    int bad_entry;     // entry replaced by `bad`
    int bad_kind;      // 0 none, 1 other prot, 2 other pfn, 3 hole
    pte_t last_extra;  // extra bits on the last entry
  };
  const Case cases[] = {
      {"other-prot", "", kUserMm, false, 2, 1, 0},
      {"other-pfn", "", kUserMm, false, 2, 2, 0},
      {"hole", "", kUserMm, false, 2, 3, 0},
      {"split-folio", "", kUserMm, true, -1, 0, 0},
      {"kernel-mm", "", kKernelMm, false, -1, 0, 0},
      {"special", "", kUserMm, false, -1, 0, PTE_SPECIAL},
      {"profile-batch", "profile=batch", kUserMm, false, -1, 0, 0},
      {"profile-basic", "profile=basic", kUserMm, false, -1, 0, 0},
  };
  for (const Case& k : cases) {
    BackendFixture r(GetParam(), ptediff_optimized_backend(), k.options);
    uint64_t pfn0;
    if (k.split_folio) {
      pfn0 = r.folios().alloc(__builtin_ctz(r.cont()) - 1, Placement::kLow).start_pfn;
      r.folios().alloc(__builtin_ctz(r.cont()) - 1, Placement::kLow);
    } else {
      pfn0 = r.block_folio().start_pfn;
    }
    for (unsigned i = 0; i + 1 < r.cont(); ++i) {
      pte_t e = r.entry(pfn0 + i);
      if (static_cast<int>(i) == k.bad_entry) {
        if (k.bad_kind == 1) e = pte_wrprotect(e);
        if (k.bad_kind == 2) e = r.entry(pfn0 + 7 + i);
        if (k.bad_kind == 3) continue;
      }
      r.api().set_ptes(k.mm, r.block_va(1, i), e, 1);
    }
    r.machine().begin_op();
    r.api().set_ptes(k.mm, r.block_va(1, r.cont() - 1),
                     r.entry(pfn0 + (r.cont() - 1)) | k.last_extra, 1);
    EXPECT_EQ(r.cont_count(r.block_va(1), k.mm), 0u) << k.name;
    EXPECT_EQ(r.count(Prim::kXchg), 0u) << k.name;
    EXPECT_TRUE(r.flushes().empty()) << k.name;
  }
}

// A single-entry write into a folded block unfolds it first: every entry
// keeps the OR of the block's AF/dirty, with break-before-make.
TEST_P(ContpteTest, SetPtesIntoFoldedBlockUnfolds) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  const ptediff_folio f = r.block_folio();
  r.poke_block(r.block_va(1), f.start_pfn, kRwOld);
  r.machine().poke(kUserMm, r.block_va(1, 1), r.entry(f.start_pfn + 1, kRwClean | PTE_CONT));
  r.machine().poke(kUserMm, r.block_va(1, 2),
                   hw_dirty(r.entry(f.start_pfn + 2, kRwOld | PTE_CONT)));
  r.machine().begin_op();
  const pte_t ro = pte_wrprotect(r.entry(f.start_pfn + 5));
  r.api().set_ptes(kUserMm, r.block_va(1, 5), ro, 1);
  for (unsigned i = 0; i < r.cont(); ++i) {
    const pte_t want = i == 5 ? ro : pte_mkdirty(r.entry(f.start_pfn + i, kRwClean));
    EXPECT_EQ(r.peek(r.block_va(1, i)), want) << i;
  }
  EXPECT_EQ(r.count(Prim::kXchg), r.cont());
  EXPECT_EQ(r.count(Prim::kWrite), r.cont() + 1);
  EXPECT_EQ(r.flushes(), std::vector<Flush>{r.block_flush(r.block_va(1), true)});
}

// BBML2_NOABORT: conversions clear the block and repaint it, as without
// BBML2, but never flush it (upstream 83bbd6be7d17, "arm64/mm: Elide tlbi in
// contpte_convert() under BBML2").
TEST_P(ContpteTest, Bbml2ConvertElidesOnlyTheFlush) {
  BackendFixture r(GetParam(), ptediff_optimized_backend(), "",
                   PTEDIFF_FEAT_HAFDBS | PTEDIFF_FEAT_BBML2);
  const ptediff_folio f = r.block_folio();
  r.poke_block(r.block_va(1), f.start_pfn, kRwOld);
  r.machine().poke(kUserMm, r.block_va(1, 6),
                   hw_dirty(r.entry(f.start_pfn + 6, kRwClean | PTE_CONT)));
  r.machine().begin_op();
  r.api().pte_clear(kUserMm, r.block_va(1, 3));
  EXPECT_EQ(r.count(Prim::kXchg), r.cont());
  EXPECT_TRUE(r.flushes().empty());
  for (const LogRec& rec : r.machine().log()) {
    if (rec.prim == Prim::kWrite && rec.addr != r.block_va(1, 3)) EXPECT_FALSE(pte_valid(rec.old));
  }
  EXPECT_EQ(r.peek(r.block_va(1, 3)), 0u);
  EXPECT_EQ(r.peek(r.block_va(1, 0)), pte_mkdirty(r.entry(f.start_pfn, kRwClean)));
  // Folding again is also flush-free.
  r.api().set_ptes(kUserMm, r.block_va(1, 3), r.entry(f.start_pfn + 3, kRwOld), 1);
  r.machine().begin_op();
  r.api().set_ptes(kUserMm, r.block_va(1, r.cont() - 1),
                   r.entry(f.start_pfn + (r.cont() - 1), kRwOld), 1);
  EXPECT_EQ(r.cont_count(r.block_va(1)), r.cont());
  EXPECT_TRUE(r.flushes().empty());
  EXPECT_EQ(r.count(Prim::kXchg), r.cont());
}

// pte_clear / ptep_get_and_clear / ptep_clear_flush unfold and return the
// gathered state; clear_flush flushes the page (synced) if it was valid.
TEST_P(ContpteTest, ClearingOneEntryUnfolds) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  const ptediff_folio f = r.block_folio();
  r.poke_block(r.block_va(1), f.start_pfn, kRwOld);
  r.machine().poke(kUserMm, r.block_va(1, 9 % r.cont()),
                   hw_dirty(r.entry(f.start_pfn + (9 % r.cont()), kRwClean | PTE_CONT)));
  r.machine().begin_op();
  const pte_t got = r.api().ptep_clear_flush(kUserMm, r.block_va(1, 0));
  EXPECT_EQ(got, pte_mkdirty(r.entry(f.start_pfn, kRwClean)));
  EXPECT_EQ(r.peek(r.block_va(1, 0)), 0u);
  EXPECT_EQ(r.cont_count(r.block_va(1)), 0u);
  EXPECT_EQ(r.flushes(), (std::vector<Flush>{r.block_flush(r.block_va(1), true),
                                             r.page_flush(r.block_va(1, 0), true)}));
  // Clearing a none entry: nothing to flush.
  r.machine().begin_op();
  EXPECT_EQ(r.api().ptep_clear_flush(kUserMm, r.block_va(1, 0)), 0u);
  EXPECT_TRUE(r.flushes().empty());
  // ptep_get_and_clear on a non-CONT entry is one xchg.
  const pte_t before = r.peek(r.block_va(1, 2));
  r.machine().begin_op();
  EXPECT_EQ(r.api().ptep_get_and_clear(kUserMm, r.block_va(1, 2)), before);
  EXPECT_EQ(r.count(Prim::kXchg), 1u);
  EXPECT_EQ(r.machine().log().size(), 2u);  // the CONT test read, the xchg
}

// test_and_clear_young clears the whole block without unfolding;
// clear_flush_young then flushes the whole block, unsynced.
TEST_P(ContpteTest, YoungIsClearedBlockWide) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  const ptediff_folio f = r.block_folio();
  r.poke_block(r.block_va(1), f.start_pfn, kRwOld);
  r.machine().poke(kUserMm, r.block_va(1, r.cont() - 1),
                   r.entry(f.start_pfn + (r.cont() - 1), kRwClean | PTE_CONT));
  r.machine().begin_op();
  EXPECT_EQ(r.api().ptep_test_and_clear_young(kUserMm, r.block_va(1, 1)), 1);
  EXPECT_TRUE(r.flushes().empty());
  for (unsigned i = 0; i < r.cont(); ++i) {
    EXPECT_EQ(r.peek(r.block_va(1, i)), r.entry(f.start_pfn + i, kRwOld | PTE_CONT)) << i;
  }
  EXPECT_EQ(r.api().ptep_test_and_clear_young(kUserMm, r.block_va(1, 1)), 0);

  r.machine().poke(kUserMm, r.block_va(1, 4), r.entry(f.start_pfn + 4, kRwClean | PTE_CONT));
  r.machine().begin_op();
  EXPECT_EQ(r.api().ptep_clear_flush_young(kUserMm, r.block_va(1, 0)), 1);
  EXPECT_EQ(r.flushes(), std::vector<Flush>{r.block_flush(r.block_va(1), false)});
  EXPECT_EQ(r.cont_count(r.block_va(1)), r.cont());
  r.machine().begin_op();
  EXPECT_EQ(r.api().ptep_clear_flush_young(kUserMm, r.block_va(1, 0)), 0);
  EXPECT_TRUE(r.flushes().empty());

  // Not CONT: one page, unsynced.
  r.machine().poke(kUserMm, r.block_va(3, 2), r.entry(f.start_pfn + 2, kRwClean));
  r.machine().begin_op();
  EXPECT_EQ(r.api().ptep_clear_flush_young(kUserMm, r.block_va(3, 2)), 1);
  EXPECT_EQ(r.flushes(), std::vector<Flush>{r.page_flush(r.block_va(3, 2), false)});
  EXPECT_EQ(r.peek(r.block_va(3, 2)), r.entry(f.start_pfn + 2, kRwOld));
}

// Non-CONT ptep_set_access_flags is the plain arm64 helper.
TEST_P(ContpteTest, AccessFlagsSingleEntry) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  const pte_t clean = r.entry(0x40000, kRwOld);
  r.machine().poke(kUserMm, r.block_va(1), clean);
  r.machine().begin_op();
  EXPECT_EQ(r.api().ptep_set_access_flags(kUserMm, r.block_va(1), clean, 1), 0);
  EXPECT_EQ(r.count(Prim::kCmpxchg), 0u);
  EXPECT_TRUE(r.flushes().empty());
  const pte_t want = pte_mkdirty(pte_mkyoung(clean));
  EXPECT_EQ(r.api().ptep_set_access_flags(kUserMm, r.block_va(1), want | PTE_CONT, 1), 1);
  EXPECT_EQ(r.peek(r.block_va(1)), want);
  EXPECT_EQ(r.flushes(), std::vector<Flush>{r.page_flush(r.block_va(1), true)});
}

// The no-op check looks at every raw entry, not at the gathered value.
TEST_P(ContpteTest, AccessFlagsBlockNoopOnlyIfEveryEntryMatches) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  const ptediff_folio f = r.block_folio();
  const pte_t dirty_young = pte_mkdirty(kRwClean);
  r.poke_block(r.block_va(1), f.start_pfn, dirty_young);
  const pte_t entry = pte_mknoncont(r.api().ptep_get(kUserMm, r.block_va(1, 2)));
  r.machine().begin_op();
  EXPECT_EQ(r.api().ptep_set_access_flags(kUserMm, r.block_va(1, 2), entry, 1), 0);
  EXPECT_EQ(r.count(Prim::kCmpxchg), 0u);
  EXPECT_TRUE(r.flushes().empty());

  // Upstream scenario: one entry is young+dirty, the others are old and
  // clean; the gathered value equals `entry`, yet the call must update them.
  r.poke_block(r.block_va(1), f.start_pfn, kRwOld);
  r.machine().poke(kUserMm, r.block_va(1, 0), r.entry(f.start_pfn, dirty_young | PTE_CONT));
  const pte_t gathered = pte_mknoncont(r.api().ptep_get(kUserMm, r.block_va(1, 2)));
  ASSERT_EQ(gathered, r.entry(f.start_pfn + 2, dirty_young));
  r.machine().begin_op();
  EXPECT_EQ(r.api().ptep_set_access_flags(kUserMm, r.block_va(1, 2), gathered, 1), 1);
  for (unsigned i = 0; i < r.cont(); ++i) {
    EXPECT_EQ(r.peek(r.block_va(1, i)), r.entry(f.start_pfn + i, dirty_young | PTE_CONT)) << i;
  }
  EXPECT_EQ(r.flushes(), std::vector<Flush>{r.block_flush(r.block_va(1), true)});
}

TEST_P(ContpteTest, AccessFlagsBlockWithoutDirtyDoesNotFlush) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  const ptediff_folio f = r.block_folio();
  r.poke_block(r.block_va(1), f.start_pfn, kRwOld);
  r.machine().begin_op();
  EXPECT_EQ(r.api().ptep_set_access_flags(kUserMm, r.block_va(1, 3),
                                          r.entry(f.start_pfn + 3, kRwClean), 0),
            1);
  EXPECT_TRUE(r.flushes().empty());
  for (unsigned i = 0; i < r.cont(); ++i) {
    EXPECT_EQ(r.peek(r.block_va(1, i)), r.entry(f.start_pfn + i, kRwClean | PTE_CONT)) << i;
  }
}

// A write-permission change unfolds and updates the target entry alone.
TEST_P(ContpteTest, AccessFlagsWriteChangeUnfolds) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  const ptediff_folio f = r.block_folio();
  const pte_t ro = pte_wrprotect(kRwClean);
  r.poke_block(r.block_va(1), f.start_pfn, ro);
  const pte_t entry = pte_mkdirty(pte_mkwrite(r.entry(f.start_pfn + 4, ro)));
  r.machine().begin_op();
  EXPECT_EQ(r.api().ptep_set_access_flags(kUserMm, r.block_va(1, 4), entry, 1), 1);
  EXPECT_EQ(r.peek(r.block_va(1, 4)), entry);
  EXPECT_EQ(r.peek(r.block_va(1, 5)), r.entry(f.start_pfn + 5, ro));
  EXPECT_EQ(r.cont_count(r.block_va(1)), 0u);
  EXPECT_EQ(r.flushes(), (std::vector<Flush>{r.block_flush(r.block_va(1), true),
                                             r.page_flush(r.block_va(1, 4), true)}));
}

// Kernel mms are never folded, so a (hand-built) CONT block there is not
// unfolded either: the single-entry call acts on its entry alone.
TEST_P(ContpteTest, KernelMmIsNeverConverted) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  const ptediff_folio f = r.block_folio();
  r.poke_block(r.block_va(1), f.start_pfn, kRwClean, kKernelMm);
  r.machine().begin_op();
  r.api().pte_clear(kKernelMm, r.block_va(1, 3));
  EXPECT_EQ(r.peek(r.block_va(1, 3), kKernelMm), 0u);
  EXPECT_EQ(r.cont_count(r.block_va(1), kKernelMm), r.cont() - 1);
  EXPECT_TRUE(r.flushes().empty());
  // And writing the last entry of a foldable kernel block does not fold.
  for (unsigned i = 0; i < r.cont(); ++i) {
    r.api().set_ptes(kKernelMm, r.block_va(2, i), r.entry(f.start_pfn + i), 1);
  }
  EXPECT_EQ(r.cont_count(r.block_va(2), kKernelMm), 0u);
}

// Caller contract violations are reported and nothing is touched.
TEST_P(ContpteTest, ContractViolationsAreReported) {
  BackendFixture r(GetParam(), ptediff_optimized_backend());
  struct Bad {
    const char* name;
    std::function<void(BackendFixture&)> call;
  };
  const uint64_t table_end = ptediff_pmd_size(&r.geo());
  const Bad bad[] = {
      {"nr0",
       [](BackendFixture& x) { x.api().set_ptes(kUserMm, x.block_va(1), x.entry(0x40000), 0); }},
      {"unaligned",
       [](BackendFixture& x) {
         x.api().set_ptes(kUserMm, x.block_va(1) + 8, x.entry(0x40000), 1);
       }},
      {"cross-table",
       [table_end](BackendFixture& x) {
         x.api().wrprotect_ptes(kUserMm, table_end - x.page(), 2);
       }},
      {"cross-table-clear",
       [table_end](BackendFixture& x) {
         x.api().clear_full_ptes(kUserMm, table_end - x.page(), 2, 0);
       }},
  };
  for (const Bad& b : bad) {
    r.machine().begin_op();
    b.call(r);
    EXPECT_TRUE(r.machine().had_contract_error()) << b.name;
    EXPECT_TRUE(r.machine().log().empty()) << b.name;
  }
}

}  // namespace
}  // namespace ptediff
