// ptediff: tests of the page-table window (bounds, alignment refusal, table
// layout) and of the folio allocator (natural alignment, lookup, the high
// arena at PA >= 2^(pa_bits-1), gaps, clamping).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <utility>
#include <vector>

#include "mmu/folio.h"
#include "mmu/table.h"
#include "testing/fixture.h"

namespace ptediff {
namespace {

class TableWindowTest : public ::testing::TestWithParam<ptediff_granule> {
 protected:
  ptediff_geometry geo_ = ptediff_geometry_of(GetParam());
  uint64_t page_ = ptediff_page_size(&geo_);
  uint64_t pmd_ = ptediff_pmd_size(&geo_);
  TableWindow w_{geo_, 2};
};

TEST_P(TableWindowTest, CoversTwoPteTablesOfOnePmdEach) {
  EXPECT_EQ(w_.num_tables(), 2u);
  EXPECT_EQ(w_.limit(), 2 * pmd_);
  for (uint32_t t = 0; t < 2; ++t) {
    EXPECT_EQ(w_.table(t).level, kPteLevel);
    EXPECT_EQ(w_.table(t).va_base, t * pmd_);
    EXPECT_EQ(w_.table(t).entries.size(), geo_.ptrs_per_pte);
  }
  EXPECT_TRUE(w_.contains(0));
  EXPECT_TRUE(w_.contains(2 * pmd_ - 1));
  EXPECT_FALSE(w_.contains(2 * pmd_));
}

TEST_P(TableWindowTest, EntryLookupAtTheBoundaries) {
  const EntryRef last0 = w_.pte_entry(pmd_ - page_);
  ASSERT_NE(last0.table, nullptr);
  EXPECT_EQ(last0.table, &w_.table(0));
  EXPECT_EQ(last0.index, geo_.ptrs_per_pte - 1);
  EXPECT_EQ(last0.level(), kPteLevel);
  const EntryRef first1 = w_.pte_entry(pmd_);
  ASSERT_NE(first1.table, nullptr);
  EXPECT_EQ(first1.table, &w_.table(1));
  EXPECT_EQ(first1.index, 0u);
  const EntryRef last = w_.pte_entry(2 * pmd_ - page_);
  ASSERT_NE(last.table, nullptr);
  EXPECT_EQ(last.index, geo_.ptrs_per_pte - 1);
}

TEST_P(TableWindowTest, RefusesOutOfWindowAndUnalignedAddresses) {
  for (const uint64_t bad :
       {2 * pmd_, 2 * pmd_ + page_, ~uint64_t{0} - page_ + 1, page_ / 2, page_ + 8, pmd_ - 1}) {
    EXPECT_EQ(w_.pte_entry(bad).table, nullptr) << std::hex << bad;
  }
  EXPECT_EQ(w_.pte_value(2 * pmd_), 0u);
  EXPECT_EQ(w_.pte_value(~0ULL), 0u);
}

TEST_P(TableWindowTest, WritesLandInTheirEntryAndClearResets) {
  w_.set(w_.pte_entry(pmd_ + 3 * page_), 0x1234);
  EXPECT_EQ(w_.pte_value(pmd_ + 3 * page_), 0x1234u);
  EXPECT_EQ(w_.table(1).entries[3], 0x1234u);
  EXPECT_EQ(w_.pte_value(3 * page_), 0u);  // same index, other table
  w_.clear();
  EXPECT_EQ(w_.pte_value(pmd_ + 3 * page_), 0u);
  EXPECT_EQ(w_.table(1).entries.size(), geo_.ptrs_per_pte);
}

// The occupancy searches agree with a plain scan of the entries, whatever
// was written where (valid, non-valid non-zero such as PROT_NONE, zero),
// including the wrap-around and the last, partly used bitmap word.
TEST_P(TableWindowTest, OccupancySearchesMatchAScan) {
  const uint64_t pages = w_.limit() / page_;
  EXPECT_TRUE(rc::check("occupancy searches match a scan", [&] {
    w_.clear();
    const auto writes = *rc::gen::container<std::vector<std::pair<uint64_t, uint8_t>>>(
        rc::gen::pair(rc::gen::inRange<uint64_t>(0, pages), rc::gen::inRange<uint8_t>(0, 3)));
    for (const auto& [p, kind] : writes) {
      const pte_t v = kind == 0 ? 0 : kind == 1 ? (PTE_VALID | PTE_TYPE_PAGE) : PTE_PRESENT_INVALID;
      w_.set(w_.pte_entry(p * page_), v);
    }
    auto scan = [&](uint64_t from, auto pred) {
      for (uint64_t i = 0; i < pages; ++i) {
        const uint64_t va = ((from + i) % pages) * page_;
        if (pred(w_.pte_value(va))) return va;
      }
      return w_.limit();
    };
    const uint64_t from = *rc::gen::inRange<uint64_t>(0, pages);
    RC_ASSERT(w_.next_valid(from * page_) == scan(from, [](pte_t e) { return pte_valid(e); }));
    RC_ASSERT(w_.next_none(from * page_) == scan(from, [](pte_t e) { return e == 0; }));
    const uint64_t n = *rc::gen::inRange<uint64_t>(1, pages - from + 1);
    bool any_valid = false, any_used = false;
    for (uint64_t i = 0; i < n; ++i) {
      any_valid |= pte_valid(w_.pte_value((from + i) * page_));
      any_used |= w_.pte_value((from + i) * page_) != 0;
    }
    RC_ASSERT(w_.none_valid(from * page_, n) == !any_valid);
    RC_ASSERT(w_.all_none(from * page_, n) == !any_used);
  }));
}

INSTANTIATE_TEST_SUITE_P(Granules, TableWindowTest, ::testing::ValuesIn(kAllGranules), GranuleName);

class FolioMapTest : public ::testing::TestWithParam<ptediff_granule> {
 protected:
  ptediff_geometry geo_ = ptediff_geometry_of(GetParam());
  FolioMap folios_{geo_};
};

TEST_P(FolioMapTest, FoliosAreNaturallyAlignedAndDistinct) {
  std::vector<ptediff_folio> got;
  for (const uint32_t order : {0u, 4u, 1u, 9u, 0u, 5u}) {
    const ptediff_folio f = folios_.alloc(order, Placement::kLow);
    EXPECT_EQ(f.nr_pages, 1ULL << order);
    EXPECT_EQ(f.start_pfn % f.nr_pages, 0u) << "order " << order;
    EXPECT_EQ(f.id, got.size());
    got.push_back(f);
  }
  EXPECT_EQ(folios_.size(), got.size());
  for (size_t i = 1; i < got.size(); ++i) {
    EXPECT_GE(got[i].start_pfn, got[i - 1].start_pfn + got[i - 1].nr_pages);
  }
}

TEST_P(FolioMapTest, LookupFindsTheContainingFolio) {
  const ptediff_folio a = folios_.alloc(4, Placement::kLow);
  const ptediff_folio b = folios_.alloc(2, Placement::kGap);
  ptediff_folio out{};
  ASSERT_TRUE(folios_.lookup(a.start_pfn + 15, &out));
  EXPECT_EQ(out.id, a.id);
  ASSERT_TRUE(folios_.lookup(b.start_pfn, &out));
  EXPECT_EQ(out.id, b.id);
  EXPECT_TRUE(folios_.lookup(b.start_pfn + 3, nullptr));
  EXPECT_FALSE(folios_.lookup(b.start_pfn + 4, &out));
  EXPECT_FALSE(folios_.lookup(a.start_pfn - 1, &out));
  // kGap leaves at least one folio-sized hole after the previous folio.
  EXPECT_GE(b.start_pfn, a.start_pfn + a.nr_pages + b.nr_pages);
  EXPECT_FALSE(folios_.lookup(a.start_pfn + a.nr_pages, &out));
}

TEST_P(FolioMapTest, HighPlacementSetsTheTopPaBit) {
  const ptediff_folio f = folios_.alloc(5, Placement::kHigh);
  const uint64_t pa = f.start_pfn << geo_.page_shift;
  EXPECT_GE(pa, 1ULL << (geo_.pa_bits - 1));
  EXPECT_LE(f.start_pfn + f.nr_pages - 1, ptediff_max_pfn(&geo_));
  EXPECT_EQ(f.start_pfn % 32, 0u);
  // The entry keeps the high PA (bits [15:12] with the 64K granule).
  const pte_t p = pfn_pte(&geo_, f.start_pfn, kRwClean);
  EXPECT_EQ(ptediff_pte_to_phys(&geo_, p), pa);
  if (geo_.pa_bits == 52) EXPECT_EQ(p & (0xfULL << 12), 0x8000u);
  ptediff_folio out{};
  ASSERT_TRUE(folios_.lookup(f.start_pfn + 31, &out));
  EXPECT_EQ(out.id, f.id);
}

TEST_P(FolioMapTest, OrderIsClampedAndClearResets) {
  const ptediff_folio f = folios_.alloc(40, Placement::kLow);
  EXPECT_EQ(f.nr_pages, 1ULL << kMaxFolioOrder);
  EXPECT_EQ(f.start_pfn % f.nr_pages, 0u);
  folios_.clear();
  EXPECT_EQ(folios_.size(), 0u);
  EXPECT_FALSE(folios_.lookup(f.start_pfn, nullptr));
  EXPECT_EQ(folios_.alloc(0, Placement::kLow).id, 0u);
}

INSTANTIATE_TEST_SUITE_P(Granules, FolioMapTest, ::testing::ValuesIn(kAllGranules), GranuleName);

RC_GTEST_PROP(FolioMapProps, AllocationsAreAlignedDisjointAndFindable, ()) {
  const ptediff_granule g =
      *rc::gen::element(PTEDIFF_GRANULE_4K, PTEDIFF_GRANULE_16K, PTEDIFF_GRANULE_64K);
  const ptediff_geometry geo = ptediff_geometry_of(g);
  FolioMap folios(geo);
  const auto reqs = *rc::gen::container<std::vector<std::pair<uint32_t, uint8_t>>>(rc::gen::pair(
      rc::gen::inRange<uint32_t>(0, kMaxFolioOrder + 1), rc::gen::inRange<uint8_t>(0, 3)));
  std::vector<ptediff_folio> got;
  for (const auto& [order, where] : reqs) {
    const ptediff_folio f = folios.alloc(order, static_cast<Placement>(where));
    RC_ASSERT(f.nr_pages == 1ULL << order);
    RC_ASSERT(f.start_pfn % f.nr_pages == 0);
    RC_ASSERT(f.start_pfn + f.nr_pages - 1 <= ptediff_max_pfn(&geo));
    for (const ptediff_folio& o : got) {
      RC_ASSERT(f.start_pfn + f.nr_pages <= o.start_pfn || o.start_pfn + o.nr_pages <= f.start_pfn);
    }
    got.push_back(f);
  }
  for (const ptediff_folio& f : got) {
    ptediff_folio out{};
    RC_ASSERT(folios.lookup(f.start_pfn + f.nr_pages / 2, &out));
    RC_ASSERT(out.id == f.id);
  }
}

}  // namespace
}  // namespace ptediff
