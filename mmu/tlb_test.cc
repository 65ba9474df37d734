// ptediff: tests of the TLB model: which entries an invalidation by VA hits
// (per-page entries of a contiguous block vs whole-block entries), level
// hints, pending (unsynced) invalidations, per-mm flushes and capacity.
#include "mmu/tlb.h"

#include <gtest/gtest.h>

#include "testing/fixture.h"

namespace ptediff {
namespace {

struct HitCase {
  uint64_t start, end, stride, va, size;
  bool hit;
};
constexpr uint64_t K4 = 0x1000, K64 = 0x10000;
constexpr HitCase kHitCases[] = {
    {K4, 2 * K4, K4, K4, K4, true},               // the page itself
    {K4, 2 * K4, K4, 0, K4, false},               // the page before
    {K4, 2 * K4, K4, 2 * K4, K4, false},          // the page at `end`
    {5 * K4, 6 * K4, K4, 3 * K4, K4, false},      // sibling page of a block
    {5 * K4, 6 * K4, K4, 0, K64, true},           // the whole block containing it
    {0, 2 * K64, K64, 3 * K4, K4, false},         // block stride skips the page
    {0, 2 * K64, K64, K64, K4, true},             // ... but hits this one
    {0, 2 * K64, K64, K64 + K4, K64, false},      // starts just past the last point, 0x10000
    {K4, K4, K4, K4, K4, false},                  // empty range
    {K4, 2 * K4, 0, K4, K4, false},               // zero stride
    {3 * K4, 9 * K4, 2 * K4, 4 * K4, K4, false},  // odd pages only: 3, 5, 7
    {3 * K4, 9 * K4, 2 * K4, 7 * K4, K4, true},
    {3 * K4, 9 * K4, 2 * K4, 9 * K4, K4, false},  // 9 would be next, but is `end`
};

TEST(TlbRangeHits, HandComputedCases) {
  for (const HitCase& c : kHitCases) {
    EXPECT_EQ(range_hits(c.start, c.end, c.stride, c.va, c.size), c.hit)
        << std::hex << "[" << c.start << ", " << c.end << ") stride " << c.stride << " vs [" << c.va
        << ", +" << c.size << ")";
  }
}

TEST(TlbRangeHits, MatchesBruteForce) {
  for (uint64_t start = 0; start < 8; ++start) {
    for (uint64_t end = start; end < 20; ++end) {
      for (uint64_t stride = 1; stride < 5; ++stride) {
        for (uint64_t va = 0; va < 20; ++va) {
          for (uint64_t size = 1; size < 6; ++size) {
            bool want = false;
            for (uint64_t a = start; a < end; a += stride) want |= a >= va && a < va + size;
            ASSERT_EQ(range_hits(start, end, stride, va, size), want)
                << start << " " << end << " " << stride << " " << va << " " << size;
          }
        }
      }
    }
  }
}

// A 4K-geometry TLB with one cont block (16 pages) at va 0 of mm 0.
class TlbTest : public ::testing::Test {
 protected:
  static TlbEntry Page(uint64_t index, uint32_t mm = 0, int level = 3) {
    return {.mm = mm, .level = level, .va = index * K4, .size = K4, .pte = index + 1};
  }
  static TlbEntry Block(uint32_t mm = 0) {
    return {.mm = mm, .level = 3, .va = 0, .size = K64, .pte = 0xb10c};
  }
  Tlb tlb_;
};

TEST_F(TlbTest, PageStrideFlushMissesSiblingPageEntryButHitsBlockEntry) {
  tlb_.fill(Page(3));
  tlb_.invalidate_range(0, 5 * K4, 6 * K4, K4, 3, /*sync=*/true);
  ASSERT_NE(tlb_.lookup(0, 3 * K4), nullptr);  // per-page entry of a sibling survives
  EXPECT_EQ(tlb_.lookup(0, 3 * K4)->pte, 4u);
  tlb_.fill(Block());
  EXPECT_EQ(tlb_.lookup(0, 5 * K4)->pte, 0xb10cu);
  tlb_.invalidate_range(0, 5 * K4, 6 * K4, K4, 3, /*sync=*/true);
  EXPECT_EQ(tlb_.lookup(0, 5 * K4), nullptr);              // whole-block entry hit
  EXPECT_EQ(tlb_.lookup(0, 3 * K4)->pte, 4u);              // page 3 still there
  tlb_.invalidate_range(0, 0, K64, K4, 3, /*sync=*/true);  // the whole block, page by page
  EXPECT_TRUE(tlb_.entries().empty());
}

TEST_F(TlbTest, LevelHintSparesOtherLevels) {
  tlb_.fill(Page(1, 0, 3));
  tlb_.fill(Page(2, 0, 2));
  tlb_.invalidate_range(0, 0, 4 * K4, K4, /*tlb_level=*/2, true);
  EXPECT_NE(tlb_.lookup(0, K4), nullptr);  // level 3 survives a level-2 hint
  EXPECT_EQ(tlb_.lookup(0, 2 * K4), nullptr);
  tlb_.fill(Page(2, 0, 2));
  tlb_.invalidate_range(0, 0, 4 * K4, K4, /*tlb_level=*/0, true);  // unknown level: all
  EXPECT_TRUE(tlb_.entries().empty());
}

TEST_F(TlbTest, UnsyncedInvalidationIsPendingUntilSync) {
  tlb_.fill(Page(1));
  tlb_.fill(Page(7));
  tlb_.invalidate_range(0, K4, 2 * K4, K4, 3, /*sync=*/false);
  const TlbEntry* e = tlb_.lookup(0, K4);
  ASSERT_NE(e, nullptr);  // still usable
  EXPECT_TRUE(e->pending);
  EXPECT_FALSE(tlb_.lookup(0, 7 * K4)->pending);
  tlb_.sync();
  EXPECT_EQ(tlb_.lookup(0, K4), nullptr);
  EXPECT_NE(tlb_.lookup(0, 7 * K4), nullptr);
}

TEST_F(TlbTest, SyncedFlushCompletesEarlierPendingInvalidations) {
  tlb_.fill(Page(1));
  tlb_.fill(Page(7));
  tlb_.invalidate_range(0, K4, 2 * K4, K4, 3, /*sync=*/false);
  tlb_.invalidate_range(0, 9 * K4, 10 * K4, K4, 3, /*sync=*/true);  // unrelated page
  EXPECT_EQ(tlb_.lookup(0, K4), nullptr);
  EXPECT_NE(tlb_.lookup(0, 7 * K4), nullptr);
}

TEST_F(TlbTest, InvalidationIsPerMm) {
  tlb_.fill(Page(1, 0));
  tlb_.fill(Page(1, 1));
  tlb_.invalidate_range(1, 0, K64, K4, 3, true);
  EXPECT_NE(tlb_.lookup(0, K4), nullptr);
  EXPECT_EQ(tlb_.lookup(1, K4), nullptr);
  tlb_.fill(Page(1, 1));
  tlb_.fill(Page(2, 1));
  tlb_.invalidate_mm(1);
  EXPECT_EQ(tlb_.entries().size(), 1u);
  EXPECT_EQ(tlb_.entries()[0].mm, 0u);
}

TEST_F(TlbTest, FillReplacesSameRangeAndLookupPrefersNewest) {
  tlb_.fill(Page(4));
  TlbEntry again = Page(4);
  again.pte = 0x99;
  tlb_.fill(again);
  ASSERT_EQ(tlb_.entries().size(), 1u);
  EXPECT_EQ(tlb_.lookup(0, 4 * K4)->pte, 0x99u);
  tlb_.fill(Block());  // overlapping, newer
  EXPECT_EQ(tlb_.lookup(0, 4 * K4)->pte, 0xb10cu);
  EXPECT_EQ(tlb_.entries().size(), 2u);
  EXPECT_EQ(tlb_.lookup(0, K64), nullptr);  // just past the block
}

TEST_F(TlbTest, CapacityEvictsOldest) {
  for (uint64_t i = 0; i <= Tlb::kCapacity; ++i) tlb_.fill(Page(i));
  EXPECT_EQ(tlb_.entries().size(), Tlb::kCapacity);
  EXPECT_EQ(tlb_.lookup(0, 0), nullptr);
  EXPECT_NE(tlb_.lookup(0, Tlb::kCapacity * K4), nullptr);
  tlb_.clear();
  EXPECT_TRUE(tlb_.entries().empty());
}

}  // namespace
}  // namespace ptediff
