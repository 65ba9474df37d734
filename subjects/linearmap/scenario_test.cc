// ptediff conformance: linear-map scenarios (docs/DESIGN.md §9; a166563e7ec3 "arm64: mm:
// support large block mapping when rodata=full"): the series' worked split example and one
// scenario per review concern, each run differentially with every check.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "subjects/linearmap/testing.h"

namespace ptediff::linearmap {
namespace {

using testing::Driver;
using ::testing::ElementsAre;

constexpr pte_t kRo = PTE_RDONLY;

// 4 x 2M at VA 0, PA 1G (so no larger leaf fits).
void map_4x2m(Driver& d) {
  ASSERT_EQ(d.run("map va=0x0 pa=0x40000000 size=0x800000 flags=none"), kOk);
}

TEST(LinearMapSplitExample, SplitAt2052KThen6208K) {
  Driver d;
  map_4x2m(d);
  EXPECT_THAT(d.shape(), ElementsAre("2M x4 [0K, 8192K)"));
  EXPECT_EQ(d.run("split va=0x201000"), kOk);
  EXPECT_THAT(d.shape(), ElementsAre("2M x1 [0K, 2048K)", "4K x16 [2048K, 2112K)",
                                     "64K x31 [2112K, 4096K)", "2M x2 [4096K, 8192K)"));
  EXPECT_EQ(d.run("split va=0x610000"), kOk);
  EXPECT_THAT(d.shape(),
              ElementsAre("2M x1 [0K, 2048K)", "4K x16 [2048K, 2112K)", "64K x31 [2112K, 4096K)",
                          "2M x1 [4096K, 6144K)", "64K x32 [6144K, 8192K)"));
  // apply_permission_change(2052K, 6208K): 1039 pages.
  EXPECT_EQ(d.run("set_memory_ro va=0x201000 nr=1039"), kOk);
  EXPECT_THAT(d.shape_where(kRo, kRo),
              ElementsAre("4K x15 [2052K, 2112K)", "64K x31 [2112K, 4096K)", "2M x1 [4096K, 6144K)",
                          "64K x1 [6144K, 6208K)"));
  EXPECT_TRUE(d.clean()) << d.report();
}

TEST(LinearMapSplitExample, SetMemorySplitsBothEndsItself) {
  Driver d;
  map_4x2m(d);
  EXPECT_EQ(d.run("set_memory_ro va=0x201000 nr=1039"), kOk);
  EXPECT_THAT(d.shape(),
              ElementsAre("2M x1 [0K, 2048K)", "4K x16 [2048K, 2112K)", "64K x31 [2112K, 4096K)",
                          "2M x1 [4096K, 6144K)", "64K x32 [6144K, 8192K)"));
  EXPECT_EQ(d.run("set_memory_rw va=0x201000 nr=1039"), kOk);  // leaves are never merged back
  EXPECT_EQ(d.shape().size(), 5u);
  EXPECT_TRUE(d.clean()) << d.report();
}

// Review: an unmapped address is -EINVAL with nothing changed, never a BUG_ON.
TEST(LinearMapReview, UnmappedAddressIsEinval) {
  Driver d;
  map_4x2m(d);
  EXPECT_EQ(d.run("split va=0x900000"), kEinval);
  EXPECT_EQ(d.run("set_memory_ro va=0x7ff000 nr=2"), kEinval);    // runs past the map
  EXPECT_EQ(d.run("set_memory_nx va=0x40000000 nr=1"), kEinval);  // out of the mapped range
  EXPECT_THAT(d.shape(), ElementsAre("2M x4 [0K, 8192K)"));
  EXPECT_TRUE(d.clean()) << d.report();
}

// Review: a failed table allocation is -ENOMEM and changes no translation,
// at either depth.
TEST(LinearMapReview, EnomemLeavesMapUnchanged) {
  Driver d;
  ASSERT_EQ(d.run("map va=0x0 pa=0x40000000 size=0x80000000 flags=none"), kOk);  // 2 x 1G
  EXPECT_THAT(d.shape(), ElementsAre("1G x2 [0K, 2097152K)"));
  EXPECT_EQ(d.run("fail_alloc depth=2"), kOk);
  EXPECT_EQ(d.run("split va=0x201000"), kEnomem);
  EXPECT_EQ(d.run("fail_alloc depth=3"), kOk);
  EXPECT_EQ(d.run("split va=0x201000"), kEnomem);
  EXPECT_THAT(d.shape(), ElementsAre("1G x2 [0K, 2097152K)"));
  EXPECT_EQ(d.run("fail_alloc depth=3"), kOk);
  EXPECT_EQ(d.run("split va=0x200000"), kOk);  // PMD-aligned: no PTE table needed
  EXPECT_THAT(d.shape(), ElementsAre("2M x16 [0K, 32768K)", "32M x31 [32768K, 1048576K)",
                                     "1G x1 [1048576K, 2097152K)"));
  // The start split succeeds, the end split fails: start stays split, no
  // translation changes.
  EXPECT_EQ(d.run("fail_alloc depth=2"), kOk);
  EXPECT_EQ(d.run("set_memory_ro va=0x200000 nr=262656"), kEnomem);
  EXPECT_TRUE(d.shape_where(kRo, kRo).empty());
  EXPECT_TRUE(d.clean()) << d.report();
}

// Review: blocks and cont groups fully inside the range are changed whole,
// never split (the walker handles every leaf level).
TEST(LinearMapReview, BlocksInsideRangeStayWhole) {
  Driver d;
  ASSERT_EQ(d.run("map va=0x0 pa=0x0 size=0x80000000 flags=none"), kOk);
  EXPECT_EQ(d.run("set_memory_x va=0x3ff000 nr=261122"), kOk);  // [4092K, 1G + 4K)
  EXPECT_THAT(d.shape_where(PTE_PXN, 0),
              ElementsAre("4K x1 [4092K, 4096K)", "2M x14 [4096K, 32768K)",
                          "32M x31 [32768K, 1048576K)", "4K x1 [1048576K, 1048580K)"));
  EXPECT_TRUE(d.clean()) << d.report();
}

// Review: a late CPU without BBML2 forces a repaint to pages; the repaint's
// tables are reserved up front, so it fails whole or not at all.
TEST(LinearMapReview, RepaintWhenLateCpuLacksBbml2) {
  Driver d;
  map_4x2m(d);
  EXPECT_EQ(d.run("set_memory_ro va=0x201000 nr=1"), kOk);
  EXPECT_EQ(d.run("fail_alloc depth=3"), kOk);
  EXPECT_EQ(d.run("repaint"), kEnomem);
  EXPECT_EQ(d.shape().size(), 4u);
  EXPECT_EQ(d.run("repaint"), kOk);
  EXPECT_THAT(d.shape(), ElementsAre("4K x2048 [0K, 8192K)"));
  EXPECT_EQ(d.run("map va=0x40000000 pa=0x0 size=0x200000 flags=none"), kOk);  // pages now
  EXPECT_EQ(d.run("set_memory_nx va=0x40000000 nr=16"), kOk);
  EXPECT_EQ(d.run("repaint"), kOk);  // nothing left to do
  EXPECT_TRUE(d.clean()) << d.report();
}

// Without BBML2 at boot (rodata=full) the map is pages only.
TEST(LinearMapReview, NoBbml2MeansPagesOnly) {
  Driver d(PTEDIFF_GRANULE_4K, /*bbml2=*/false);
  map_4x2m(d);
  EXPECT_THAT(d.shape(), ElementsAre("4K x2048 [0K, 8192K)"));
  EXPECT_EQ(d.run("set_memory_ro va=0x201000 nr=1039"), kOk);
  EXPECT_EQ(d.run("split va=0x5000"), kOk);
  EXPECT_TRUE(d.clean()) << d.report();
}

// Review: vmalloc areas change their linear aliases page by page; each page
// is split out minimally and the rest keeps its large mappings.
TEST(LinearMapReview, ScatteredAliasesSplitPerPage) {
  Driver d;
  map_4x2m(d);
  EXPECT_EQ(d.run("set_alias_ro va=0x1000 nr=3 stride=600"), kOk);  // 4K, 2404K, 4804K
  EXPECT_THAT(d.shape_where(kRo, kRo),
              ElementsAre("4K x1 [4K, 8K)", "4K x1 [2404K, 2408K)", "4K x1 [4804K, 4808K)"));
  EXPECT_EQ(d.session().opt_leaves().size(), 3 * (16 + 31) + 1u);
  EXPECT_TRUE(d.clean()) << d.report();
}

// NO_BLOCK / NO_CONT flags limit the initial painting; later splits still
// make cont groups.
TEST(LinearMapReview, MapFlags) {
  Driver d;
  ASSERT_EQ(d.run("map va=0x0 pa=0x0 size=0x400000 flags=no_block"), kOk);
  EXPECT_THAT(d.shape(), ElementsAre("64K x64 [0K, 4096K)"));
  ASSERT_EQ(d.run("map va=0x400000 pa=0x400000 size=0x400000 flags=no_cont"), kOk);
  EXPECT_EQ(d.run("split va=0x401000"), kOk);
  EXPECT_THAT(d.shape(), ElementsAre("64K x64 [0K, 4096K)", "4K x16 [4096K, 4160K)",
                                     "64K x31 [4160K, 6144K)", "2M x1 [6144K, 8192K)"));
  ASSERT_EQ(d.run("map va=0x800000 pa=0x10801000 size=0x400000 flags=none"), kOk);  // PA off
  EXPECT_EQ(d.shape().back(), "4K x1024 [8192K, 12288K)");
  EXPECT_TRUE(d.clean()) << d.report();
}

// The same split rule on the 16K and 64K granules.
TEST(LinearMapGranules, SixteenK) {
  Driver d(PTEDIFF_GRANULE_16K);
  ASSERT_EQ(d.run("map va=0x0 pa=0x0 size=0x80000000 flags=none"), kOk);
  EXPECT_THAT(d.shape(), ElementsAre("1G x2 [0K, 2097152K)"));
  EXPECT_EQ(d.run("split va=0x2004000"), kOk);  // 32M + 16K
  EXPECT_THAT(d.shape(), ElementsAre("32M x1 [0K, 32768K)", "16K x128 [32768K, 34816K)",
                                     "2M x15 [34816K, 65536K)", "32M x30 [65536K, 1048576K)",
                                     "1G x1 [1048576K, 2097152K)"));
  EXPECT_TRUE(d.clean()) << d.report();
}

TEST(LinearMapGranules, SixtyFourK) {
  Driver d(PTEDIFF_GRANULE_64K);
  ASSERT_EQ(d.run("map va=0x0 pa=0x0 size=0x800000000 flags=none"), kOk);  // 2 x 16G
  EXPECT_THAT(d.shape(), ElementsAre("16G x2 [0K, 33554432K)"));
  EXPECT_EQ(d.run("set_memory_ro va=0x20010000 nr=1"), kOk);  // 512M + 64K
  EXPECT_THAT(d.shape_where(kRo, kRo), ElementsAre("64K x1 [524352K, 524416K)"));
  EXPECT_EQ(d.run("repaint"), kOk);
  EXPECT_EQ(d.shape().size(), 1u);
  EXPECT_TRUE(d.clean()) << d.report();
}

}  // namespace
}  // namespace ptediff::linearmap
