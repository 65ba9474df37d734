// ptediff hugetlb: every check of checks.h fires on a hand-built bad state
// and stays quiet on the legal one next to it.
#include "subjects/hugetlb/checks.h"

#include <gtest/gtest.h>

#include "mmu/locks.h"
#include "subjects/hugetlb/hw.h"

namespace ptediff::hugetlb {
namespace {

class HugetlbChecks : public ::testing::Test {
 protected:
  HugetlbChecks()
      : h_(hstate_of(PTEDIFF_GRANULE_4K, HSize::kContPte)),
        r_(h_, hugetlb_reference_backend()),
        o_(h_, hugetlb_optimized_backend()) {
    EXPECT_EQ(r_.reset(PTEDIFF_FEAT_HAFDBS, ""), "");
    EXPECT_EQ(o_.reset(PTEDIFF_FEAT_HAFDBS, "mutant=none"), "");
  }
  // Both sides fault huge page 1 of mm 0 in (read, young, read-only).
  void fault_both(bool write = false) {
    Op op;
    op.page = 1;
    op.write = write;
    r_.run_flow(op);
    o_.run_flow(op);
  }
  pte_t entry(Side& s, uint32_t i) { return s.machine().peek(0, va_ + i * h_.pgsize); }
  void poke(Side& s, uint32_t i, pte_t v) { s.machine().poke(0, va_ + i * h_.pgsize, v); }
  std::vector<Divergence> state() {
    std::vector<Divergence> out;
    check_state(r_, o_, {{0, va_}}, &uncertain_, &out);
    return out;
  }

  HState h_;
  Side r_, o_;
  const uint64_t va_ = h_.bytes;
  YoungUncertain uncertain_;
};

TEST_F(HugetlbChecks, PteStateComparesEveryEntryWithoutAccessDirty) {
  fault_both();
  EXPECT_TRUE(state().empty());
  poke(o_, 5, pte_mkyoung(pte_mkold(entry(o_, 5))));  // same bits: quiet
  EXPECT_TRUE(state().empty());
  poke(o_, 5, entry(o_, 5) & ~PTE_CONT);
  const std::vector<Divergence> d = state();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].cls, DivClass::kPteState);
  EXPECT_EQ(d[0].va, va_ + 5 * h_.pgsize);
}

TEST_F(HugetlbChecks, AccessDirtyIsTheRangesOr) {
  fault_both(/*write=*/true);
  poke(r_, 0, pte_mkclean(entry(r_, 0)));
  EXPECT_TRUE(state().empty()) << "dirty elsewhere in the range: the OR agrees";
  for (uint32_t i = 0; i < h_.ncontig; ++i) poke(o_, i, pte_mkclean(entry(o_, i)));
  const std::vector<Divergence> d = state();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].cls, DivClass::kAccessDirty);
}

TEST_F(HugetlbChecks, YoungMayDifferOnlyUnderAYoungTranslation) {
  fault_both();
  for (uint32_t i = 0; i < h_.ncontig; ++i) poke(o_, i, pte_mkold(entry(o_, i)));
  ASSERT_EQ(state().size(), 1u) << "old without a cached young translation";
  o_.machine().poke(0, va_, pte_mkyoung(entry(o_, 0)));
  ASSERT_TRUE(o_.machine().tlb_fill(0, va_, true, 0));  // caches the young block
  poke(o_, 0, pte_mkold(entry(o_, 0)));
  note_young_uncertain(r_, o_, {{0, va_}}, &uncertain_);
  EXPECT_TRUE(state().empty());
  EXPECT_EQ(uncertain_.size(), 1u);
}

// Both sides hold the range clean; O's TLB still caches it dirty, as after a
// hardware write lost between damon_hugetlb_mkold's read and its store. A
// write through that translation dirties nothing on O, while R walks.
TEST_F(HugetlbChecks, DirtyMayDifferOnlyUnderADirtyTranslationLeftByMkold) {
  fault_both(/*write=*/true);
  ASSERT_TRUE(o_.machine().tlb_fill(0, va_, true, 0));  // caches the dirty block
  for (Side* s : {&r_, &o_}) {
    for (uint32_t i = 0; i < h_.ncontig; ++i) poke(*s, i, pte_mkclean(entry(*s, i)));
  }
  poke(r_, 3, pte_mkdirty(entry(r_, 3)));  // R's walk dirtied it; O's TLB served the write
  YoungUncertain dirty;
  note_dirty_uncertain(r_, o_, {{0, va_}}, &dirty);
  EXPECT_TRUE(dirty.empty()) << "R is dirty already: the sides disagree, nothing is noted";
  poke(r_, 3, pte_mkclean(entry(r_, 3)));
  note_dirty_uncertain(r_, o_, {{0, va_}}, &dirty);
  ASSERT_EQ(dirty, (YoungUncertain{{0, va_}}));
  poke(r_, 3, pte_mkdirty(entry(r_, 3)));
  std::vector<Divergence> out;
  EXPECT_EQ(check_state(r_, o_, {{0, va_}}, &uncertain_, &out), 0u);
  ASSERT_EQ(out.size(), 1u) << "without the noted page, lost dirty";
  EXPECT_EQ(out[0].cls, DivClass::kAccessDirty);
  out.clear();
  EXPECT_EQ(check_state(r_, o_, {{0, va_}}, &uncertain_, &out, &dirty), 1u);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(dirty.size(), 1u) << "still uncertain: O's TLB caches it dirty";
  // Settled once both agree with no such translation left.
  o_.machine().prim_flush_tlb_mm(o_.machine().mm(0));
  poke(o_, 3, pte_mkdirty(entry(o_, 3)));
  out.clear();
  check_state(r_, o_, {{0, va_}}, &uncertain_, &out, &dirty);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(dirty.empty());
}

TEST_F(HugetlbChecks, FlushMissingFiresOnATranslationTheEntriesNoLongerAllow) {
  fault_both();
  ASSERT_TRUE(o_.machine().tlb_fill(0, va_, true, 0));
  std::vector<Divergence> d;
  check_tlb(o_, false, &d);
  EXPECT_TRUE(d.empty());
  for (uint32_t i = 0; i < h_.ncontig; ++i) poke(o_, i, 0);
  check_tlb(o_, false, &d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].cls, DivClass::kFlushMissing);
  d.clear();
  check_tlb(o_, true, &d);  // the same on R is the model's own error
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].cls, DivClass::kContract);
}

TEST_F(HugetlbChecks, BbmWantsTheBreakInvalidatedBeforeAnotherOutputOrSize) {
  fault_both();
  const ptediff_machine* m = o_.machine().abi();
  ptediff_mm* mm = o_.machine().mm(0);
  const Hw hw{m, mm};
  const pte_t first = entry(o_, 0);
  // Breaks the range, flushes it or not, and makes it again read-only, with
  // its output moved by `shift` pages and CONT kept or dropped.
  auto rewrite = [&](bool flush, uint64_t shift, bool cont) {
    const pte_t now = entry(o_, 0);
    o_.machine().begin_op();
    for (uint32_t i = 0; i < h_.ncontig; ++i) hw.get_and_clear(va_ + i * h_.pgsize, kPteLevel);
    if (flush) hw.flush_range(va_, va_ + h_.bytes, hw.page_size(), kPteLevel);
    for (uint32_t i = 0; i < h_.ncontig; ++i) {
      pte_t e = pte_wrprotect(
          pfn_pte(&h_.geo, pte_pfn(&h_.geo, now) + shift + i, pte_pgprot(&h_.geo, now)));
      if (!cont) e &= ~PTE_CONT;
      hw.set(va_ + i * h_.pgsize, kPteLevel, e);
    }
    std::vector<Divergence> d;
    check_bbm(o_, &d);
    return d;
  };
  const uint64_t far = h_.ncontig * h_.dpfn();  // the next huge page's output
  EXPECT_TRUE(rewrite(true, far, true).empty());
  // A permission change of the same output and size may meet the stale
  // translation (mprotect on 7.3's set_huge_pte_at).
  EXPECT_TRUE(rewrite(false, 0, true).empty());
  for (const auto& [shift, cont] : {std::pair<uint64_t, bool>{far, true}, {0, false}}) {
    const std::vector<Divergence> d = rewrite(false, shift, cont);
    ASSERT_EQ(d.size(), 1u) << "shift " << shift << " cont " << cont;
    EXPECT_EQ(d[0].cls, DivClass::kBbm);
  }
  // A live replacement by another output.
  o_.machine().begin_op();
  hw.set(va_ + h_.pgsize, kPteLevel, first);
  std::vector<Divergence> live;
  check_bbm(o_, &live);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].cls, DivClass::kBbm);
  // One entry broken and flushed, then made CONT with an output its valid
  // neighbours do not continue.
  o_.machine().begin_op();
  hw.get_and_clear(va_ + 3 * h_.pgsize, kPteLevel);
  hw.flush_range(va_, va_ + h_.bytes, hw.page_size(), kTtlUnknown);
  hw.set(va_ + 3 * h_.pgsize, kPteLevel,
         pfn_pte(&h_.geo, pte_pfn(&h_.geo, first) + 7, pte_pgprot(&h_.geo, first)));
  std::vector<Divergence> mixed;
  check_bbm(o_, &mixed);
  ASSERT_EQ(mixed.size(), 1u);
  EXPECT_NE(mixed[0].what.find("inconsistent"), std::string::npos) << mixed[0].what;
}

TEST_F(HugetlbChecks, LockFiresOnAWriteNoClaimCovers) {
  fault_both();
  std::vector<Divergence> d;
  check_locks(o_, false, &d);
  EXPECT_TRUE(d.empty()) << "the fault took the PTE table's lock";
  o_.machine().begin_op();  // a fresh op: no claims of this one survive in the log
  Op get;
  get.kind = OpKind::kGet;
  get.page = 1;
  o_.run_flow(get);  // lockless, no claim
  o_.machine().abi()->write_level(o_.machine().abi(), o_.machine().mm(0), va_, kPteLevel, 0);
  check_locks(o_, false, &d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].cls, DivClass::kLock);
}

TEST_F(HugetlbChecks, ReturnValueComparesObservationsExceptUncertainYoung) {
  fault_both();
  for (uint32_t i = 0; i < h_.ncontig; ++i) poke(o_, i, pte_mkold(entry(o_, i)));
  Op get;
  get.kind = OpKind::kGet;
  get.page = 1;
  r_.run_flow(get);
  o_.run_flow(get);
  std::vector<Divergence> d;
  check_returns(r_, o_, {}, &d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].cls, DivClass::kReturnValue);
  d.clear();
  check_returns(r_, o_, {{0, va_}}, &d);
  EXPECT_TRUE(d.empty());
}

}  // namespace
}  // namespace ptediff::hugetlb
