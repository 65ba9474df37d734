// ptediff hugetlb: the program's pages (pages.h), and that looking only at the
// pages an op may have changed changes nothing: on random programs of every
// hstate, with and without mid-op events, under every mutant, every
// divergence and the trace hash equal those of looking at every named page
// after every op (RunOptions::every_page), with reads in the logs or not.
#include "subjects/hugetlb/pages.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "formats/byte_reader.h"
#include "subjects/hugetlb/checks.h"
#include "subjects/hugetlb/executor.h"
#include "subjects/hugetlb/mutants.h"
#include "subjects/hugetlb/testing.h"

namespace ptediff::hugetlb {
namespace {

std::vector<size_t> members(const PosSet& s) {
  std::vector<size_t> out;
  s.for_each([&](size_t i) { out.push_back(i); });
  return out;
}

// The arm64 backend named `name`, with `set` as its set_huge_pte_at (made
// once per caller: Sides are built per O backend).
const ptediff_backend_v2* arm64_with_set(const char* name,
                                         decltype(ptediff_backend_v2::set_huge_pte_at) set) {
  auto* b = new ptediff_backend_v2(*hugetlb_optimized_backend());  // kept for the process
  b->name = name;
  b->set_huge_pte_at = set;
  return b;
}

// The verdicts and hash of two ways of running one program agree.
void expect_same(const RunResult& fast, const RunResult& every, const std::string& what) {
  EXPECT_EQ(fast.error, every.error) << what;
  EXPECT_EQ(fast.ops_run, every.ops_run) << what;
  EXPECT_EQ(fast.trace_hash, every.trace_hash) << what;
  ASSERT_EQ(fast.divergences.size(), every.divergences.size()) << what;
  for (size_t i = 0; i < fast.divergences.size(); ++i) {
    const Divergence &a = fast.divergences[i], &b = every.divergences[i];
    EXPECT_EQ(a.op_index, b.op_index) << what;
    EXPECT_EQ(a.cls, b.cls) << what;
    EXPECT_EQ(a.mm, b.mm) << what;
    EXPECT_EQ(a.va, b.va) << what;
    EXPECT_EQ(a.what, b.what) << what;
    EXPECT_EQ(a.ref_block, b.ref_block) << what;
    EXPECT_EQ(a.opt_block, b.opt_block) << what;
  }
}

TEST(HugetlbPages, PosSetWalksItsMembersInOrder) {
  PosSet s;
  for (size_t i : {130u, 3u, 64u, 3u}) s.insert(i);
  EXPECT_EQ(members(s), (std::vector<size_t>{3, 64, 130}));
  s.erase(64);
  s.erase(1000);  // past the end: nothing
  EXPECT_TRUE(s.contains(3) && !s.contains(64) && !s.contains(1000));
  s.insert_below(2);
  EXPECT_EQ(members(s), (std::vector<size_t>{0, 1, 3, 130}));
  s.clear();
  EXPECT_TRUE(members(s).empty());
}

TEST(HugetlbPages, IndexNamesEachPageOnceInBothMms) {
  const HState h = hstate_of(PTEDIFF_GRANULE_4K, HSize::kContPte);
  PageIndex idx;
  idx.reset(h);
  EXPECT_TRUE(idx.name(5));
  EXPECT_FALSE(idx.name(5));
  EXPECT_TRUE(idx.name(0));
  EXPECT_EQ(idx.refs(), (std::vector<PageRef>{{0, 5 * h.bytes}, {1, 5 * h.bytes}, {0, 0}, {1, 0}}));
  EXPECT_EQ(idx.position(1, 5 * h.bytes + h.pgsize), 1);  // any address inside the page
  EXPECT_EQ(idx.position(0, 6 * h.bytes), PageIndex::kUnnamed);
  EXPECT_EQ(idx.position(2, 0), PageIndex::kUnnamed);  // the kernel mm
  idx.reset(h);                                        // forgets what it named
  EXPECT_EQ(idx.size(), 0u);
  EXPECT_EQ(idx.position(0, 5 * h.bytes), PageIndex::kUnnamed);
}

TEST(HugetlbPages, WrittenPagesAreThoseTheLogWroteAndThoseBelowAnUpperEntry) {
  const HState h = hstate_of(PTEDIFF_GRANULE_4K, HSize::kContPte);  // 64K pages, 32 per PMD
  PageIndex idx;
  idx.reset(h);
  for (uint64_t page : {0, 3, 40, 70}) idx.name(page);
  auto written = [&](std::vector<LogRec> log) {
    PosSet s;
    idx.add_written(log, &s);
    return members(s);
  };
  LogRec w{.prim = Prim::kWrite, .mm = 1, .level = kPteLevel, .addr = 3 * h.bytes + 2 * h.pgsize};
  EXPECT_EQ(written({w}), (std::vector<size_t>{3}));  // mm 1's page 3
  LogRec read = w, refused = w;
  read.prim = Prim::kRead;
  refused.ok = false;
  EXPECT_TRUE(written({read, refused}).empty()) << "no entry changed";
  // A PMD entry maps pages 32-63: page 40 of mm 0 lies below it.
  LogRec pmd{.prim = Prim::kXchg, .mm = 0, .level = kPmdLevel, .addr = 32 * h.bytes};
  EXPECT_EQ(written({pmd}), (std::vector<size_t>{4}));
  LogRec hw = w;
  hw.prim = Prim::kHw;
  hw.mm = 0;
  hw.addr = 70 * h.bytes;
  EXPECT_EQ(written({hw, pmd}), (std::vector<size_t>{4, 6}));
}

// Both ways of check_op after each op of one run, each with its own state.
class BothWays : public ::testing::Test {
 protected:
  BothWays()
      : h_(hstate_of(PTEDIFF_GRANULE_64K, HSize::kPmd)),
        r_(h_, hugetlb_reference_backend()),
        o_(h_, hugetlb_optimized_backend()) {
    EXPECT_EQ(r_.reset(PTEDIFF_FEAT_HAFDBS, ""), "");
    EXPECT_EQ(o_.reset(PTEDIFF_FEAT_HAFDBS, "mutant=none"), "");
    pages_.reset(h_);
  }
  // Runs `op` on both sides, then check_op both ways; returns the
  // young-uncertain pages, the same both ways.
  YoungUncertain run(Op op) {
    for (uint64_t page : {op.page, op.to}) pages_.name(page);
    r_.run_flow(op);
    o_.run_flow(op);
    std::vector<Divergence> a, b;
    check_op(r_, o_, op, pages_, /*every_page=*/false, nullptr, &fast_, &a);
    check_op(r_, o_, op, pages_, /*every_page=*/true, nullptr, &every_, &b);
    EXPECT_EQ(a.size(), b.size());
    EXPECT_EQ(fast_.uncertain, every_.uncertain);
    return fast_.uncertain;
  }

  HState h_;
  Side r_, o_;
  PageIndex pages_;
  CheckState fast_, every_;
};

// conformance/regressions/hugetlb-fork-carries-young-uncertainty.repro, then
// more: a 64K PMD page (no break-before-make in O's set_huge_pte_at).
TEST_F(BothWays, YoungUncertaintyIsNotedUnderAYoungTranslation) {
  EXPECT_TRUE(run({.kind = OpKind::kFault, .page = 0}).empty());
  EXPECT_TRUE(run({.kind = OpKind::kAccess, .page = 0}).empty());  // caches a young translation
  EXPECT_FALSE(fast_.unsettled.contains(0)) << "found alike";
  // DAMON's mkold: O's TLB keeps the young translation over old entries.
  const YoungUncertain u = run({.kind = OpKind::kMkold, .page = 0});
  EXPECT_EQ(u, (YoungUncertain{{0, 0}}));
  EXPECT_EQ(run({.kind = OpKind::kAccess, .page = 0}), u);  // served by O's TLB: no access flag set
  EXPECT_TRUE(fast_.unsettled.contains(0)) << "an uncertain page is looked at every op";
  EXPECT_EQ(run({.kind = OpKind::kFork, .page = 0}), (YoungUncertain{{0, 0}, {1, 0}}))
      << "carried to the child";
  EXPECT_TRUE(fast_.unsettled.contains(1));
  run({.kind = OpKind::kUnmap, .page = 0});  // mm 0's copy unmapped and flushed: settled
  EXPECT_EQ(fast_.uncertain, (YoungUncertain{{1, 0}}));
  EXPECT_FALSE(fast_.unsettled.contains(0));
}

// The arm64 backend, except that set_huge_pte_at also writes the PMD entry
// above a CONT_PTE huge page (the table descriptor it holds), under no lock.
const ptediff_backend_v2* writes_the_pmd_too() {
  static const ptediff_backend_v2* b =
      arm64_with_set("writes-the-pmd-too", [](const ptediff_machine* m, ptediff_mm* mm,
                                              uint64_t addr, int level, pte_t pte, uint64_t sz) {
        hugetlb_optimized_backend()->set_huge_pte_at(m, mm, addr, level, pte, sz);
        m->write_level(m, mm, addr, kPmdLevel, kTableDescriptor);
      });
  return b;
}

TEST(HugetlbPages, AnUpperWriteRunsAgainWithTheReads) {
  // check_bbm needs the reads once O writes above the hstate's level: a run
  // without them is made again with them, to the same verdicts.
  const Program p = cont_pte_4k("fault mm=0 page=1 write=1 race=0\nget mm=0 page=1\n");
  RunOptions with_reads;
  with_reads.opt = writes_the_pmd_too();
  with_reads.stop_at_first = false;
  RunOptions without = with_reads;
  without.log_reads = false;
  const RunResult a = run_program(p, without), b = run_program(p, with_reads);
  ASSERT_FALSE(a.divergences.empty());
  EXPECT_EQ(a.divergences[0].cls, DivClass::kLock) << a.divergences[0].what;
  expect_same(a, b, "writes-the-pmd-too");
  const std::vector<LogRec>& log = a.divergences[0].opt_log;
  EXPECT_TRUE(std::any_of(log.begin(), log.end(), [](const LogRec& r) {
    return r.prim == Prim::kRead;
  })) << "the evidence is the run made again, with reads";
}

// A random program of `h`: ops as the fuzz decoder draws them and, with
// `events`, mid-op events on a third of them (at the op's page or page 0,
// firing before one of its first primitives).
Program random_program(std::mt19937_64& rng, ptediff_granule g, HSize size, bool events) {
  Program p;
  p.granule = g;
  p.size = size;
  p.features = rng() % 2 ? PTEDIFF_FEAT_HAFDBS : 0;
  const HState h = hstate_of(g, size);
  std::vector<uint8_t> bytes(600);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  ByteReader r(bytes);
  for (int i = 0; i < 40 && !r.done(); ++i) {
    Op op = decode_op(r, h);
    const int n = events && rng() % 3 == 0 ? 1 + static_cast<int>(rng() % 2) : 0;
    uint32_t prim = 0;
    for (int k = 0; k < n; ++k) {
      Event ev;
      ev.kind = rng() % 2 ? HwEventKind::kAccess : HwEventKind::kTlbFill;
      ev.prim = prim += static_cast<uint32_t>(rng() % 6);
      ev.mm = static_cast<uint32_t>(rng() % kNumMms);
      const uint64_t page = rng() % 2 ? op.page : 0;
      ev.va = page * h.bytes + (rng() % h.ncontig) * h.pgsize;
      if (ev.kind == HwEventKind::kAccess) ev.access = static_cast<AccessKind>(rng() % 3);
      if (ev.kind == HwEventKind::kTlbFill) ev.block = rng() % 2;
      ev.pick = static_cast<uint32_t>(rng() % h.ncontig);
      if (validate_event(ev, h, nullptr)) op.events.push_back(ev);
    }
    p.ops.push_back(std::move(op));
  }
  return p;
}

// The arm64 backend, except that set_huge_pte_at installs nothing.
const ptediff_backend_v2* installs_nothing() {
  static const ptediff_backend_v2* b =
      arm64_with_set("installs-nothing",
                     [](const ptediff_machine*, ptediff_mm*, uint64_t, int, pte_t, uint64_t) {});
  return b;
}

TEST(HugetlbPages, APageOnlyRWroteIsLookedAtAgain) {
  // Page 1 is named and found alike (none on both sides) by the get; then
  // only R's fault writes it: R's log alone says it changed.
  const Program p = cont_pte_4k("get mm=0 page=1\nfault mm=0 page=1 write=0 race=0\n");
  RunOptions fast;
  fast.opt = installs_nothing();
  RunOptions every = fast;
  every.every_page = true;
  const RunResult a = run_program(p, fast);
  ASSERT_FALSE(a.divergences.empty());
  EXPECT_EQ(a.divergences[0].op_index, 1u);
  EXPECT_EQ(a.divergences[0].cls, DivClass::kPteState);
  expect_same(a, run_program(p, every), "installs-nothing");
}

TEST(HugetlbPages, ChangedPagesJudgeAsEveryPage) {
  std::mt19937_64 rng(20261207);
  size_t diverged = 0, runs = 0;
  for (ptediff_granule g : {PTEDIFF_GRANULE_4K, PTEDIFF_GRANULE_16K, PTEDIFF_GRANULE_64K}) {
    for (HSize size : {HSize::kContPte, HSize::kPmd, HSize::kContPmd, HSize::kPud}) {
      if (!hsize_supported(g, size)) continue;
      for (int seed = 0; seed < 6; ++seed) {
        const Program p = random_program(rng, g, size, /*events=*/seed % 2 == 1);
        for (const MutantInfo& m : hugetlb_mutants()) {
          RunOptions fast;
          fast.mutant = m.name;
          fast.stop_at_first = false;  // every divergence of every op, as --all
          RunOptions every = fast;
          every.every_page = true;
          RunOptions no_reads = fast;  // as the fuzz session runs
          no_reads.log_reads = false;
          const RunResult a = run_program(p, fast), b = run_program(p, every);
          const std::string what = absl::StrCat(hsize_name(size), " seed ", seed, " mutant ",
                                                m.name, "\n", format_program(p));
          expect_same(a, b, what);
          expect_same(run_program(p, no_reads), b, absl::StrCat("without reads: ", what));
          diverged += a.diverged();
          ++runs;
        }
      }
    }
  }
  // The comparison means something only if the mutants make programs diverge.
  EXPECT_GT(diverged, runs / 10) << diverged << " of " << runs << " runs diverged";
}

}  // namespace
}  // namespace ptediff::hugetlb
