// ptediff: mid-op events (docs/DESIGN.md §5.7): where they fire, the lockless
// reader that waits for the writer, livelock and TLB-conflict detection,
// as-written text, determinism, and explore.
#include "subjects/contpte/interleave.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "subjects/contpte/explore.h"
#include "subjects/contpte/text.h"
#include "subjects/contpte/reference.h"
#include "subjects/contpte/backends.h"

namespace ptediff {
namespace {

constexpr const char* kHeader = "ptediff-repro 1\ngranule 4k\nfeatures hafdbs\n";

// A folded writable-clean block at 0x10000 whose entry 0 the hardware
// dirties, then an op that unfolds it (contpte_convert) with `events`.
std::string unfold_with(const std::string& events) {
  return std::string(kHeader) +
         "folio_alloc order=4 place=low\n"
         "set_ptes mm=0 va=0x10000 nr=16 folio=0 idx=0 prot=a|w|ro\n"
         "ptep_get_and_clear mm=0 va=0x13000\n" +
         events;
}

Program parse(const std::string& text) {
  Program p;
  ParseError err;
  EXPECT_TRUE(parse_repro(text, "t.repro", &p, &err)) << err.str();
  return p;
}

RunResult run(const Program& p, RunOptions o = {}) {
  o.keep_trace = true;
  Executor ex(with_builtin_backends(o));
  return ex.run(p);
}

// The O log records of the last op.
const std::vector<LogRec>& last_opt_log(const RunResult& r) { return r.trace.back().opt_log; }

TEST(Interleave, AnEventFiresBeforeItsPrimitive) {
  const RunResult r =
      run(parse(unfold_with("  @ prim=3 access mm=0 va=0x1f000 kind=write pick=15\n")));
  ASSERT_FALSE(r.diverged()) << r.divergences[0].what;
  const auto& log = last_opt_log(r);
  uint32_t backend = 0;
  bool seen = false;
  for (const LogRec& rec : log) {
    if (rec.agent == Agent::kHardware) {
      EXPECT_EQ(rec.prim, Prim::kHw);
      EXPECT_EQ(backend, 3u) << "fired after " << backend << " backend primitives";
      seen = true;
    } else {
      ++backend;
    }
  }
  EXPECT_TRUE(seen);
  ASSERT_EQ(r.trace.back().opt_events.size(), 1u);
  EXPECT_EQ(r.trace.back().opt_events[0].fired_at, 3u);
  EXPECT_TRUE(access_ok(r.trace.back().opt_events[0].access));
}

// An event past the op's last primitive does not fire (after the op it is
// an op of its own); the text keeps it and replays the same run.
TEST(Interleave, EventsPastTheLastPrimitiveDoNotFire) {
  const std::string text = unfold_with("  @ prim=4000 lockless mm=0 va=0x14000\n");
  const RunResult r = run(parse(text));
  ASSERT_FALSE(r.diverged());
  EXPECT_FALSE(r.trace.back().opt_events[0].fired);
  EXPECT_FALSE(r.trace.back().ref_events[0].placed);
  const auto& log = last_opt_log(r);
  EXPECT_TRUE(std::none_of(log.begin(), log.end(),
                           [](const LogRec& x) { return x.agent != Agent::kBackend; }));
  EXPECT_EQ(r.effective.ops.back().get(Field::kPrim), 4000u);
  Program as_written;
  ParseError err;
  const RunOptions b = with_builtin_backends();
  EXPECT_TRUE(parse_repro_as_written(text, "t.repro", b, &as_written, &err)) << err.str();
  EXPECT_EQ(run(as_written).trace_hash, r.trace_hash);
  // On an op without primitives (a hardware access) no event fires.
  const RunResult h =
      run(parse(std::string(kHeader) + "folio_alloc order=0 place=low\n"
                                       "set_ptes mm=0 va=0x10000 nr=1 folio=0 idx=0 prot=a|w\n"
                                       "access mm=0 va=0x10000 kind=read pick=0\n"
                                       "  @ prim=0 tlb_fill mm=0 va=0x10000 block=0 pick=0\n"));
  EXPECT_FALSE(h.trace.back().opt_events[0].fired);
}

// A reader that meets the block half cleared retries; once past its first
// passes it waits for the writer, one writer primitive per read, until the
// writer clears the reader's own entry: it returns that empty entry (GUP-fast
// falls back to the slow path), which the judge accepts.
TEST(Interleave, ALocklessReaderWaitsForTheWriter) {
  const RunResult r =
      run(parse(unfold_with("  @ prim=2 access mm=0 va=0x10000 kind=write pick=0\n"
                            "  @ prim=6 lockless mm=0 va=0x1f000\n")));
  ASSERT_FALSE(r.diverged()) << r.divergences[0].what;
  const EventOutcome& o = r.trace.back().opt_events[1];
  EXPECT_TRUE(pte_none(o.value));
  EXPECT_TRUE(o.saw_none);
  const auto& log = last_opt_log(r);
  // Its reads interleave with the writer's primitives once it retries.
  size_t switches = 0;
  for (size_t k = 1; k < log.size(); ++k) {
    switches += log[k].agent == Agent::kReader && log[k - 1].agent == Agent::kBackend;
  }
  EXPECT_GT(switches, 5u);
}

// A backend whose lockless getter spins while its entry is valid: the
// reader is livelocked, its reads see none after a bound, the run reports it.
const ptediff_backend* spinning_backend() {
  static const ptediff_backend b = [] {
    ptediff_backend x = *ptediff_reference_backend();
    x.name = "spinning";
    x.ptep_get_lockless = [](const ptediff_machine* m, ptediff_mm* mm, uint64_t addr) -> pte_t {
      while (pte_valid(m->read(m, mm, addr))) {
      }
      return 0;
    };
    return x;
  }();
  return &b;
}

TEST(Interleave, ALivelockedReaderIsReported) {
  RunOptions o;
  o.opt = spinning_backend();
  const RunResult r = run(parse(unfold_with("  @ prim=0 lockless mm=0 va=0x1f000\n")), o);
  ASSERT_TRUE(r.diverged());
  EXPECT_NE(r.divergences[0].what.find("livelock"), std::string::npos) << r.divergences[0].what;
}

// A walk caching a page of a block whose older CONT translation is still in
// the TLB, after the block was rewritten non-contiguous: a TLB conflict
// without BBML2; none between translations of one valid block.
TEST(Interleave, TlbConflictOnlyBetweenTablesOfAnotherShape) {
  const ptediff_geometry geo = ptediff_geometry_of(PTEDIFF_GRANULE_4K);
  FolioMap folios(geo);
  Machine m(geo, PTEDIFF_FEAT_HAFDBS, &folios);
  const uint64_t page = 0x1000;
  for (uint64_t i = 0; i < 16; ++i) {
    m.poke(kUserMm, 0x10000 + i * page, prot_to_pte(geo, 0x100 + i, kProtYoung) | PTE_CONT);
  }
  ASSERT_TRUE(m.tlb_fill(kUserMm, 0x10000, true, 0));  // the block, cached whole
  Op fill;
  fill.kind = OpKind::kEvTlbFill;
  fill.set(Field::kVa, 0x12000);
  {
    Interleaver same(m, *ptediff_reference_backend(), std::span<const Op>(&fill, 1));
    same.on_primitive();  // before a first primitive: the walk happens
    same.finish();
    EXPECT_TRUE(same.outcomes()[0].filled);
    EXPECT_EQ(same.outcomes()[0].conflict, "");  // a page of the same valid block
  }
  for (uint64_t i = 0; i < 16; ++i) {
    m.poke(kUserMm, 0x10000 + i * page, prot_to_pte(geo, 0x100 + i, kProtYoung));
  }
  Interleaver other(m, *ptediff_reference_backend(), std::span<const Op>(&fill, 1));
  other.on_primitive();
  other.finish();
  EXPECT_NE(other.outcomes()[0].conflict.find("TLB conflict"), std::string::npos);
}

TEST(Interleave, RunsAreDeterministic) {
  const Program p =
      parse(unfold_with("  @ prim=1 access mm=0 va=0x11000 kind=write pick=1\n"
                        "  @ prim=3 lockless mm=0 va=0x1f000\n"
                        "  @ prim=20 tlb_fill mm=0 va=0x10000 block=1 pick=0\n"));
  const RunResult a = run(p), b = run(p);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.effective, b.effective);
  RunOptions fast;
  fast.log_reads = false;
  Executor ex(with_builtin_backends(fast));
  EXPECT_EQ(ex.run(p).trace_hash, a.trace_hash);
}

// Found by fuzzing the reference as O: a walk mid-fault cached O's new
// entry; R's walk must be placed after the fault, where R has the entry.
TEST(Interleave, AWalkIsPlacedWhereRHasTheEntry) {
  const std::string text = std::string(
      "ptediff-repro 1\ngranule 64k\nfeatures hafdbs\n"
      "fault mm=0 va=0x200000 order=5 write=0 place=low\n"
      "  @ prim=1 tlb_fill mm=0 va=0x200000 block=0 pick=0\n"
      "get_and_clear_full_ptes mm=0 va=0x200000 nr=1 full=0\n"
      "set_ptes mm=0 va=0x140000 nr=13 folio=0 idx=0 prot=d|w|x\n"
      "access mm=0 va=0x200000 kind=exec pick=0\n");
  for (bool reference : {false, true}) {
    RunOptions o;
    if (reference) o.opt = ptediff_reference_backend();
    const RunResult r = run(parse(text), o);
    EXPECT_FALSE(r.diverged()) << (r.diverged() ? r.divergences[0].what : "");
    EXPECT_TRUE(r.trace[0].ref_events[0].after);
  }
}

// A broken pte_clear that makes the entry valid for a moment (a stray
// pte_mkpresent) before clearing it: on R the entry is PROT_NONE before the
// op and none after it, so neither placement lets the hardware use it.
void pte_clear_valid_first(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr) {
  m->write(m, mm, addr, m->read(m, mm, addr) | PTE_VALID);
  m->write(m, mm, addr, 0);
}

std::string clear_protnone_with(const std::string& event) {
  return std::string(kHeader) +
         "fault mm=0 va=0x10000 order=0 write=0 place=low\n"
         "mprotect_none mm=0 va=0x10000 nr=1 numa=0\n"
         "pte_clear mm=0 va=0x10000\n" +
         event;
}

// Runs clear_protnone_with(event) with the broken pte_clear as O; checks it
// diverges in `cls` with `what` in the message, and that the reference as O
// is quiet under the same schedule.
RunResult run_clear_valid_first(const std::string& event, DivClass cls, const std::string& what) {
  const std::string text = clear_protnone_with(event);
  RunOptions o;
  ptediff_backend bad = *ptediff_reference_backend();
  bad.pte_clear = pte_clear_valid_first;
  o.opt = &bad;
  const RunResult r = run(parse(text), o);
  EXPECT_TRUE(r.diverged());
  if (r.diverged()) {
    EXPECT_EQ(r.divergences[0].cls, cls) << r.divergences[0].what;
    EXPECT_NE(r.divergences[0].what.find(what), std::string::npos) << r.divergences[0].what;
  }
  EXPECT_FALSE(run(parse(text)).diverged());
  return r;
}

// The two judge rules for what O's hardware could do mid-op that R's can do
// in no placement: each fires on the broken backend, and the same schedule
// is quiet on the reference.
TEST(Interleave, AnAccessOnlyOCompletesIsAReturnValueDivergence) {
  const RunResult r = run_clear_valid_first("  @ prim=2 access mm=0 va=0x10000 kind=read pick=0\n",
                                            DivClass::kReturnValue, "completed on O");
  EXPECT_TRUE(access_ok(r.trace.back().opt_events[0].access));
}

TEST(Interleave, AWalkOfAnEntryRNeverHoldsValidIsAPteStateDivergence) {
  const RunResult r =
      run_clear_valid_first("  @ prim=2 tlb_fill mm=0 va=0x10000 block=0 pick=0\n",
                            DivClass::kPteState, "a walk at prim 2 cached O's entry");
  EXPECT_TRUE(r.trace.back().opt_events[0].filled);
}

TEST(Explore, ReferenceAndOptimizedAreCleanAtBoundTwo) {
  for (bool reference : {false, true}) {
    ExploreOptions eo;
    if (reference) eo.run.opt = ptediff_reference_backend();
    eo.run = with_builtin_backends(eo.run);
    eo.bound = 2;
    const ExploreResult r = explore(parse(unfold_with("")), eo);
    EXPECT_FALSE(r.found) << (r.found ? r.result.divergences[0].what : "");
    EXPECT_TRUE(r.complete);
    EXPECT_GT(r.schedules, r.candidates);
  }
}

}  // namespace
}  // namespace ptediff
