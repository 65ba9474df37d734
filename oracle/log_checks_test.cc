// ptediff: the shared log checks (oracle/log_checks.h, oracle/flush.h) on
// hand-built logs: each fires on a bad log and stays quiet on a legal one.
#include "oracle/log_checks.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "oracle/flush.h"

namespace ptediff {
namespace {

const ptediff_geometry kGeo = ptediff_geometry_of(PTEDIFF_GRANULE_4K);
constexpr uint64_t kPage = 0x1000;

pte_t page(uint64_t pfn) { return pfn_pte(&kGeo, pfn, PTE_VALID | PTE_TYPE_PAGE | PTE_AF); }

LogRec write(uint64_t va, pte_t old, pte_t val, int level = kPteLevel) {
  LogRec r{.prim = Prim::kWrite};
  r.level = static_cast<int8_t>(level);
  r.addr = va;
  r.old = old;
  r.val = val;
  return r;
}
LogRec flush(uint64_t start, uint64_t end, int tlb_level, bool sync) {
  LogRec r{.prim = Prim::kFlushRange};
  r.addr = start;
  r.end = end;
  r.stride = kPage;
  r.tlb_level = static_cast<int8_t>(tlb_level);
  r.sync = sync;
  return r;
}
LogRec dsb() { return LogRec{.prim = Prim::kDsb}; }

// The classes a check reported, in order (passed as its Report).
struct Found {
  mutable std::vector<DivClass> cls;
  mutable std::string what;
  void operator()(DivClass c, uint32_t, uint64_t, std::string w) const {
    cls.push_back(c);
    what = std::move(w);
  }
};

std::vector<DivClass> bbm(const std::vector<LogRec>& log, bool bbml2 = false) {
  Found f;
  check_bbm(kGeo, log, bbml2, f);
  return f.cls;
}

TEST(Bbm, FiresOnALiveAddressChange) {
  EXPECT_EQ(bbm({write(0x10000, page(5), page(6))}), std::vector{DivClass::kBbm});
}

TEST(Bbm, FiresOnAMakeBeforeTheBreakWasInvalidated) {
  EXPECT_EQ(bbm({write(0x10000, page(5), 0), write(0x10000, 0, page(6))}),
            std::vector{DivClass::kBbm});
  // Invalidated but not completed: still a violation.
  EXPECT_EQ(bbm({write(0x10000, page(5), 0), flush(0x10000, 0x11000, 3, false),
                 write(0x10000, 0, page(6))}),
            std::vector{DivClass::kBbm});
  // Invalidated at another level: the PTE's translation may survive.
  EXPECT_EQ(bbm({write(0x10000, page(5), 0), flush(0x10000, 0x11000, 2, true),
                 write(0x10000, 0, page(6))}),
            std::vector{DivClass::kBbm});
}

TEST(Bbm, QuietOnBreakInvalidateMake) {
  EXPECT_TRUE(bbm({write(0x10000, page(5), 0), flush(0x10000, 0x11000, 3, true),
                   write(0x10000, 0, page(6))})
                  .empty());
  EXPECT_TRUE(bbm({write(0x10000, page(5), 0), flush(0x10000, 0x11000, 0, false), dsb(),
                   write(0x10000, 0, page(6))})
                  .empty());
  // Permission and access-flag changes need no break.
  EXPECT_TRUE(bbm({write(0x10000, page(5), page(5) | PTE_RDONLY)}).empty());
}

TEST(Bbm, SizeChangesNeedABreakOnlyWithoutBbml2) {
  const std::vector<LogRec> cont = {write(0x10000, page(5), page(5) | PTE_CONT)};
  EXPECT_EQ(bbm(cont), std::vector{DivClass::kBbm});
  EXPECT_TRUE(bbm(cont, /*bbml2=*/true).empty());
  // A block split into a table is a size change; an address change is
  // never allowed live, BBML2 or not.
  const pte_t block = pfn_pte(&kGeo, 0x200, PTE_VALID | PTE_AF);
  const pte_t table = pfn_pte(&kGeo, 0x999, PTE_VALID | PTE_TYPE_PAGE);
  EXPECT_TRUE(bbm({write(0x200000, block, table, kPmdLevel)}, true).empty());
  EXPECT_EQ(bbm({write(0x200000, block, table, kPmdLevel)}), std::vector{DivClass::kBbm});
  EXPECT_EQ(bbm({write(0x10000, page(5), page(6))}, true), std::vector{DivClass::kBbm});
  EXPECT_EQ(bbm_change(kGeo, kPteLevel, page(5), page(5) | (1ULL << 2)), BbmChange::kMemoryType);
}

TEST(Locks, FiresOnAWriteNoHeldLockCovers) {
  const LockId held[] = {lock_covering(kGeo, 0, 0x10000, kPteLevel)};
  Found f;
  check_locks(kGeo, {write(0x10000, 0, page(5))}, held, /*is_ref=*/false, f);
  EXPECT_TRUE(f.cls.empty());
  // A PTE of the next PTE table (2M on): another lock.
  check_locks(kGeo, {write(0x210000, 0, page(5))}, held, false, f);
  EXPECT_EQ(f.cls, std::vector{DivClass::kLock});
  check_locks(kGeo, {write(0x210000, 0, page(5))}, held, /*is_ref=*/true, f);
  EXPECT_EQ(f.cls.back(), DivClass::kContract);
}

TEST(Locks, QuietOnHardwareUpdatesAndRefusedWrites) {
  LogRec hw = write(0x210000, page(5), page(5) | PTE_DIRTY);
  hw.prim = Prim::kHw;
  hw.agent = Agent::kHardware;
  LogRec refused = write(0x210000, 0, page(5));
  refused.ok = false;
  Found f;
  check_locks(kGeo, {hw, refused}, {}, false, f);
  EXPECT_TRUE(f.cls.empty());
}

TEST(Violations, ClassifiesEachSideOncePerClass) {
  Found f;
  check_violations({}, {}, 0, 0, f);
  EXPECT_TRUE(f.cls.empty());
  check_violations({"write mm=0 va=0x0 outside"}, {"write outside", "xchg outside", "contract: x"},
                   0, 0, f);
  EXPECT_EQ(f.cls, (std::vector{DivClass::kContract, DivClass::kOutOfWindow, DivClass::kContract}));
}

TEST(FlushLedger, FiresOnAChangeLeftUninvalidatedOrUncompleted) {
  auto needs = [](const LogRec& r) { return change_needs_flush(kGeo, r.old, r.val); };
  FlushLedger l(kGeo);
  uint32_t mm = 9;
  int level = 0;
  uint64_t p = 0;
  l.walk({write(0x10000, page(5), 0)}, needs);
  ASSERT_TRUE(l.any_pending(&mm, &level, &p));
  EXPECT_EQ(p, 0x10u);
  l.walk({write(0x10000, page(5), 0), flush(0x10000, 0x11000, 3, false)}, needs);
  EXPECT_EQ(l.first_pending(0, kPteLevel, 0, 0x100), 0x10u);  // issued, never completed
  l.walk({write(0x10000, page(5), 0), flush(0x10000, 0x11000, 2, true)}, needs);
  EXPECT_EQ(l.first_pending(0, kPteLevel, 0, 0x100), 0x10u);  // another level
  // A PMD block is reached by a flush of any of its pages, at its level.
  const pte_t block = pfn_pte(&kGeo, 0x200, PTE_VALID | PTE_AF);
  l.walk({write(0x200000, block, 0, kPmdLevel), flush(0x3ff000, 0x400000, 3, true)}, needs);
  EXPECT_EQ(l.first_pending(0, kPmdLevel, 0x200, 0x400), 0x200u);
}

TEST(FlushLedger, QuietWhenEveryChangeIsInvalidatedAndCompleted) {
  auto needs = [](const LogRec& r) { return change_needs_flush(kGeo, r.old, r.val); };
  FlushLedger l(kGeo);
  uint32_t mm = 0;
  int level = 0;
  uint64_t p = 0;
  l.walk({write(0x10000, page(5), 0), flush(0x10000, 0x11000, 3, true)}, needs);
  EXPECT_FALSE(l.any_pending(&mm, &level, &p));
  l.walk({write(0x10000, page(5), 0), flush(0x10000, 0x11000, 0, false), dsb()}, needs);
  EXPECT_FALSE(l.any_pending(&mm, &level, &p));
  LogRec all{.prim = Prim::kFlushMm, .sync = true};
  l.walk({write(0x10000, page(5), 0), all}, needs);
  EXPECT_FALSE(l.any_pending(&mm, &level, &p));
  // Access-flag and write-permission gains need nothing.
  l.walk(
      {write(0x10000, page(5), page(5) & ~PTE_AF), write(0x11000, page(5) | PTE_RDONLY, page(5))},
      needs);
  EXPECT_FALSE(l.any_pending(&mm, &level, &p));
  const pte_t block = pfn_pte(&kGeo, 0x200, PTE_VALID | PTE_AF);
  l.walk({write(0x200000, block, 0, kPmdLevel), flush(0x3ff000, 0x400000, 2, true)}, needs);
  EXPECT_EQ(l.first_pending(0, kPmdLevel, 0x200, 0x400), 0x400u);
}

}  // namespace
}  // namespace ptediff
