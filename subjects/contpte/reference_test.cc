// ptediff: unit tests of the reference backend, one per API call: the
// resulting entries, the return value and the exact TLB maintenance, on every
// granule, with expected values computed by hand.
#include "subjects/contpte/reference.h"

#include <gtest/gtest.h>

#include <vector>

#include "testing/fixture.h"

namespace ptediff {
namespace {

class ReferenceTest : public ::testing::TestWithParam<ptediff_granule>, public BackendFixture {
 protected:
  ReferenceTest() : BackendFixture(GetParam(), ptediff_reference_backend()) {}
  void ExpectNoFlush() { EXPECT_TRUE(flushes().empty()); }
};

TEST_P(ReferenceTest, PtepGetAndLocklessReadOnce) {
  const pte_t e = entry(kPfn, kRwClean | PTE_CONT);  // hand-poked CONT is returned as is
  poke(va(3), e);
  m_.begin_op();
  EXPECT_EQ(api().ptep_get(kUserMm, va(3)), e);
  EXPECT_EQ(api().ptep_get_lockless(kUserMm, va(3)), e);
  EXPECT_EQ(api().ptep_get(kUserMm, va(4)), 0u);
  ASSERT_EQ(m_.log().size(), 3u);
  EXPECT_EQ(count(Prim::kRead), 3u);
  EXPECT_EQ(m_.counters().reads, 3u);
  EXPECT_EQ(m_.counters().writes + m_.counters().atomics, 0u);
}

TEST_P(ReferenceTest, SetPtesRawEncoding) {
  // kRwClean = 0x0048000000000fc3; PA = 0x10040 << PAGE_SHIFT.
  const pte_t expected[] = {0x0048000010040fc3ULL, 0x0048000040100fc3ULL, 0x0048000100400fc3ULL};
  m_.begin_op();
  api().set_ptes(kUserMm, va(0), entry(kPfn, kRwClean), 1);
  EXPECT_EQ(peek(va(0)), expected[GetParam()]);
}

TEST_P(ReferenceTest, SetPtesConsecutivePfnsAcrossBlockNeverCont) {
  // From two entries before a block boundary to three entries after the next
  // block: spans three blocks, with CONT in the input stripped.
  const uint64_t first = cont() - 2;
  const unsigned nr = static_cast<unsigned>(cont()) + 5;
  m_.begin_op();
  api().set_ptes(kUserMm, va(first), entry(kPfn, kRwClean | PTE_CONT), nr);
  EXPECT_FALSE(m_.had_contract_error());
  ASSERT_EQ(m_.log().size(), nr);
  for (unsigned i = 0; i < nr; ++i) {
    const pte_t want = ((kPfn + i) << geo_.page_shift) | kRwClean;
    EXPECT_EQ(peek(va(first + i)), want) << "entry " << i;
    EXPECT_EQ(m_.log()[i].prim, Prim::kWrite);
    EXPECT_EQ(m_.log()[i].addr, va(first + i));
  }
  EXPECT_EQ(peek(va(first - 1)), 0u);
  EXPECT_EQ(peek(va(first + nr)), 0u);
  ExpectNoFlush();
}

TEST_P(ReferenceTest, PteClearWritesZeroWithoutFlush) {
  poke(va(7), entry(kPfn, kRwHwDirty));
  m_.begin_op();
  api().pte_clear(kUserMm, va(7));
  EXPECT_EQ(peek(va(7)), 0u);
  ASSERT_EQ(m_.log().size(), 1u);
  EXPECT_EQ(m_.log()[0].prim, Prim::kWrite);
  EXPECT_EQ(m_.log()[0].val, 0u);
}

TEST_P(ReferenceTest, PtepGetAndClearReturnsOldWithoutFlush) {
  const pte_t e = entry(kPfn, kRwHwDirty);
  poke(va(7), e);
  m_.begin_op();
  EXPECT_EQ(api().ptep_get_and_clear(kUserMm, va(7)), e);
  EXPECT_EQ(peek(va(7)), 0u);
  ASSERT_EQ(m_.log().size(), 1u);
  EXPECT_EQ(m_.log()[0].prim, Prim::kXchg);
}

TEST_P(ReferenceTest, PtepClearFlushFlushesValidEntrySynced) {
  const pte_t e = entry(kPfn, kRoYoung);
  poke(va(9), e);
  m_.begin_op();
  EXPECT_EQ(api().ptep_clear_flush(kUserMm, va(9)), e);
  EXPECT_EQ(peek(va(9)), 0u);
  EXPECT_EQ(flushes(), std::vector<Flush>{page_flush(va(9), true)});
  EXPECT_EQ(m_.log().front().prim, Prim::kXchg);  // clear before flush
}

TEST_P(ReferenceTest, PtepClearFlushSkipsFlushForInvalidEntry) {
  const pte_t prot_none = entry(kPfn, (kRoYoung & ~PTE_VALID) | PTE_PRESENT_INVALID);
  poke(va(9), prot_none);
  m_.begin_op();
  EXPECT_EQ(api().ptep_clear_flush(kUserMm, va(9)), prot_none);
  EXPECT_EQ(peek(va(9)), 0u);
  m_.begin_op();
  EXPECT_EQ(api().ptep_clear_flush(kUserMm, va(9)), 0u);
  ExpectNoFlush();
}

TEST_P(ReferenceTest, TestAndClearYoung) {
  poke(va(1), entry(kPfn, kRwHwDirty));
  poke(va(2), entry(kPfn + 1, kRwClean & ~PTE_AF));
  m_.begin_op();
  EXPECT_EQ(api().ptep_test_and_clear_young(kUserMm, va(1)), 1);
  EXPECT_EQ(api().ptep_test_and_clear_young(kUserMm, va(2)), 0);
  EXPECT_EQ(peek(va(1)), entry(kPfn, kUserBase | PTE_WRITE));  // dirt kept, AF gone
  EXPECT_EQ(peek(va(2)), entry(kPfn + 1, kUserBase | PTE_WRITE | PTE_RDONLY));
  EXPECT_EQ(count(Prim::kCmpxchg), 2u);
  ExpectNoFlush();
}

TEST_P(ReferenceTest, ClearFlushYoungFlushesOnlyYoungUnsynced) {
  poke(va(1), entry(kPfn, kRwClean));
  poke(va(2), entry(kPfn + 1, kRwClean & ~PTE_AF));
  m_.begin_op();
  EXPECT_EQ(api().ptep_clear_flush_young(kUserMm, va(1)), 1);
  EXPECT_EQ(api().ptep_clear_flush_young(kUserMm, va(2)), 0);
  EXPECT_EQ(peek(va(1)), entry(kPfn, kUserBase | PTE_WRITE | PTE_RDONLY));
  EXPECT_EQ(peek(va(2)), entry(kPfn + 1, kUserBase | PTE_WRITE | PTE_RDONLY));
  EXPECT_EQ(flushes(), std::vector<Flush>{page_flush(va(1), false)});
  EXPECT_EQ(count(Prim::kDsb), 0u);
}

// Entries before and after ptep_set_wrprotect, computed by hand.
struct WrprotectCase {
  pte_t before, after;
};
constexpr WrprotectCase kWrprotectCases[] = {
    {kRwHwDirty, kUserBase | PTE_AF | PTE_RDONLY | PTE_DIRTY},  // hw dirt saved in DIRTY
    {kRwClean, kUserBase | PTE_AF | PTE_RDONLY},
    {kRwClean | PTE_DIRTY, kUserBase | PTE_AF | PTE_RDONLY | PTE_DIRTY},
    {kRoYoung, kRoYoung},
};

TEST_P(ReferenceTest, PtepSetWrprotect) {
  for (const WrprotectCase& c : kWrprotectCases) {
    poke(va(5), entry(kPfn, c.before));
    m_.begin_op();
    api().ptep_set_wrprotect(kUserMm, va(5));
    EXPECT_EQ(peek(va(5)), entry(kPfn, c.after)) << std::hex << c.before;
    EXPECT_EQ(count(Prim::kCmpxchg), 1u);
    ExpectNoFlush();
  }
}

TEST_P(ReferenceTest, WrprotectPtesActsPerEntryAndLeavesNoneAlone) {
  const uint64_t first = cont() - 1;  // straddles a block boundary
  const size_t n = std::size(kWrprotectCases);
  for (size_t i = 0; i < n; ++i) poke(va(first + i), entry(kPfn + i, kWrprotectCases[i].before));
  // first + n stays none and is included in the batch.
  m_.begin_op();
  api().wrprotect_ptes(kUserMm, va(first), static_cast<unsigned>(n + 1));
  for (size_t i = 0; i < n; ++i) {
    EXPECT_EQ(peek(va(first + i)), entry(kPfn + i, kWrprotectCases[i].after)) << i;
  }
  EXPECT_EQ(peek(va(first + n)), 0u);
  EXPECT_EQ(count(Prim::kCmpxchg), n);
  ExpectNoFlush();
}

TEST_P(ReferenceTest, SetAccessFlagsReuseMakesWritableDirtyAndFlushes) {
  // do_wp_page reuse: read-only young entry, entry = mkyoung(mkdirty(mkwrite)).
  poke(va(4), entry(kPfn, kRoYoung));
  const pte_t want = entry(kPfn, kUserBase | PTE_AF | PTE_WRITE | PTE_DIRTY);
  m_.begin_op();
  EXPECT_EQ(api().ptep_set_access_flags(kUserMm, va(4), want, 1), 1);
  EXPECT_EQ(peek(va(4)), want);
  EXPECT_EQ(flushes(), std::vector<Flush>{page_flush(va(4), true)});
}

TEST_P(ReferenceTest, SetAccessFlagsSameEntryIsNoop) {
  const pte_t e = entry(kPfn, kRwHwDirty);
  poke(va(4), e);
  for (const pte_t arg : {e, pte_mkcont(e)}) {  // CONT of the argument is ignored
    m_.begin_op();
    EXPECT_EQ(api().ptep_set_access_flags(kUserMm, va(4), arg, 1), 0);
    EXPECT_EQ(peek(va(4)), e);
    EXPECT_EQ(count(Prim::kCmpxchg), 0u);
    ExpectNoFlush();
  }
}

TEST_P(ReferenceTest, SetAccessFlagsKeepsMostPermissiveRdonlyAndOrsFlags) {
  // Current: writable, hw dirty, young. Argument: RDONLY set, AF clear, other
  // pfn, PXN: RDONLY stays clear, AF stays set, the rest is ignored.
  const pte_t cur = entry(kPfn, kRwHwDirty);
  poke(va(4), cur);
  m_.begin_op();
  const pte_t arg = entry(kPfn + 7, (kRwClean & ~PTE_AF) | PTE_PXN);
  EXPECT_EQ(api().ptep_set_access_flags(kUserMm, va(4), arg, 0), 1);
  EXPECT_EQ(peek(va(4)), cur);
  ExpectNoFlush();
  // Current: read-only, old, clean. Argument: young only: AF is ORed in.
  poke(va(5), entry(kPfn, kRoYoung & ~PTE_AF));
  m_.begin_op();
  EXPECT_EQ(api().ptep_set_access_flags(kUserMm, va(5), entry(kPfn, kRoYoung), 0), 1);
  EXPECT_EQ(peek(va(5)), entry(kPfn, kRoYoung));
  ExpectNoFlush();
}

TEST_P(ReferenceTest, ClearFullPtesClearsEveryEntryWithoutFlush) {
  const uint64_t first = cont() - 2;
  for (uint64_t i = 0; i < 3; ++i) poke(va(first + i), entry(kPfn + i, kRwHwDirty));
  m_.begin_op();
  api().clear_full_ptes(kUserMm, va(first), 4, 1);  // the 4th is none
  for (uint64_t i = 0; i < 4; ++i) EXPECT_EQ(peek(va(first + i)), 0u);
  EXPECT_EQ(count(Prim::kXchg), 4u);
  ExpectNoFlush();
}

TEST_P(ReferenceTest, GetAndClearFullPtesGathersYoungAndDirty) {
  // First: writable, clean, old. Then hw dirty, then young.
  poke(va(0), entry(kPfn, kUserBase | PTE_WRITE | PTE_RDONLY));
  poke(va(1), entry(kPfn + 1, kRwHwDirty & ~PTE_AF));
  poke(va(2), entry(kPfn + 2, kRoYoung));
  m_.begin_op();
  EXPECT_EQ(api().get_and_clear_full_ptes(kUserMm, va(0), 3, 0),
            entry(kPfn, kUserBase | PTE_WRITE | PTE_DIRTY | PTE_AF));
  for (uint64_t i = 0; i < 3; ++i) EXPECT_EQ(peek(va(i)), 0u);
  EXPECT_EQ(count(Prim::kXchg), 3u);
  ExpectNoFlush();
  // Nothing young or dirty: the first entry unchanged.
  const pte_t clean_old = entry(kPfn, kUserBase | PTE_WRITE | PTE_RDONLY);
  poke(va(0), clean_old);
  poke(va(1), entry(kPfn + 1, kUserBase | PTE_WRITE | PTE_RDONLY));
  m_.begin_op();
  EXPECT_EQ(api().get_and_clear_full_ptes(kUserMm, va(0), 2, 0), clean_old);
}

// clear_young_dirty_ptes expectations for entries {hw dirty young, sw dirty
// read-only young, none}, per flag set.
struct CydpCase {
  unsigned flags;
  pte_t after0, after1;
};
constexpr CydpCase kCydpCases[] = {
    {CYDP_CLEAR_YOUNG, kUserBase | PTE_WRITE, kUserBase | PTE_RDONLY | PTE_DIRTY},
    {CYDP_CLEAR_DIRTY, kUserBase | PTE_AF | PTE_WRITE | PTE_RDONLY,
     kUserBase | PTE_AF | PTE_RDONLY},
    {CYDP_CLEAR_YOUNG | CYDP_CLEAR_DIRTY, kUserBase | PTE_WRITE | PTE_RDONLY,
     kUserBase | PTE_RDONLY},
};

TEST_P(ReferenceTest, ClearYoungDirtyPtes) {
  for (const CydpCase& c : kCydpCases) {
    poke(va(0), entry(kPfn, kRwHwDirty));
    poke(va(1), entry(kPfn + 1, kRoYoung | PTE_DIRTY));
    m_.begin_op();
    api().clear_young_dirty_ptes(kUserMm, va(0), 3, c.flags);
    EXPECT_EQ(peek(va(0)), entry(kPfn, c.after0)) << c.flags;
    EXPECT_EQ(peek(va(1)), entry(kPfn + 1, c.after1)) << c.flags;
    EXPECT_EQ(peek(va(2)), 0u) << "a none entry stays none";
    EXPECT_EQ(count(Prim::kCmpxchg), 2u);
    ExpectNoFlush();
  }
}

TEST_P(ReferenceTest, ModifyProtStartCommit) {
  const pte_t old = entry(kPfn, kRwHwDirty);
  poke(va(6), old);
  m_.begin_op();
  EXPECT_EQ(api().ptep_modify_prot_start(kUserMm, va(6)), old);
  EXPECT_EQ(peek(va(6)), 0u);
  const pte_t next = entry(kPfn, kUserBase | PTE_AF | PTE_RDONLY | PTE_DIRTY);
  api().ptep_modify_prot_commit(kUserMm, va(6), old, pte_mkcont(next));
  EXPECT_EQ(peek(va(6)), next);
  ASSERT_EQ(m_.log().size(), 2u);
  EXPECT_EQ(m_.log()[0].prim, Prim::kXchg);
  EXPECT_EQ(m_.log()[1].prim, Prim::kWrite);
}

TEST_P(ReferenceTest, PteBatchHintIsAlwaysOne) {
  for (uint64_t i = 0; i < cont(); ++i) poke(va(i), entry(kPfn + i, kRwClean | PTE_CONT));
  m_.begin_op();
  EXPECT_EQ(api().pte_batch_hint(kUserMm, va(0), peek(va(0))), 1u);
  EXPECT_EQ(api().pte_batch_hint(kUserMm, va(3), 0), 1u);
  EXPECT_TRUE(m_.log().empty());
}

// The reference's cmpxchg loops must absorb a hardware update landing between
// their read and their cmpxchg. The racing machine performs `kind` access to
// the same entry just before the first cmpxchg.
struct Racer {
  Machine* m;
  AccessKind kind;
  bool fired = false;
};
Racer* g_racer = nullptr;

bool RacingCmpxchg(const ptediff_machine* abi, ptediff_mm* mm, uint64_t addr, pte_t* old,
                   pte_t val) {
  if (!g_racer->fired) {
    g_racer->fired = true;
    EXPECT_TRUE(access_ok(g_racer->m->access(mm->id, addr, g_racer->kind, 0)));
  }
  return g_racer->m->prim_cmpxchg(mm, addr, old, val);
}

TEST_P(ReferenceTest, CmpxchgLoopsAbsorbConcurrentHardwareUpdates) {
  ptediff_machine racing = *abi();
  racing.cmpxchg = RacingCmpxchg;
  // wrprotect racing with a hardware dirtying write: the dirt must survive.
  Racer dirtier{&m_, AccessKind::kWrite};
  g_racer = &dirtier;
  poke(va(2), entry(kPfn, kRwClean));
  m_.begin_op();
  be()->ptep_set_wrprotect(&racing, mm(), va(2));
  EXPECT_EQ(peek(va(2)), entry(kPfn, kUserBase | PTE_AF | PTE_RDONLY | PTE_DIRTY));
  EXPECT_EQ(count(Prim::kCmpxchg), 2u);  // one failed, one succeeded
  // test_and_clear_young racing with a hardware AF update: reports young.
  Racer reader{&m_, AccessKind::kRead};
  g_racer = &reader;
  poke(va(3), entry(kPfn + 1, kRoYoung & ~PTE_AF));
  m_.begin_op();
  EXPECT_EQ(be()->ptep_test_and_clear_young(&racing, mm(), va(3)), 1);
  EXPECT_EQ(peek(va(3)), entry(kPfn + 1, kRoYoung & ~PTE_AF));
  g_racer = nullptr;
}

TEST_P(ReferenceTest, OutOfWindowUpdateTerminates) {
  const uint64_t beyond = m_.window_limit();
  m_.begin_op();
  EXPECT_EQ(api().ptep_test_and_clear_young(kUserMm, beyond), 0);
  EXPECT_EQ(api().ptep_set_access_flags(kUserMm, beyond, entry(kPfn, kRwClean), 1), 1);
  EXPECT_FALSE(m_.violations().empty());
  EXPECT_FALSE(m_.had_contract_error());
}

INSTANTIATE_TEST_SUITE_P(Granules, ReferenceTest, ::testing::ValuesIn(kAllGranules), GranuleName);

// 64K granule, 52-bit PAs: pfns advance through pfn_pte, carrying from PA[47]
// into the PA[51:48] field at bits [15:12].
class ReferenceHighPaTest : public ::testing::Test, public BackendFixture {
 protected:
  ReferenceHighPaTest() : BackendFixture(PTEDIFF_GRANULE_64K, ptediff_reference_backend()) {}
};

TEST_F(ReferenceHighPaTest, SetPtesCarriesIntoPa51To48) {
  const uint64_t start = (1ULL << 32) - 2;  // PA 2^48 - 128K
  m_.begin_op();
  api().set_ptes(kUserMm, va(0), entry(start, kRwClean), 4);
  EXPECT_EQ(peek(va(0)), 0x0000fffffffe0000ULL | kRwClean);
  EXPECT_EQ(peek(va(1)), 0x0000ffffffff0000ULL | kRwClean);
  EXPECT_EQ(peek(va(2)), 0x0000000000001000ULL | kRwClean);  // PA 2^48: bit 12
  EXPECT_EQ(peek(va(3)), 0x0000000000011000ULL | kRwClean);
  for (uint64_t i = 0; i < 4; ++i) EXPECT_EQ(pte_pfn(&geo_, peek(va(i))), start + i);
}

TEST_F(ReferenceHighPaTest, SetPtesOfHighFolio) {
  const ptediff_folio f = folios_.alloc(5, Placement::kHigh);
  ASSERT_EQ(f.start_pfn, 1ULL << 35);  // PA 2^51: PA[51:48] = 0b1000
  m_.begin_op();
  api().set_ptes(kUserMm, va(32), entry(f.start_pfn, kRwClean), 32);
  for (uint64_t i = 0; i < 32; ++i) {
    EXPECT_EQ(peek(va(32 + i)), (i << 16) | 0x8000 | kRwClean) << i;
    EXPECT_EQ(pte_pfn(&geo_, peek(va(32 + i))), f.start_pfn + i);
  }
}

TEST(ReferenceBackend, IdentityAndInit) {
  const ptediff_backend* be = ptediff_reference_backend();
  ASSERT_NE(be, nullptr);
  EXPECT_EQ(be->abi_version, static_cast<uint32_t>(PTEDIFF_ABI_VERSION));
  EXPECT_STREQ(be->name, "reference");
  const ptediff_geometry geo = ptediff_geometry_of(PTEDIFF_GRANULE_4K);
  FolioMap folios(geo);
  Machine m(geo, PTEDIFF_FEAT_HAFDBS, &folios);
  EXPECT_EQ(be->init(m.abi(), ""), 0);
  EXPECT_EQ(be->init(m.abi(), nullptr), 0);
  EXPECT_EQ(be->init(m.abi(), "  "), 0);
  EXPECT_FALSE(m.had_contract_error());
  // The options the harness gives any backend run as O are accepted.
  EXPECT_EQ(be->init(m.abi(), "profile=fold mutant=none"), 0);
  EXPECT_FALSE(m.had_contract_error());
  EXPECT_NE(be->init(m.abi(), "mutant=get-no-gather"), 0);
  EXPECT_TRUE(m.had_contract_error());
  m.begin_op();
  EXPECT_NE(be->init(m.abi(), "frob=1"), 0);
  EXPECT_TRUE(m.had_contract_error());
}

}  // namespace
}  // namespace ptediff
