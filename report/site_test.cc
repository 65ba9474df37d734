// ptediff: tests of source sites (machine v3 set_site): each log record carries the site its
// agent's backend named last, each agent its own, reset forgets them; describe_log appends
// "[file:line function]" and leaves a record without a site as it was.
#include <gtest/gtest.h>

#include <string>

#include "mmu/machine.h"
#include "report/describe.h"
#include "testing/fixture.h"

namespace ptediff {
namespace {

constexpr ptediff_site kConvert = {"/build/kernel/src-6.12/contpte.c", "contpte_convert", 71};
constexpr ptediff_site kLockless = {"contpte.c", "contpte_ptep_get_lockless", 221};

class SiteTest : public ::testing::Test, public MachineFixture {
 protected:
  SiteTest() : MachineFixture(PTEDIFF_GRANULE_4K) {}
  const ptediff_machine* m() { return abi(); }
};

TEST_F(SiteTest, TheMachineOffersSetSite) {
  EXPECT_GE(m()->machine_version, 3u);
  ASSERT_NE(m()->set_site, nullptr);
}

TEST_F(SiteTest, RecordsCarryTheSiteUntilTheBackendNamesAnother) {
  m_.begin_op();
  m()->read(m(), mm(), va(1));
  m()->set_site(m(), &kConvert);
  m()->xchg(m(), mm(), va(1), 0);
  m()->flush_tlb_range(m(), mm(), va(0), va(16), page(), true, 3, true);
  m()->flush_tlb_mm(m(), mm());
  m()->dsb(m());
  pte_t old = 0;
  m()->cmpxchg(m(), mm(), va(2), &old, 0);
  m()->set_site(m(), nullptr);
  m()->write(m(), mm(), va(1), 0);
  const std::vector<LogRec>& log = m_.log();
  ASSERT_EQ(log.size(), 7u);
  EXPECT_EQ(log[0].site, nullptr);
  for (size_t i = 1; i < 6; ++i) EXPECT_EQ(log[i].site, &kConvert) << i;
  EXPECT_EQ(log[6].site, nullptr);
}

TEST_F(SiteTest, EachAgentHasItsOwnSiteAndHardwareNone) {
  poke(va(3), entry(kPfn, kRwClean & ~PTE_AF));
  m_.begin_op();
  m()->set_site(m(), &kConvert);
  m_.set_agent(Agent::kReader);
  m()->read(m(), mm(), va(3));  // the reader has named none yet
  m()->set_site(m(), &kLockless);
  m()->read(m(), mm(), va(3));
  m_.set_agent(Agent::kHardware);
  EXPECT_EQ(m_.access(kUserMm, va(3), AccessKind::kRead, 0), AccessResult::kOk);
  m_.set_agent(Agent::kBackend);
  m()->read(m(), mm(), va(3));
  const std::vector<LogRec>& log = m_.log();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0].site, nullptr);
  EXPECT_EQ(log[1].site, &kLockless);
  EXPECT_EQ(log[2].prim, Prim::kHw);
  EXPECT_EQ(log[2].site, nullptr);
  EXPECT_EQ(log[3].site, &kConvert);
}

TEST_F(SiteTest, ResetForgetsTheSites) {
  m()->set_site(m(), &kConvert);
  m_.reset(PTEDIFF_FEAT_HAFDBS);
  m()->read(m(), mm(), va(1));
  ASSERT_EQ(m_.log().size(), 1u);
  EXPECT_EQ(m_.log()[0].site, nullptr);
}

TEST(DescribeSite, BasenameLineFunction) {
  EXPECT_EQ(describe_site(kConvert), "contpte.c:71 contpte_convert");
  EXPECT_EQ(describe_site(kLockless), "contpte.c:221 contpte_ptep_get_lockless");
  EXPECT_EQ(describe_site({nullptr, nullptr, 5}), "?:5 ?");
}

TEST(DescribeSite, AppendedToTheRecordOnlyWhenThereIsOne) {
  LogRec r{.prim = Prim::kXchg, .addr = 0x10000, .old = 0x3, .val = 0};
  const std::string plain = describe_log(r);
  EXPECT_EQ(plain, "xchg  mm=0 va=0x10000 0x3 -> 0");
  r.site = &kConvert;
  EXPECT_EQ(describe_log(r), plain + " [contpte.c:71 contpte_convert]");
  const LogRec dsb{.prim = Prim::kDsb, .site = &kLockless};
  EXPECT_EQ(describe_log(dsb), "dsb [contpte.c:221 contpte_ptep_get_lockless]");
}

}  // namespace
}  // namespace ptediff
