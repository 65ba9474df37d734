// ptediff conformance: the linear map's kernel tables on the machine
// (subjects/linearmap/pgtable.h): the empty state, table allocation as a table
// descriptor (implicit at level 1 for 16K and 64K, still counted for
// -ENOMEM), machine reuse, first_unmapped against find_leaf, and the
// structural defects check_structure reports, poked into the machine by hand.
#include "subjects/linearmap/pgtable.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "subjects/linearmap/checks.h"
#include "subjects/linearmap/testing.h"

namespace ptediff::linearmap {
namespace {

// The structural problems of `pt`'s whole window.
std::vector<std::string> problems_of(const KernelPgtable& pt, uint64_t* page) {
  std::vector<std::string> problems;
  pt.leaves(&problems, page);
  return problems;
}

TEST(LinearMapPgtable, WindowCoversTheLinearMap) {
  for (ptediff_granule gr : {PTEDIFF_GRANULE_4K, PTEDIFF_GRANULE_16K, PTEDIFF_GRANULE_64K}) {
    const Geometry& g = geometry_of(gr);
    KernelPgtable pt(g);
    EXPECT_EQ(pt.machine().window_limit(), g.window_pages * g.page_size);
    EXPECT_FALSE(pt.has_table(KernelPgtable::root(), 0));
    EXPECT_FALSE(pt.find_leaf(0).has_value());
  }
}

TEST(LinearMapPgtable, InstallGivesAnEmptyTableAndLogsItsLevel) {
  const Geometry& g = geometry_of(PTEDIFF_GRANULE_4K);
  KernelPgtable pt(g);
  ASSERT_TRUE(pt.reserve(1, 1, 0));
  const TableRef pmd = pt.install(KernelPgtable::root(), 1);
  EXPECT_EQ(pmd.level, kPmdLevel);
  EXPECT_EQ(pmd.base, g.span[kPudLevel]);
  EXPECT_TRUE(pt.has_table(KernelPgtable::root(), 1));
  for (uint32_t i = 0; i < pt.size(pmd); ++i) ASSERT_EQ(pt.entry(pmd, i), 0u) << i;
  const TableRef pte = pt.install(pmd, 3);
  pt.write(pte, 5, pt.leaf_desc(kPteLevel, 7, kPageKernel, false));
  ASSERT_EQ(pt.log().size(), 3u);
  EXPECT_EQ(pt.log()[0].level, kPudLevel);
  EXPECT_EQ(pt.log()[1].level, kPmdLevel);
  EXPECT_EQ(pt.log()[2].level, kPteLevel);
  const std::optional<Slot> leaf = pt.find_leaf(pt.entry_page(pte, 5));
  ASSERT_TRUE(leaf.has_value());
  EXPECT_EQ(leaf->level(), kPteLevel);
  EXPECT_TRUE(pt.violations().empty());
  pt.install(pmd, 4);  // nothing reserved any more
  ASSERT_EQ(pt.violations().size(), 1u);
  EXPECT_NE(pt.violations()[0].find("level-3 table allocated without a reservation"),
            std::string::npos);
}

TEST(LinearMapPgtable, ImplicitRootEntryIsInUseOnceItsPmdTableIs) {
  for (ptediff_granule gr : {PTEDIFF_GRANULE_16K, PTEDIFF_GRANULE_64K}) {
    const Geometry& g = geometry_of(gr);
    KernelPgtable pt(g);
    ASSERT_TRUE(pt.reserve(1, 0, 0));
    const TableRef pmd = pt.install(KernelPgtable::root(), 0);
    EXPECT_TRUE(pt.log().empty());  // no entry to write
    EXPECT_FALSE(pt.has_table(KernelPgtable::root(), 0));
    pt.write(pmd, 1, pt.leaf_desc(kPmdLevel, g.span[kPmdLevel], kPageKernel, false));
    EXPECT_TRUE(pt.has_table(KernelPgtable::root(), 0));
    EXPECT_TRUE(pt.violations().empty());
  }
}

// The first map in 16K or 64K allocates the level-2 table, so a failing
// depth 2 is -ENOMEM on both sides; the next one needs none.
TEST(LinearMapPgtable, ImplicitRootTableCountsForEnomem) {
  for (ptediff_granule gr : {PTEDIFF_GRANULE_16K, PTEDIFF_GRANULE_64K}) {
    testing::Driver d(gr);
    EXPECT_EQ(d.run("fail_alloc depth=2"), kOk);
    EXPECT_EQ(d.run("map va=0x0 pa=0x0 size=0x400000 flags=none"), kEnomem);
    EXPECT_EQ(d.run("map va=0x0 pa=0x0 size=0x400000 flags=none"), kOk);
    EXPECT_EQ(d.run("fail_alloc depth=2"), kOk);
    EXPECT_EQ(d.run("map va=0x2000000 pa=0x0 size=0x400000 flags=none"), kOk);
    EXPECT_TRUE(d.clean()) << d.report();
  }
}

// first_unmapped(lo, hi) is the first page of [lo, hi) find_leaf finds no
// leaf for, over blocks, cont groups, pages and holes of every granule.
TEST(LinearMapPgtable, FirstUnmappedIsWhereFindLeafFindsNothing) {
  for (ptediff_granule gr : {PTEDIFF_GRANULE_4K, PTEDIFF_GRANULE_16K, PTEDIFF_GRANULE_64K}) {
    testing::Driver d(gr);
    const Geometry& g = d.session().geometry();
    const uint64_t pmd = g.span[kPmdLevel];
    auto map = [&](uint64_t page, uint64_t pa, uint64_t pages, const char* flags) {
      EXPECT_EQ(d.run(absl::StrFormat("map va=0x%x pa=0x%x size=0x%x flags=%s", page * g.page_size,
                                      pa * g.page_size, pages * g.page_size, flags)),
                kOk);
    };
    map(0, 0, 4 * pmd, "none");                  // blocks
    map(4 * pmd + 3, 7, pmd + 40, "none");       // pages, after a hole
    map(6 * pmd, 6 * pmd, 2 * pmd, "no_block");  // cont groups
    EXPECT_EQ(d.run(absl::StrFormat("split va=0x%x", (pmd + 5) * g.page_size)), kOk);
    ASSERT_TRUE(d.clean()) << d.report();
    const KernelPgtable& pt = d.session().opt().tables();
    std::mt19937 rng(7);
    for (int n = 0; n < 300; ++n) {
      const uint64_t lo = rng() % (9 * pmd), hi = std::min(lo + rng() % (3 * pmd), 9 * pmd);
      uint64_t want = lo;
      while (want < hi && pt.find_leaf(want).has_value()) ++want;
      ASSERT_EQ(pt.first_unmapped(lo, hi), std::max(lo, want)) << lo << " " << hi;
    }
  }
}

// Machines are reused: nothing of one table set reaches the next, and two
// live ones are independent.
TEST(LinearMapPgtable, ReusedMachinesStartEmpty) {
  {
    testing::Driver d;
    ASSERT_EQ(d.run("map va=0x0 pa=0x40000000 size=0x800000 flags=none"), kOk);
    testing::Driver other;
    EXPECT_TRUE(other.shape().empty());
  }
  testing::Driver d;
  EXPECT_TRUE(d.shape().empty());
  EXPECT_EQ(d.run("split va=0x201000"), kEinval);
}

class LinearMapStructure : public ::testing::Test {
 protected:
  LinearMapStructure() : pt_(g_) {
    Machine& m = pt_.machine();
    m.poke_level(kKernelMm, 0, kPudLevel, kTableDescriptor);  // PTE tables below every PMD
  }
  void poke(uint64_t page, int level, pte_t v) {
    pt_.machine().poke_level(kKernelMm, page * g_.page_size, level, v);
  }
  // Expects the first problem to contain `what` and be at `page`, reported
  // as cont-malformed.
  void expect_problem(const std::string& what, uint64_t page) {
    uint64_t at = 0;
    const std::vector<std::string> p = problems_of(pt_, &at);
    ASSERT_FALSE(p.empty());
    EXPECT_NE(p[0].find(what), std::string::npos) << p[0];
    EXPECT_EQ(at, page);
    Divergence d;
    EXPECT_FALSE(check_structure(p, at, g_, &d));
    EXPECT_EQ(d.cls, DivClass::kContMalformed);
  }

  const Geometry& g_ = geometry_of(PTEDIFF_GRANULE_4K);
  KernelPgtable pt_;
};

TEST_F(LinearMapStructure, WellFormedHasNone) {
  poke(0, kPmdLevel, pt_.leaf_desc(kPmdLevel, g_.span[2], kPageKernel, false));
  for (uint32_t j = 0; j < g_.cont[3]; ++j)
    poke(g_.span[2] + j, kPteLevel, pt_.leaf_desc(kPteLevel, j, kPageKernel, true));
  std::vector<std::string> problems;
  uint64_t at = 0;
  EXPECT_EQ(pt_.leaves(&problems, &at).size(), 2u);  // the block and the group
  EXPECT_TRUE(problems.empty()) << problems.front();
}

TEST_F(LinearMapStructure, MisalignedBlock) {
  poke(g_.span[2], kPmdLevel, pt_.leaf_desc(kPmdLevel, 1, kPageKernel, false));
  expect_problem("not aligned to its size", g_.span[2]);
}

TEST_F(LinearMapStructure, MalformedContGroup) {
  for (uint32_t j = 0; j < g_.cont[3]; ++j)
    poke(j, kPteLevel, pt_.leaf_desc(kPteLevel, j == 3 ? 100 : j, kPageKernel, true));
  expect_problem("malformed contiguous group", 0);
}

TEST_F(LinearMapStructure, BlockAtLevel3) {
  poke(5, kPteLevel, pfn_pte(&g_.geo, 5, kPageKernel));  // 0b01: reserved at level 3
  expect_problem("block descriptor at level 3", 5);
}

TEST_F(LinearMapStructure, TableDescriptorTheMachineDoesNotFollow) {
  poke(2 * g_.span[2], kPmdLevel, pfn_pte(&g_.geo, 42, PTE_TYPE_MASK));
  expect_problem("table descriptor the machine does not follow", 2 * g_.span[2]);
  EXPECT_FALSE(pt_.find_leaf(2 * g_.span[2]).has_value());
}

}  // namespace
}  // namespace ptediff::linearmap
