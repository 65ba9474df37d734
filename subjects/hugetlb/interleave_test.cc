// ptediff hugetlb: mid-op events (interleave.h). Events fire before the
// primitive they name and are told to R at one of their places; the
// linearization rule accepts the arm64 backend under them and fires on a
// backend that exposes a mapping R never has, or loses a hardware dirty
// update.
#include "subjects/hugetlb/interleave.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "engine/events.h"
#include "mmu/prot.h"
#include "subjects/hugetlb/executor.h"
#include "subjects/hugetlb/mutants.h"
#include "subjects/hugetlb/testing.h"

namespace ptediff::hugetlb {
namespace {

constexpr uint64_t kPage1 = 0x10000;  // huge page 1 of a 4K CONT_PTE program (64K)

constexpr auto parse = cont_pte_4k;

// A run that keeps what the events did and O's log after the op with events.
struct Traced {
  RunResult result;
  std::vector<EventRecord> events;
  std::vector<LogRec> opt_log;
};

Traced run_traced(const Program& p, const RunOptions& base = {}) {
  Traced t;
  RunOptions o = base;
  size_t with_events = SIZE_MAX;
  o.on_events = [&](size_t i, const std::vector<EventRecord>& e) {
    t.events = e;
    with_events = i;
  };
  o.on_step = [&](size_t i, const Side&, const Side& opt) {
    if (i == with_events) t.opt_log = opt.machine().log();
  };
  t.result = run_program(p, o);
  return t;
}

// A clean writable CONT_PTE huge page (mkclean), then fork, whose
// huge_ptep_set_wrprotect breaks the range.
const char* kForkOfCleanPage =
    "fault mm=0 page=1 write=1 race=0\n"
    "mkclean mm=0 page=1\n"
    "fork\n";

TEST(HugetlbEvents, PlacementsTryAllBeforeThenAllAfterFirst) {
  // Two places each: the order of the contpte subject (a mask, all before,
  // all after, then the mixed ones).
  std::vector<uint32_t> place;
  const uint32_t two[] = {2, 2};
  std::vector<std::vector<uint32_t>> got;
  for (uint64_t k = 0; k < placements(two); ++k) {
    placement(k, two, &place);
    got.push_back(place);
  }
  EXPECT_EQ(got, (std::vector<std::vector<uint32_t>>{{0, 0}, {1, 1}, {1, 0}, {0, 1}}));
  EXPECT_EQ(linearization_mask(1, 3), 7u);
  EXPECT_EQ(linearization_mask(2, 3), 1u);
  // Mixed radices: every combination once.
  const uint32_t mixed[] = {4, 1, 3};
  std::set<std::vector<uint32_t>> seen;
  for (uint64_t k = 0; k < placements(mixed); ++k) {
    placement(k, mixed, &place);
    EXPECT_LT(place[0], 4u);
    EXPECT_EQ(place[1], 0u);
    EXPECT_LT(place[2], 3u);
    seen.insert(place);
    if (k == 1) EXPECT_EQ(place, (std::vector<uint32_t>{1, 0, 1}));
  }
  EXPECT_EQ(seen.size(), 12u);
}

TEST(HugetlbEvents, FireBeforeTheNamedPrimitive) {
  for (uint32_t prim : {0u, 3u, 17u, 40u}) {
    const Traced t =
        run_traced(parse(std::string(kForkOfCleanPage) + "  @ prim=" + std::to_string(prim) +
                         " access mm=0 va=0x13000 kind=write pick=3\n"));
    ASSERT_EQ(t.events.size(), 1u);
    EXPECT_FALSE(t.result.diverged()) << t.result.divergences[0].what;
    EXPECT_TRUE(t.events[0].opt.fired);
    EXPECT_EQ(t.events[0].opt.fired_at, prim);
    // In O's log, the hardware's dirty update comes right before backend
    // primitive `prim` (none when the access faulted on a cleared entry).
    uint32_t backend = 0;
    bool hw_seen = false;
    for (const LogRec& r : t.opt_log) {
      if (r.agent == Agent::kHardware) {
        EXPECT_EQ(backend, prim);
        hw_seen = true;
      } else if (r.prim != Prim::kHw) {
        ++backend;
      }
    }
    EXPECT_GT(backend, prim);
    if (t.events[0].opt.access == AccessResult::kOk) EXPECT_TRUE(hw_seen) << prim;
  }
  // Past the op's last primitive an event never fires, and R never makes it.
  const Traced late = run_traced(parse(std::string(kForkOfCleanPage) +
                                       "  @ prim=4000 access mm=0 va=0x13000 kind=write pick=3\n"));
  ASSERT_EQ(late.events.size(), 1u);
  EXPECT_FALSE(late.events[0].opt.fired);
  EXPECT_EQ(late.events[0].place, kNotPlaced);
  EXPECT_FALSE(late.result.diverged());
}

// Every point of fork's break: the arm64 backend keeps the hardware's dirty
// update (its exchanges return it), so a placement matches; the mutant that
// breaks the range with a read and a plain store loses it between the two.
TEST(HugetlbEvents, LinearizationAcceptsTheBreakAndCatchesALostDirtyUpdate) {
  int caught = 0, placed_inside = 0;
  for (uint32_t prim = 0; prim < 60; ++prim) {
    const Program p = parse(std::string(kForkOfCleanPage) + "  @ prim=" + std::to_string(prim) +
                            " access mm=0 va=0x13000 kind=write pick=3\n");
    const Traced ok = run_traced(p);
    ASSERT_FALSE(ok.result.diverged()) << prim << ": " << ok.result.divergences[0].what;
    ASSERT_EQ(ok.events.size(), 1u);
    placed_inside += ok.events[0].place >= kPlaceAfterCalls;
    RunOptions o;
    o.mutant = "huge-wrprotect-read-then-clear";
    const Traced bad = run_traced(p, o);
    if (bad.result.diverged()) {
      ++caught;
      EXPECT_EQ(bad.result.divergences[0].cls, DivClass::kAccessDirty);
      EXPECT_NE(bad.result.divergences[0].what.find("R young dirty, O young clean"),
                std::string::npos)
          << bad.result.divergences[0].what;
    }
  }
  EXPECT_EQ(caught, 1);  // between the read and the store of entry 3 only
  EXPECT_GT(placed_inside, 0);
}

// The arm64 backend whose huge_ptep_get briefly maps a none huge page's
// first entry (a valid, young entry written and cleared again): a mapping
// R never has, which only an agent acting in between sees.
pte_t flicker_get(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, int level) {
  if (pte_none(m->read_level(m, mm, addr, level))) {
    m->write_level(m, mm, addr, level, pte_mkcont(pte_mkyoung(vm_page_prot(m->geo, 0x400))));
    m->write_level(m, mm, addr, level, 0);
  }
  return hugetlb_optimized_backend()->huge_ptep_get(m, mm, addr, level);
}

const ptediff_backend_v2* flicker_backend() {
  static const ptediff_backend_v2 b = [] {
    ptediff_backend_v2 x = *hugetlb_optimized_backend();
    x.name = "hugetlb-flicker";
    x.huge_ptep_get = flicker_get;
    return x;
  }();
  return &b;
}

TEST(HugetlbEvents, AnAccessOrWalkSeeingAMappingRNeverHasDiverges) {
  RunOptions o;
  o.opt = flicker_backend();
  // huge_ptep_get of the none page 1: O reads (0), writes (1), clears (2).
  const Traced access =
      run_traced(parse("get mm=0 page=1\n  @ prim=2 access mm=0 va=0x10000 kind=read pick=0\n"), o);
  ASSERT_TRUE(access.result.diverged());
  EXPECT_EQ(access.result.divergences[0].cls, DivClass::kReturnValue);
  EXPECT_NE(access.result.divergences[0].what.find(
                "a read access at prim 2 completed on O but faults on R before the op"),
            std::string::npos)
      << access.result.divergences[0].what;
  const Traced walk =
      run_traced(parse("get mm=0 page=1\n  @ prim=2 tlb_fill mm=0 va=0x10000 block=1 pick=0\n"), o);
  ASSERT_TRUE(walk.result.diverged());
  EXPECT_EQ(walk.result.divergences[0].cls, DivClass::kPteState);
  EXPECT_NE(walk.result.divergences[0].what.find("cached O's entry, but R has no valid entry"),
            std::string::npos)
      << walk.result.divergences[0].what;
  EXPECT_EQ(walk.result.divergences[0].va, kPage1);
  // The same events before the flicker, or on the arm64 backend, meet a none
  // entry on both sides: a spurious fault, a walk caching nothing. (The
  // flicker still writes without the lock.)
  for (const char* ev : {"  @ prim=1 access mm=0 va=0x10000 kind=read pick=0\n",
                         "  @ prim=1 tlb_fill mm=0 va=0x10000 block=1 pick=0\n"}) {
    const Traced early = run_traced(parse(std::string("get mm=0 page=1\n") + ev), o);
    ASSERT_TRUE(early.result.diverged()) << ev;
    EXPECT_EQ(early.result.divergences[0].cls, DivClass::kLock) << ev;
    EXPECT_EQ(early.events[0].place, kNotPlaced);
    const Traced arm64 = run_traced(parse(std::string("get mm=0 page=1\n") + ev));
    EXPECT_FALSE(arm64.result.diverged()) << ev;
  }
}

// Placing an event around the arm64 call it fired in: DAMON's mkold reads
// the entry (huge_ptep_get) and writes it back old (set_huge_pte_at, whose
// clear_flush discards what it clears); a hardware write in between is lost
// by the caller, on R as on O, so only the place after huge_ptep_get
// matches.
TEST(HugetlbEvents, AnEventBetweenTwoCallsIsPlacedBetweenThem) {
  const Program p = parse(
      "fault mm=0 page=1 write=1 race=0\n"
      "mkclean mm=0 page=1\n"
      "mkold mm=0 page=1\n"
      "  @ prim=16 access mm=0 va=0x13000 kind=write pick=3\n");
  const Traced t = run_traced(p);
  EXPECT_FALSE(t.result.diverged()) << t.result.divergences[0].what;
  ASSERT_EQ(t.events.size(), 1u);
  EXPECT_EQ(t.events[0].opt.access, AccessResult::kOk);
  EXPECT_GE(t.events[0].place, kPlaceAfterCalls) << place_name(t.events[0].place);
}

}  // namespace
}  // namespace ptediff::hugetlb
