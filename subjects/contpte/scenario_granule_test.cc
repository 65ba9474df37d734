// ptediff conformance: the contpte life cycle in every granule (fold, fork,
// unfold, refold), split_pmd, high physical addresses with the 64K granule
// (PA[51:48] in bits [15:12]) and BBML2_NOABORT conversions without a flush.
#include <gtest/gtest.h>

#include "absl/strings/str_format.h"
#include "subjects/contpte/scenario_test_util.h"
#include "subjects/contpte/text.h"

namespace ptediff {
namespace {

// Addresses of one granule: the second block of the window and its pages.
struct Geo {
  explicit Geo(ptediff_granule g)
      : granule(g),
        geo(ptediff_geometry_of(g)),
        page(ptediff_page_size(&geo)),
        block(ptediff_cont_pte_size(&geo)),
        n(geo.cont_ptes),
        order(__builtin_ctz(n)) {}
  uint64_t va(uint64_t i) const { return block + i * page; }
  ptediff_granule granule;
  ptediff_geometry geo;
  uint64_t page, block;
  uint32_t n, order;
};

class Granule : public ::testing::TestWithParam<ptediff_granule> {};

std::string granule_param_name(const ::testing::TestParamInfo<ptediff_granule>& info) {
  return granule_name(info.param);
}

TEST_P(Granule, FoldForkUnfoldRefold) {
  const Geo g(GetParam());
  // fault maps the block folded; fork write-protects it in place and maps the
  // child folded; a reuse write fault changes the write bit of one entry
  // (unfold); mprotect rewrites every entry and refolds at the last one.
  const std::string body = absl::StrFormat(
      "fault mm=0 va=%#x order=%u write=1 place=low\n"
      "fork va=%#x nr=%u\n"
      "wp_fault mm=0 va=%#x reuse=1\n"
      "mprotect mm=0 va=%#x nr=%u write=0\n",
      g.block, g.order, g.block, g.n, g.va(3), g.block, g.n);
  std::vector<bool> parent_folded;
  RunOptions opts;
  opts.on_step = [&](size_t, const Prepared&, const std::vector<Ret>&, const std::vector<Ret>&,
                     const Machine&, const Machine& opt) {
    parent_folded.push_back(block_folded(opt, 0, g.block));
  };
  const Scenario s(header_for(g.granule, "hafdbs"), body, opts);
  ASSERT_TRUE(Agrees(s));
  EXPECT_EQ(parent_folded, (std::vector<bool>{true, true, false, true}));
  EXPECT_TRUE(block_folded(s.opt(), 1, g.block));
  // The reuse fault flushed the whole block (the unfold) before writing.
  EXPECT_TRUE(flushed_synced(s.step(2).opt_log, g.geo, 0, g.block, g.va(g.n)));
  for (uint32_t i = 0; i < g.n; ++i) {
    const pte_t parent = s.o(0, g.va(i)), child = s.o(1, g.va(i));
    EXPECT_FALSE(pte_write(parent)) << i;
    EXPECT_TRUE(pte_dirty(parent)) << i;
    EXPECT_FALSE(pte_young(child)) << i;
    EXPECT_EQ(pte_pfn(&g.geo, parent), pte_pfn(&g.geo, s.o(0, g.block)) + i);
    EXPECT_EQ(pte_pfn(&g.geo, child), pte_pfn(&g.geo, parent));
  }
  EXPECT_EQ(s.result().folds.eligible, 2u);
  EXPECT_EQ(s.result().folds.folded, 2u);
}

TEST_P(Granule, SplitPmdFoldsEveryBlock) {
  const Geo g(GetParam());
  const Scenario s(header_for(g.granule, "hafdbs"),
                   "split_pmd mm=0 va=0x0 write=1 dirty=1 place=low\n");
  ASSERT_TRUE(Agrees(s));
  const uint32_t blocks = g.geo.ptrs_per_pte / g.n;
  EXPECT_EQ(folded_blocks(s.opt(), 0, 0, g.geo.ptrs_per_pte), blocks);
  EXPECT_EQ(folded_blocks(s.ref(), 0, 0, g.geo.ptrs_per_pte), 0u);
  EXPECT_EQ(s.result().folds.folded, blocks);
  // One set_ptes: one write per entry, nothing to unfold, no TLB maintenance.
  EXPECT_EQ(count_prim(s.step(0).opt_log, Prim::kWrite), g.geo.ptrs_per_pte);
  EXPECT_TRUE(flushes(s.step(0).opt_log).empty());
}

TEST_P(Granule, HardwareDirtOnASiblingSurvivesUnfold) {
  const Geo g(GetParam());
  const std::string body = absl::StrFormat(
      "folio_alloc order=%u place=low\n"
      "set_ptes mm=0 va=%#x nr=%u folio=0 idx=0 prot=w|ro\n"
      "access mm=0 va=%#x kind=write pick=%u\n"
      "ptep_get_and_clear mm=0 va=%#x\n",
      g.order, g.block, g.n, g.va(1), g.n - 1, g.va(1));
  const Scenario s(header_for(g.granule, "hafdbs"), body);
  ASSERT_TRUE(Agrees(s));
  const pte_t got = s.step(3).opt_rets.at(0).value;
  EXPECT_TRUE(pte_young(got) && pte_dirty(got));
  EXPECT_FALSE(block_has_cont(s.opt(), 0, g.block));
  for (uint32_t i = 0; i < g.n; ++i) {
    if (i == 1) continue;
    EXPECT_TRUE(pte_dirty(s.o(0, g.va(i)))) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(All, Granule,
                         ::testing::Values(PTEDIFF_GRANULE_4K, PTEDIFF_GRANULE_16K,
                                           PTEDIFF_GRANULE_64K),
                         granule_param_name);

TEST(HighPa, SixtyFourKFoldsUnfoldsAndForksAbovePa48) {
  const Geo g(PTEDIFF_GRANULE_64K);
  const std::string body = absl::StrFormat(
      "fault mm=0 va=%#x order=5 write=1 place=high\n"
      "ptep_set_wrprotect mm=0 va=%#x\n"
      "mprotect mm=0 va=%#x nr=32 write=0\n"
      "fork va=%#x nr=32\n",
      g.block, g.va(7), g.block, g.block);
  const Scenario s(header_for(g.granule, "hafdbs"), body);
  ASSERT_TRUE(Agrees(s));
  const uint64_t pfn0 = pte_pfn(&g.geo, s.o(0, g.block));
  EXPECT_GE(pfn0 << g.geo.page_shift, 1ULL << 48);
  EXPECT_EQ(pfn0 % g.n, 0u);
  EXPECT_NE(s.o(0, g.block) & (0xfULL << 12), 0u) << "PA[51:48] lives in bits [15:12]";
  EXPECT_TRUE(block_folded(s.opt(), 0, g.block));
  EXPECT_TRUE(block_folded(s.opt(), 1, g.block));
  for (uint32_t i = 0; i < g.n; ++i) {
    for (uint32_t mm : {0u, 1u}) {
      EXPECT_EQ(pte_pfn(&g.geo, s.o(mm, g.va(i))), pfn0 + i) << "mm " << mm << " entry " << i;
      EXPECT_EQ(pte_pfn(&g.geo, s.r(mm, g.va(i))), pfn0 + i) << "mm " << mm << " entry " << i;
    }
  }
}

// BBML2_NOABORT: upstream 83bbd6be7d17 ("arm64/mm: Elide tlbi in
// contpte_convert() under BBML2") still clears every entry and repaints the
// block; only the TLBI goes.
TEST(Bbml2, ConvertElidesOnlyTheTlbi) {
  std::vector<uint32_t> idx(16);
  for (uint32_t i = 0; i < 16; ++i) idx[i] = i;
  const std::string body = "folio_alloc order=4 place=low\n" +
                           one_by_one(0, 0x10000, 0x1000, 0, idx, "a|w|ro") +
                           "ptep_set_wrprotect mm=0 va=0x13000\n";
  const Scenario bbml2(header_for(PTEDIFF_GRANULE_4K, "hafdbs,bbml2"), body);
  const Scenario bbm(header_for(PTEDIFF_GRANULE_4K, "hafdbs"), body);
  ASSERT_TRUE(Agrees(bbml2));
  ASSERT_TRUE(Agrees(bbm));
  const TraceStep& fold = bbml2.step(16);
  EXPECT_TRUE(flushes(fold.opt_log).empty());
  EXPECT_EQ(count_prim(fold.opt_log, Prim::kXchg), 16u) << "entries cleared, then repainted";
  EXPECT_TRUE(flushes(bbml2.step(17).opt_log).empty()) << "the unfold needs no flush either";
  EXPECT_EQ(flushes(bbm.step(16).opt_log).size(), 1u);
  EXPECT_EQ(flushes(bbm.step(17).opt_log).size(), 1u);
  // Same final state either way.
  for (uint64_t i = 0; i < 16; ++i) {
    const uint64_t va = 0x10000 + i * 0x1000;
    EXPECT_EQ(bbml2.o(0, va), bbm.o(0, va)) << i;
  }
  EXPECT_FALSE(block_has_cont(bbml2.opt(), 0, 0x10000));
}

}  // namespace
}  // namespace ptediff
