// ptediff: tests of the machine primitives as a backend sees them through the
// C table: each call logged in order with its old and new values, the cost
// counters, refusal of out-of-window accesses (recorded, never a crash),
// cmpxchg failure semantics, TLB maintenance and contract errors.
#include "mmu/machine.h"

#include <gtest/gtest.h>

#include <string>

#include "testing/fixture.h"

namespace ptediff {
namespace {

class MachinePrimTest : public ::testing::TestWithParam<ptediff_granule>, public MachineFixture {
 protected:
  MachinePrimTest() : MachineFixture(GetParam()) {}
  const ptediff_machine* m() { return abi(); }
};

TEST_P(MachinePrimTest, AbiTableDescribesTheMachine) {
  EXPECT_EQ(m()->abi_version, static_cast<uint32_t>(PTEDIFF_ABI_VERSION));
  EXPECT_EQ(m()->features, static_cast<uint32_t>(PTEDIFF_FEAT_HAFDBS));
  EXPECT_EQ(m()->geo.page_shift, geo_.page_shift);
  EXPECT_EQ(m_.window_limit(), 2 * pmd());
  EXPECT_TRUE(m()->mm_is_user(m(), mm(kUserMm)));
  EXPECT_TRUE(m()->mm_is_user(m(), mm(kChildMm)));
  EXPECT_FALSE(m()->mm_is_user(m(), mm(kKernelMm)));
  const ptediff_folio f = folios_.alloc(3, Placement::kLow);
  ptediff_folio out{};
  ASSERT_TRUE(m()->folio_of(m(), f.start_pfn + 7, &out));
  EXPECT_EQ(out.start_pfn, f.start_pfn);
  EXPECT_FALSE(m()->folio_of(m(), f.start_pfn + 8, &out));
}

TEST_P(MachinePrimTest, PrimitivesAreLoggedInOrderWithOldAndNewValues) {
  const pte_t a = entry(kPfn, kRwClean), b = entry(kPfn + 1, kRwHwDirty);
  poke(va(5), a);
  m_.begin_op();
  EXPECT_EQ(m()->read(m(), mm(), va(5)), a);
  m()->write(m(), mm(), va(6), b);
  EXPECT_EQ(m()->xchg(m(), mm(), va(5), 0), a);
  pte_t expected = b;
  EXPECT_TRUE(m()->cmpxchg(m(), mm(), va(6), &expected, a));
  m()->flush_tlb_range(m(), mm(), va(4), va(8), page(), true, 3, false);
  m()->dsb(m());
  m()->flush_tlb_mm(m(), mm(kChildMm));
  struct Want {
    Prim prim;
    uint64_t addr;
    pte_t old, val;
  };
  const Want want[] = {{Prim::kRead, va(5), a, a},       {Prim::kWrite, va(6), 0, b},
                       {Prim::kXchg, va(5), a, 0},       {Prim::kCmpxchg, va(6), b, a},
                       {Prim::kFlushRange, va(4), 0, 0}, {Prim::kDsb, 0, 0, 0},
                       {Prim::kFlushMm, 0, 0, 0}};
  ASSERT_EQ(m_.log().size(), std::size(want));
  for (size_t i = 0; i < std::size(want); ++i) {
    const LogRec& r = m_.log()[i];
    EXPECT_EQ(r.prim, want[i].prim) << i << " " << prim_name(r.prim);
    EXPECT_EQ(r.addr, want[i].addr) << i;
    EXPECT_EQ(r.old, want[i].old) << i;
    EXPECT_EQ(r.val, want[i].val) << i;
    EXPECT_TRUE(r.ok) << i;
  }
  EXPECT_EQ(m_.log()[0].mm, kUserMm);
  EXPECT_EQ(m_.log()[6].mm, kChildMm);
  EXPECT_EQ(flushes(), (std::vector<Flush>{{va(4), va(8), page(), true, 3, false}}));
  EXPECT_EQ(peek(va(5)), 0u);
  EXPECT_EQ(peek(va(6)), a);
  m_.begin_op();
  EXPECT_TRUE(m_.log().empty());
}

TEST_P(MachinePrimTest, CountersCountEachPrimitive) {
  m_.reset_counters();
  m()->read(m(), mm(), va(0));
  m()->read(m(), mm(), va(1));
  m()->write(m(), mm(), va(0), 1);
  m()->xchg(m(), mm(), va(0), 0);
  pte_t old = 5;  // fails: the entry is 0
  m()->cmpxchg(m(), mm(), va(0), &old, 7);
  m()->flush_tlb_range(m(), mm(), 0, block(), page(), true, 3, true);    // cont() TLBIs + DSB
  m()->flush_tlb_range(m(), mm(), 0, block(), block(), true, 3, false);  // 1 TLBI
  m()->flush_tlb_mm(m(), mm());                                          // 1 TLBI + DSB
  m()->dsb(m());
  const Counters& c = m_.counters();
  EXPECT_EQ(c.reads, 2u);
  EXPECT_EQ(c.writes, 1u);
  EXPECT_EQ(c.atomics, 2u);
  EXPECT_EQ(c.tlbis, cont() + 2u);
  EXPECT_EQ(c.dsbs, 3u);
  Counters sum = c;
  sum += c;
  EXPECT_EQ(sum.tlbis, 2 * c.tlbis);
  m_.reset_counters();
  EXPECT_EQ(m_.counters().reads + m_.counters().tlbis, 0u);
}

TEST_P(MachinePrimTest, CmpxchgFailureReportsTheCurrentValue) {
  const pte_t cur = entry(kPfn, kRwHwDirty);
  poke(va(2), cur);
  m_.begin_op();
  pte_t old = entry(kPfn, kRwClean);
  EXPECT_FALSE(m()->cmpxchg(m(), mm(), va(2), &old, 0));
  EXPECT_EQ(old, cur);
  EXPECT_EQ(peek(va(2)), cur);
  ASSERT_EQ(m_.log().size(), 1u);
  EXPECT_FALSE(m_.log()[0].ok);
  EXPECT_EQ(m_.log()[0].old, cur);
  EXPECT_EQ(m_.log()[0].val, cur);
  EXPECT_TRUE(m_.violations().empty());  // a failed cmpxchg is not a violation
}

TEST_P(MachinePrimTest, OutOfWindowAccessesAreRefusedAndRecorded) {
  const uint64_t beyond = m_.window_limit();
  poke(va(0), entry(kPfn, kRwClean));
  m_.begin_op();
  EXPECT_EQ(m()->read(m(), mm(), beyond), 0u);
  m()->write(m(), mm(), beyond, entry(kPfn, kRwClean));
  m()->write(m(), mm(), va(0) + 8, 0);  // unaligned: refused too
  EXPECT_EQ(m()->xchg(m(), mm(), beyond + page(), 0), 0u);
  pte_t old = 5;  // whatever *old becomes, a refused cmpxchg must not succeed on 5
  EXPECT_FALSE(m()->cmpxchg(m(), mm(), beyond, &old, 1));
  m()->flush_tlb_range(m(), mm(), 0, beyond + page(), page(), true, 3, true);
  EXPECT_EQ(m_.violations().size(), 6u);
  EXPECT_FALSE(m_.had_contract_error());
  for (const LogRec& r : m_.log()) EXPECT_FALSE(r.ok) << prim_name(r.prim);
  EXPECT_EQ(m_.log().size(), 5u);  // the refused flush is not logged
  EXPECT_EQ(peek(va(0)), entry(kPfn, kRwClean));
  EXPECT_EQ(m_.peek(kUserMm, beyond), 0u);
  m_.begin_op();
  EXPECT_TRUE(m_.violations().empty());
}

TEST_P(MachinePrimTest, UnknownMmIsRefused) {
  ptediff_mm bogus{7, true, TableWindow(geo_, 1)};
  m_.begin_op();
  EXPECT_EQ(m()->read(m(), &bogus, 0), 0u);
  m()->write(m(), &bogus, 0, 1);
  m()->flush_tlb_mm(m(), &bogus);
  m()->flush_tlb_range(m(), &bogus, 0, page(), page(), true, 3, true);
  EXPECT_EQ(bogus.window.pte_value(0), 0u);
  EXPECT_EQ(m_.violations().size(), 4u);
}

TEST_P(MachinePrimTest, ContractErrorsAreRecorded) {
  m_.begin_op();
  EXPECT_FALSE(m_.had_contract_error());
  m()->contract_error(m(), "set_ptes over a present entry");
  m()->contract_error(m(), nullptr);
  EXPECT_TRUE(m_.had_contract_error());
  ASSERT_EQ(m_.violations().size(), 2u);
  EXPECT_EQ(m_.violations()[0], "contract: set_ptes over a present entry");
  m_.begin_op();
  EXPECT_FALSE(m_.had_contract_error());
}

TEST_P(MachinePrimTest, FlushesInvalidateTheTlbThroughThePrimitives) {
  poke_block(block_va(0), kPfn, kRwClean);
  ASSERT_TRUE(m_.tlb_fill(kUserMm, va(3), /*block=*/false, 0));
  ASSERT_FALSE(m_.tlb_fill(kUserMm, va(cont() + 1), false, 0));  // none entry
  poke(va(cont() + 1), entry(kPfn + 99, kRoYoung));
  ASSERT_TRUE(m_.tlb_fill(kUserMm, va(cont() + 1), false, 0));
  // Flushing a sibling page of the block misses page 3's per-page entry.
  m()->flush_tlb_range(m(), mm(), va(5), va(6), page(), true, 3, true);
  EXPECT_NE(m_.tlb().lookup(kUserMm, va(3)), nullptr);
  // A nosync flush leaves it pending; the DSB completes it.
  m()->flush_tlb_range(m(), mm(), va(3), va(4), page(), true, 3, false);
  ASSERT_NE(m_.tlb().lookup(kUserMm, va(3)), nullptr);
  EXPECT_TRUE(m_.tlb().lookup(kUserMm, va(3))->pending);
  m()->dsb(m());
  EXPECT_EQ(m_.tlb().lookup(kUserMm, va(3)), nullptr);
  // flush_tlb_mm drops the rest of the mm, and only that mm.
  poke(va(1), entry(kPfn, kRoYoung), kChildMm);
  ASSERT_TRUE(m_.tlb_fill(kChildMm, va(1), false, 0));
  m()->flush_tlb_mm(m(), mm());
  EXPECT_EQ(m_.tlb().lookup(kUserMm, va(cont() + 1)), nullptr);
  EXPECT_NE(m_.tlb().lookup(kChildMm, va(1)), nullptr);
}

// reset() returns the machine to its just-built state (executors reuse
// machines across fuzz inputs): every table of every mm, the TLB (pending
// invalidations included), the log, violations, counters, backend state.
TEST_P(MachinePrimTest, ResetLeavesNothingOfTheLastRun) {
  for (uint32_t id = 0; id < kNumMms; ++id) {
    poke(va(1), entry(kPfn, kRoYoung), id);
    poke(va(m_.window_limit() / page() - 1), PTE_PRESENT_INVALID, id);  // last page, not valid
  }
  poke_block(block_va(1), kPfn, kRwClean);
  ASSERT_TRUE(m_.tlb_fill(kUserMm, va(cont()), /*block=*/true, 0));
  m()->flush_tlb_range(m(), mm(), va(cont()), va(cont() + 1), page(), true, 3, false);
  ASSERT_TRUE(m_.tlb_fill(kChildMm, va(1), false, 0));
  m()->read(m(), mm(), va(1));
  m()->write(m(), mm(), m_.window_limit(), 0);  // refused: a violation
  m()->contract_error(m(), "x");
  abi()->backend_priv = this;
  m_.reset(0);
  EXPECT_EQ(m()->features, 0u);
  EXPECT_EQ(m()->backend_priv, nullptr);
  EXPECT_TRUE(m_.tlb().entries().empty());
  EXPECT_TRUE(m_.log().empty());
  EXPECT_TRUE(m_.violations().empty());
  EXPECT_FALSE(m_.had_contract_error());
  EXPECT_EQ(m_.counters().reads + m_.counters().writes + m_.counters().tlbis, 0u);
  for (uint32_t id = 0; id < kNumMms; ++id) {
    for (uint64_t v = 0; v < m_.window_limit(); v += page()) ASSERT_EQ(m_.peek(id, v), 0u);
    EXPECT_EQ(m_.next_valid(id, 0), m_.window_limit());
    EXPECT_EQ(m_.next_none(id, m_.window_limit() - page()), m_.window_limit() - page());
    EXPECT_TRUE(m_.all_none(id, 0, m_.window_limit() / page()));
  }
}

INSTANTIATE_TEST_SUITE_P(Granules, MachinePrimTest, ::testing::ValuesIn(kAllGranules), GranuleName);

TEST(MachineNames, EveryEnumeratorHasAName) {
  for (const Prim p : {Prim::kRead, Prim::kWrite, Prim::kXchg, Prim::kCmpxchg, Prim::kFlushRange,
                       Prim::kFlushMm, Prim::kDsb, Prim::kHw}) {
    EXPECT_STRNE(prim_name(p), "?");
  }
  for (const AccessResult r :
       {AccessResult::kOk, AccessResult::kOkTlb, AccessResult::kTranslationFault,
        AccessResult::kAccessFlagFault, AccessResult::kPermissionFault}) {
    EXPECT_STRNE(access_result_name(r), "?");
  }
  EXPECT_TRUE(access_ok(AccessResult::kOkTlb));
  EXPECT_FALSE(access_ok(AccessResult::kAccessFlagFault));
}

}  // namespace
}  // namespace ptediff
