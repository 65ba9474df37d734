// ptediff conformance: the contpte bugs fixed upstream, each as the kernel
// scenario that exposes it. Every scenario passes on the fixed backend (with
// O's exact state asserted) and diverges with the mutant that reinstates the
// bug, at the op and in the class the bug shows.
#include <gtest/gtest.h>

#include "subjects/contpte/scenario_test_util.h"
#include "oracle/divergence.h"

namespace ptediff {
namespace {

constexpr uint64_t kBlk = 0x10000;
constexpr uint64_t kPage = 0x1000;

RunOptions with_mutant(const char* name) {
  RunOptions o;
  o.mutant = name;
  return o;
}

// The first divergence is of `cls` at op `index`.
::testing::AssertionResult DivergesAt(const Scenario& s, DivClass cls, size_t index) {
  if (!s.parsed()) return ::testing::AssertionFailure() << s.parse_error();
  if (!s.diverged()) return ::testing::AssertionFailure() << "no divergence\n" << s.report();
  const Divergence& d = s.result().divergences.front();
  if (d.cls != cls || d.op_index != index) {
    return ::testing::AssertionFailure()
           << "expected " << div_class_name(cls) << " at op " << index << "\n"
           << s.report();
  }
  return ::testing::AssertionSuccess();
}

// v1 review of the series: contpte_ptep_set_access_flags missed its TLBIs.
// Without hardware DBM, a write to a writable-clean folded block takes a
// permission fault; the handler makes the block dirty block-wide and must
// invalidate the read-only translation the TLB cached, or the retried write
// faults again forever.
constexpr const char* kAccessFlagsNoTlbi = R"(
fault mm=0 va=0x10000 order=4 write=1 place=low
madv_free mm=0 va=0x10000
ptep_set_access_flags mm=0 va=0x13000 write=0 dirty=0
access mm=0 va=0x13000 kind=read pick=3
access mm=0 va=0x13000 kind=write pick=3
wp_fault mm=0 va=0x13000 reuse=0
)";

TEST(UpstreamFix, AccessFlagsFlushTheBlock) {
  const Scenario s(header_for(PTEDIFF_GRANULE_4K, "none"), kAccessFlagsNoTlbi);
  ASSERT_TRUE(Agrees(s));
  EXPECT_EQ(s.step(4).opt_rets.at(0).value, static_cast<uint64_t>(AccessResult::kPermissionFault));
  const TraceStep& wp = s.step(5);
  EXPECT_EQ(wp.opt_rets.at(1).value, static_cast<uint64_t>(AccessResult::kOk)) << "the retry";
  EXPECT_TRUE(flushed_synced(wp.opt_log, s.geo(), 0, kBlk, kBlk + 16 * kPage));
  EXPECT_TRUE(block_folded(s.opt(), 0, kBlk));
  for (uint64_t i = 0; i < 16; ++i) EXPECT_TRUE(pte_hw_dirty(s.o(0, kBlk + i * kPage))) << i;
}

TEST(UpstreamFix, AccessFlagsWithoutTheFlushRefault) {
  const Scenario s(header_for(PTEDIFF_GRANULE_4K, "none"), kAccessFlagsNoTlbi,
                   with_mutant("access-flags-no-tlbi"));
  EXPECT_TRUE(DivergesAt(s, DivClass::kReturnValue, 5));
  EXPECT_TRUE(flushes(s.step(5).opt_log).empty());
}

// Later upstream fix (per-entry no-op check in contpte_ptep_set_access_flags):
// the gathered value may already look dirty (the hardware dirtied a sibling) while
// the faulting entry is still read-only; treating that as "nothing to do"
// leaves the write fault unresolved.
constexpr const char* kGatheredNoop = R"(
fault mm=0 va=0x10000 order=4 write=1 place=low
madv_free mm=0 va=0x10000
access mm=0 va=0x13000 kind=write pick=5
wp_fault mm=0 va=0x13000 reuse=0
)";

TEST(UpstreamFix, AccessFlagsCompareEveryRawEntry) {
  const Scenario s(k4kHafdbs, kGatheredNoop);
  ASSERT_TRUE(Agrees(s));
  // The write through page 3 dirtied entry 5 only; entry 3 was still read-only.
  size_t hw = 0;
  for (const LogRec& r : s.step(2).opt_log) {
    if (r.prim != Prim::kHw) continue;
    ++hw;
    EXPECT_EQ(r.addr, kBlk + 5 * kPage);
  }
  EXPECT_EQ(hw, 1u);
  EXPECT_EQ(s.step(3).opt_rets.at(0).value, 1u) << "the handler changed the block";
  for (uint64_t i = 0; i < 16; ++i) {
    const pte_t o = s.o(0, kBlk + i * kPage);
    EXPECT_TRUE(pte_hw_dirty(o) && pte_young(o)) << i;
  }
}

TEST(UpstreamFix, AccessFlagsGatheredNoopLeavesTheFaultUnresolved) {
  const Scenario s(k4kHafdbs, kGatheredNoop, with_mutant("access-flags-gathered-noop"));
  EXPECT_TRUE(DivergesAt(s, DivClass::kReturnValue, 3));
  EXPECT_TRUE(pte_rdonly(s.o(0, kBlk + 3 * kPage))) << "the faulting entry stayed read-only";
}

// Upstream fix (2024) of contpte_clear_young_dirty_ptes: the walk length was computed in
// bytes instead of pages, so MADV_FREE of one folded folio also cleaned the
// dirty folio mapped after it (lost data once reclaim drops "clean" pages).
constexpr const char* kMadvFreeNeighbour = R"(
fault mm=0 va=0x20000 order=5 write=1 place=low
fault mm=0 va=0x40000 order=5 write=1 place=low
madv_free mm=0 va=0x20000
)";

TEST(UpstreamFix, MadvFreeCleansOnlyItsFolio) {
  const Scenario s(k4kHafdbs, kMadvFreeNeighbour);
  ASSERT_TRUE(Agrees(s));
  for (uint64_t i = 0; i < 32; ++i) {
    const pte_t freed = s.o(0, 0x20000 + i * kPage), kept = s.o(0, 0x40000 + i * kPage);
    EXPECT_FALSE(pte_dirty(freed) || pte_young(freed)) << i;
    EXPECT_TRUE(pte_dirty(kept) && pte_young(kept)) << i;
  }
  EXPECT_EQ(folded_blocks(s.opt(), 0, 0x20000, 64), 4u);
}

TEST(UpstreamFix, MadvFreeByteCountCleansTheNeighbour) {
  const Scenario s(k4kHafdbs, kMadvFreeNeighbour, with_mutant("clear-young-dirty-bytes"));
  EXPECT_TRUE(DivergesAt(s, DivClass::kAccessDirty, 2));
  EXPECT_FALSE(pte_dirty(s.o(0, 0x40000))) << "the neighbour lost its dirty bit";
}

}  // namespace
}  // namespace ptediff
