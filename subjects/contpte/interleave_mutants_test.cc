// ptediff optimized backend tests: the interleaving-only mutants
// (interleaving_only_mutant()). Each replaces an atomic primitive sequence by
// a non-atomic one with the same single-threaded result. So on every scenario
// here the mutant ends in mutant=none's state, with its flushes and (on a
// state some op can leave at rest) its return value, and only the primitive
// log differs, exactly as the scenario's rewrite of mutant=none's log says:
// where none has an xchg or a cmpxchg the mutant has a read and a plain write
// (the window a hardware update or a lockless reader on another CPU can fall
// into), and the lockless reader gathers once where none retries.
#include <algorithm>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "subjects/contpte/contpte.h"
#include "subjects/contpte/interleave.h"
#include "subjects/contpte/optimized.h"
#include "testing/fixture.h"

namespace ptediff {
namespace {

constexpr uint64_t kPfn0 = 0x40000;  // block-aligned for every granule

// ---------------------------------------------------------------- the log

// One primitive of an op's log, as far as these tests compare it.
struct Step {
  Prim prim;
  uint64_t addr;   // entry VA, or flush start
  pte_t val = 0;   // value stored (write, xchg, cmpxchg), flush end; 0 for a read
  bool ok = true;  // cmpxchg success
  bool operator==(const Step&) const = default;
};
using Steps = std::vector<Step>;

std::ostream& operator<<(std::ostream& os, const Step& s) {
  os << prim_name(s.prim) << "(" << std::hex << s.addr;
  if (s.prim != Prim::kRead) os << ", " << s.val;
  return os << std::dec << (s.ok ? "" : ", failed") << ")";
}

Steps steps_of(const Machine& m) {
  Steps out;
  for (const LogRec& r : m.log()) {
    switch (r.prim) {
      case Prim::kRead:
        out.push_back({r.prim, r.addr});
        break;
      case Prim::kFlushRange:
        out.push_back({r.prim, r.addr, r.end});
        break;
      default:
        out.push_back({r.prim, r.addr, r.val, r.ok});
    }
  }
  return out;
}

Step read_of(uint64_t a) { return {Prim::kRead, a}; }
Step write_of(uint64_t a, pte_t v) { return {Prim::kWrite, a, v}; }

// `log` with every step replaced by what `f` returns for it.
Steps replace_each(const Steps& log, const std::function<Steps(const Step&)>& f) {
  Steps out;
  for (const Step& s : log) {
    const Steps r = f(s);
    out.insert(out.end(), r.begin(), r.end());
  }
  return out;
}

// convert-read-then-clear: each xchg(a, 0) becomes read(a), write(a, 0).
Steps xchg_as_read_then_zero(const Steps& log) {
  return replace_each(log, [](const Step& s) -> Steps {
    if (s.prim != Prim::kXchg || s.val != 0) return {s};
    return {read_of(s.addr), write_of(s.addr, 0)};
  });
}

// bbml2-repaint-plain-write: each xchg(a, 0) becomes read(a); the entry stays
// live until the repaint overwrites it.
Steps xchg_as_read(const Steps& log) {
  return replace_each(log, [](const Step& s) -> Steps {
    if (s.prim != Prim::kXchg || s.val != 0) return {s};
    return {read_of(s.addr)};
  });
}

// The *-plain-write mutants: a cmpxchg loop becomes read(a), write(a, v) of the
// value the loop installed; its failed attempts vanish.
Steps cmpxchg_as_plain_rmw(const Steps& log) {
  return replace_each(log, [](const Step& s) -> Steps {
    if (s.prim != Prim::kCmpxchg) return {s};
    if (!s.ok) return {};
    return {read_of(s.addr), write_of(s.addr, s.val)};
  });
}

// ---------------------------------------------------------------- scenarios

struct Scenario {
  const char* what;
  uint32_t features = PTEDIFF_FEAT_HAFDBS;
  // Builds the state (unlogged pokes, or ops before begin_op), then starts
  // the op and makes the call; returns its return value (0 for void).
  std::function<uint64_t(BackendFixture&)> run;
  // The mutant's log, from mutant=none's.
  std::function<Steps(const Steps& none_log, const BackendFixture& r)> mutant_log =
      [](const Steps& log, const BackendFixture&) { return log; };
  // Checks the return values (default: equal).
  std::function<void(uint64_t none_ret, uint64_t mutant_ret, const BackendFixture& r)> returns =
      [](uint64_t g, uint64_t b, const BackendFixture&) { EXPECT_EQ(b, g); };
};

// Block 1 folded at kPfn0, old and clean, but for entry 5, which the hardware
// made young and dirty (through the block's shared translation).
void poke_dirty_block(BackendFixture& r) {
  r.poke_block(r.block_va(1), kPfn0, kRwOld);
  r.poke(r.block_va(1, 5), hw_dirty(r.entry(kPfn0 + 5, kRwClean | PTE_CONT)));
}

// Fills block 1 of a folio covering it one entry at a time (set_ptes, nr 1),
// entry 5 young and hardware dirty; the op is the last entry's set_ptes, which
// folds the block.
uint64_t fold_by_last_write(BackendFixture& r) {
  const uint64_t pfn0 = r.block_folio().start_pfn;
  for (unsigned i = 0; i + 1 < r.cont(); ++i) {
    const pte_t e = r.entry(pfn0 + i, i == 5 ? kRwHwDirty : kRwOld);
    r.api().set_ptes(kUserMm, r.block_va(1, i), e, 1);
  }
  r.machine().begin_op();
  r.api().set_ptes(kUserMm, r.block_va(1, r.cont() - 1), r.entry(pfn0 + r.cont() - 1, kRwOld), 1);
  EXPECT_EQ(r.cont_count(r.block_va(1)), r.cont());
  return 0;
}

uint64_t unfold_by_pte_clear(BackendFixture& r) {
  poke_dirty_block(r);
  r.machine().begin_op();
  r.api().pte_clear(kUserMm, r.block_va(1, 3));
  return 0;
}

// A lockless reader's view of block 1 while an unfold on another CPU is under
// way: entry 0 already taken out (none), the rest still CONT, entry 12 dirty.
// The reader looks at entry 9.
uint64_t lockless_mid_unfold(BackendFixture& r) {
  r.poke_block(r.block_va(1), kPfn0, kRwOld);
  r.poke(r.block_va(1, 0), 0);
  r.poke(r.block_va(1, 12), hw_dirty(r.entry(kPfn0 + 12, kRwClean | PTE_CONT)));
  r.machine().begin_op();
  // Nothing will make the block consistent: the harness ends the wait.
  ReadCap cap(r.machine(), livelock_reads(r.machine().geo()));
  return r.api().ptep_get_lockless(kUserMm, r.block_va(1, 9));
}

std::map<std::string, std::vector<Scenario>> scenarios() {
  std::map<std::string, std::vector<Scenario>> s;
  const auto rewrite = [](Steps (*f)(const Steps&)) {
    return [f](const Steps& log, const BackendFixture&) { return f(log); };
  };

  s["convert-read-then-clear"] = {
      {.what = "unfold (pte_clear in a block)",
       .run = unfold_by_pte_clear,
       .mutant_log = rewrite(xchg_as_read_then_zero)},
      {.what = "fold (set_ptes completing a block)",
       .run = fold_by_last_write,
       .mutant_log = rewrite(xchg_as_read_then_zero)},
  };

  s["tcy-plain-write"] = {
      {.what = "ptep_clear_flush_young on a block",
       .run = [](BackendFixture& r) -> uint64_t {
         poke_dirty_block(r);
         r.machine().begin_op();
         return r.api().ptep_clear_flush_young(kUserMm, r.block_va(1, 2));
       },
       .mutant_log = rewrite(cmpxchg_as_plain_rmw)},
      {.what = "ptep_test_and_clear_young on one entry",
       .run = [](BackendFixture& r) -> uint64_t {
         r.poke(r.block_va(2), r.entry(kPfn0, kRwHwDirty));
         r.machine().begin_op();
         return r.api().ptep_test_and_clear_young(kUserMm, r.block_va(2));
       },
       .mutant_log = rewrite(cmpxchg_as_plain_rmw)},
  };

  s["wrprotect-plain-write"] = {
      {.what = "wrprotect_ptes over a whole block",
       .run = [](BackendFixture& r) -> uint64_t {
         poke_dirty_block(r);
         r.machine().begin_op();
         r.api().wrprotect_ptes(kUserMm, r.block_va(1), r.cont());
         EXPECT_TRUE(pte_sw_dirty(r.peek(r.block_va(1, 5))));  // the dirt moved to PTE_DIRTY
         return 0;
       },
       .mutant_log = rewrite(cmpxchg_as_plain_rmw)},
      // The guess wrprotect_one passes was read before the unfold gathered
      // entry 5's state in: none's first cmpxchg fails, the mutant re-reads.
      {.what = "ptep_set_wrprotect in a block (stale guess after the unfold)",
       .run = [](BackendFixture& r) -> uint64_t {
         poke_dirty_block(r);
         r.machine().begin_op();
         r.api().ptep_set_wrprotect(kUserMm, r.block_va(1, 2));
         EXPECT_TRUE(pte_sw_dirty(r.peek(r.block_va(1, 2))));
         return 0;
       },
       .mutant_log =
           [](const Steps& none_log, const BackendFixture& r) {
             const uint64_t target = r.block_va(1, 2);
             EXPECT_EQ(std::count_if(none_log.begin(), none_log.end(),
                                     [target](const Step& s) {
                                       return s.prim == Prim::kCmpxchg && !s.ok && s.addr == target;
                                     }),
                       1);
             return cmpxchg_as_plain_rmw(none_log);
           }},
  };

  s["access-flags-plain-write"] = {
      {.what = "ptep_set_access_flags on a block",
       .run = [](BackendFixture& r) -> uint64_t {
         r.poke_block(r.block_va(1), kPfn0, kRwOld);
         r.machine().begin_op();
         return r.api().ptep_set_access_flags(kUserMm, r.block_va(1, 2),
                                              pte_mkdirty(r.entry(kPfn0 + 2, kRwClean)), 1);
       },
       .mutant_log = rewrite(cmpxchg_as_plain_rmw)},
      {.what = "ptep_set_access_flags on one entry",
       .run = [](BackendFixture& r) -> uint64_t {
         r.poke(r.block_va(2), r.entry(kPfn0, kRwOld));
         r.machine().begin_op();
         return r.api().ptep_set_access_flags(kUserMm, r.block_va(2), r.entry(kPfn0, kRwClean), 0);
       },
       .mutant_log = rewrite(cmpxchg_as_plain_rmw)},
  };

  s["clear-young-dirty-plain-write"] = {
      {.what = "clear dirty, widened to a block",
       .run = [](BackendFixture& r) -> uint64_t {
         r.poke_block(r.block_va(1), kPfn0, kRwHwDirty);
         r.machine().begin_op();
         r.api().clear_young_dirty_ptes(kUserMm, r.block_va(1, 1), 2, CYDP_CLEAR_DIRTY);
         return 0;
       },
       .mutant_log = rewrite(cmpxchg_as_plain_rmw)},
      {.what = "clear young on one entry",
       .run = [](BackendFixture& r) -> uint64_t {
         r.poke(r.block_va(2), r.entry(kPfn0, kRwHwDirty));
         r.machine().begin_op();
         r.api().clear_young_dirty_ptes(kUserMm, r.block_va(2), 1, CYDP_CLEAR_YOUNG);
         return 0;
       },
       .mutant_log = rewrite(cmpxchg_as_plain_rmw)},
      // Clearing both, the kernel itself stores plainly: nothing to mutate.
      {.what = "clear young and dirty (already a plain store)",
       .run = [](BackendFixture& r) -> uint64_t {
         r.poke_block(r.block_va(1), kPfn0, kRwHwDirty);
         r.machine().begin_op();
         r.api().clear_young_dirty_ptes(kUserMm, r.block_va(1), r.cont(),
                                        CYDP_CLEAR_YOUNG | CYDP_CLEAR_DIRTY);
         return 0;
       }},
  };

  constexpr uint32_t kBbml2 = PTEDIFF_FEAT_HAFDBS | PTEDIFF_FEAT_BBML2;
  s["bbml2-repaint-plain-write"] = {
      {.what = "unfold under BBML2",
       .features = kBbml2,
       .run = unfold_by_pte_clear,
       .mutant_log = rewrite(xchg_as_read)},
      {.what = "fold under BBML2",
       .features = kBbml2,
       .run = fold_by_last_write,
       .mutant_log = rewrite(xchg_as_read)},
      {.what = "unfold without BBML2 (break-before-make as usual)", .run = unfold_by_pte_clear},
  };

  s["lockless-no-retry"] = {
      {.what = "a consistent block (one pass either way)",
       .run = [](BackendFixture& r) -> uint64_t {
         poke_dirty_block(r);
         r.machine().begin_op();
         return r.api().ptep_get_lockless(kUserMm, r.block_va(1, 9));
       }},
      // none retries (reading entry 9, then entry 0, the first inconsistent
      // one) until the harness's cap makes its reads see none, and returns
      // that; the mutant gathers over the whole block once, dirt of a block
      // half taken apart included.
      {.what = "a block mid-unfold (retried by none)",
       .run = lockless_mid_unfold,
       .mutant_log =
           [](const Steps& none_log, const BackendFixture& r) {
             Steps retries;
             for (uint64_t i = 0; i < livelock_reads(r.machine().geo()) / 2; ++i) {
               retries.push_back(read_of(r.block_va(1, 9)));
               retries.push_back(read_of(r.block_va(1, 0)));
             }
             retries.push_back(read_of(r.block_va(1, 9)));  // refused: reads none
             EXPECT_EQ(none_log, retries);
             Steps once{read_of(r.block_va(1, 9))};
             for (unsigned i = 0; i < r.cont(); ++i) once.push_back(read_of(r.block_va(1, i)));
             return once;
           },
       .returns =
           [](uint64_t none_ret, uint64_t mutant_ret, const BackendFixture& r) {
             EXPECT_EQ(none_ret, 0u);
             EXPECT_TRUE(pte_dirty(mutant_ret) && pte_young(mutant_ret));
             EXPECT_EQ(pte_mkold_clean(mutant_ret), r.entry(kPfn0 + 9, kRwOld | PTE_CONT));
           }},
  };
  return s;
}

// ---------------------------------------------------------------- the tests

using Param = std::tuple<std::string, ptediff_granule>;

std::vector<std::string> interleaving_only_names() {
  std::vector<std::string> out;
  for (const MutantInfo& mi : optimized_mutants()) {
    if (interleaving_only_mutant(mi.name)) out.push_back(mi.name);
  }
  return out;
}

class InterleaveMutantTest : public ::testing::TestWithParam<Param> {};

// Every scenario: same end state, flushes and return value as mutant=none;
// the log is mutant=none's rewritten as the scenario says. At least one
// scenario per mutant shows a changed log.
TEST_P(InterleaveMutantTest, SameResultOnlyThePrimitivesChange) {
  const auto& [name, granule] = GetParam();
  const std::map<std::string, std::vector<Scenario>> all = scenarios();
  const auto it = all.find(name);
  ASSERT_NE(it, all.end()) << "no scenario for interleaving-only mutant " << name;
  bool changed = false;
  for (const Scenario& sc : it->second) {
    SCOPED_TRACE(sc.what);
    BackendFixture good(granule, ptediff_optimized_backend(), "mutant=none", sc.features);
    BackendFixture bad(granule, ptediff_optimized_backend(), ("mutant=" + name).c_str(),
                       sc.features);
    ASSERT_EQ(good.init_rc(), 0);
    ASSERT_EQ(bad.init_rc(), 0);
    const uint64_t good_ret = sc.run(good);
    const uint64_t bad_ret = sc.run(bad);
    sc.returns(good_ret, bad_ret, bad);
    for (uint64_t b = 0; b < 4; ++b) {
      EXPECT_EQ(bad.block_entries(bad.block_va(b)), good.block_entries(good.block_va(b))) << b;
    }
    EXPECT_EQ(bad.flushes(), good.flushes());
    EXPECT_TRUE(good.machine().violations().empty());
    EXPECT_TRUE(bad.machine().violations().empty());
    const Steps good_log = steps_of(good.machine());
    const Steps bad_log = steps_of(bad.machine());
    EXPECT_EQ(bad_log, sc.mutant_log(good_log, bad));
    changed |= bad_log != good_log;
  }
  EXPECT_TRUE(changed) << name << " changed no scenario's log";
}

INSTANTIATE_TEST_SUITE_P(Catalogue, InterleaveMutantTest,
                         ::testing::Combine(::testing::ValuesIn(interleaving_only_names()),
                                            ::testing::ValuesIn(kAllGranules)),
                         [](const ::testing::TestParamInfo<Param>& info) {
                           std::string n = std::get<0>(info.param);
                           for (char& ch : n) ch = ch == '-' ? '_' : ch;
                           return n + "_" +
                                  GranuleName(::testing::TestParamInfo<ptediff_granule>(
                                      std::get<1>(info.param), info.index));
                         });

// The mutants of one rewrite, spelled out once on the smallest case: where
// none's convert has one xchg per entry, convert-read-then-clear has a read
// immediately followed by a store of 0 to the same entry, and no xchg.
TEST(InterleaveMutants, ConvertReadThenClearSplitsEachExchange) {
  BackendFixture good(PTEDIFF_GRANULE_4K, ptediff_optimized_backend(), "mutant=none");
  BackendFixture bad(PTEDIFF_GRANULE_4K, ptediff_optimized_backend(),
                     "mutant=convert-read-then-clear");
  unfold_by_pte_clear(good);
  unfold_by_pte_clear(bad);
  EXPECT_EQ(good.count(Prim::kXchg), good.cont());
  EXPECT_EQ(bad.count(Prim::kXchg), 0u);
  EXPECT_EQ(bad.count(Prim::kRead), good.count(Prim::kRead) + good.cont());
  EXPECT_EQ(bad.count(Prim::kWrite), good.count(Prim::kWrite) + good.cont());
  const Steps log = steps_of(bad.machine());
  for (unsigned i = 0; i < bad.cont(); ++i) {
    // read(entry 3) by pte_clear, then read/write-0 pairs from entry 0 on.
    EXPECT_EQ(log[1 + 2 * i], read_of(bad.block_va(1, i))) << i;
    EXPECT_EQ(log[2 + 2 * i], write_of(bad.block_va(1, i), 0)) << i;
  }
  // Entry 5's dirt still reached every unfolded entry.
  for (unsigned i = 0; i < bad.cont(); ++i) {
    if (i != 3) EXPECT_TRUE(pte_dirty(bad.peek(bad.block_va(1, i)))) << i;
  }
}

TEST(InterleaveMutants, ListIsTheSevenCatalogueRows) {
  EXPECT_EQ(interleaving_only_names(),
            (std::vector<std::string>{"convert-read-then-clear", "tcy-plain-write",
                                      "wrprotect-plain-write", "access-flags-plain-write",
                                      "clear-young-dirty-plain-write", "bbml2-repaint-plain-write",
                                      "lockless-no-retry"}));
  for (const char* other : {"none", "convert-no-flush", "get-no-gather", "bogus", ""}) {
    EXPECT_FALSE(interleaving_only_mutant(other)) << other;
  }
}

}  // namespace
}  // namespace ptediff
