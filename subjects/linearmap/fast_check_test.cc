// ptediff conformance: the linear map's fast state check (checks.h
// consistent()) says exactly what the four state checks say, and checking
// only what an op touched loses nothing: on random programs (the fuzz
// decoder fed with pseudo-random bytes, every granule, with and without
// BBML2, under every mutant), after every op, consistent() over pages around
// the op equals the checks over them, and while no op has diverged the whole
// window is consistent.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "subjects/linearmap/checks.h"
#include "subjects/linearmap/executor.h"
#include "subjects/linearmap/testing.h"

namespace ptediff::linearmap {
namespace {

constexpr int kProgramsPerGranule = 60;

// check_translation, check_structure, check_minimal and check_pages_only
// over pages [lo, hi), as the executor runs them on a range.
bool checks_pass(const Session& s, uint64_t lo, uint64_t hi) {
  const Geometry& g = s.geometry();
  std::vector<std::string> problems;
  uint64_t problem_page = 0;
  const std::vector<Leaf> leaves = s.opt().tables().leaves(lo, hi, &problems, &problem_page);
  Divergence d;
  bool ok = check_translation(s.ref().runs(), leaves, lo, hi, g, &d);
  ok &= check_structure(problems, problem_page, g, &d);
  ok &= check_minimal(s.ref().expected_leaves(lo, hi), leaves, g, &d);
  if (!s.ref().bbml2()) ok &= check_pages_only(leaves, g, &d);
  return ok;
}

// Counts of what the property test saw, so it can assert it saw both answers.
struct Seen {
  int consistent = 0, inconsistent = 0;
};

// Runs `p` on `m` op by op until one diverges; after each op compares
// consistent() with the checks on a random range around the op's address,
// and checks that the whole window is consistent while no op has diverged.
void run_checked(const Program& p, Mutant m, std::mt19937* rng, Seen* seen) {
  Session s(p, m);
  const uint64_t w = s.geometry().window_pages;
  std::vector<Divergence> found;
  bool clean = true;  // no op so far reported a state divergence
  for (size_t i = 0; i < p.ops.size(); ++i) {
    const size_t before = found.size();
    s.step(p.ops[i], i, &found);
    for (size_t k = before; k < found.size(); ++k) {
      const DivClass c = found[k].cls;
      clean &= c != DivClass::kPteState && c != DivClass::kContMalformed && c != DivClass::kBbm;
    }
    const bool fast = consistent(s.ref(), s.opt().tables(), 0, w);
    const uint64_t at = std::min(p.ops[i].va / s.geometry().page_size, w - 1);
    const uint64_t lo = at - std::min<uint64_t>(at, (*rng)() % 4096);
    const uint64_t hi = std::min(w, lo + 1 + (*rng)() % 8192);
    ASSERT_EQ(consistent(s.ref(), s.opt().tables(), lo, hi), checks_pass(s, lo, hi))
        << "op " << i << " pages [" << lo << ", " << hi << ")\n"
        << format_program(p);
    if (clean)
      ASSERT_TRUE(fast) << "a change outside what op " << i << " touched\n" << format_program(p);
    ++(fast ? seen->consistent : seen->inconsistent);
    if (!clean) return;  // (later ops run the full checks anyway, and slowly)
  }
}

class LinearMapFastCheck : public ::testing::TestWithParam<ptediff_granule> {};

TEST_P(LinearMapFastCheck, AgreesWithTheChecksOnRandomPrograms) {
  std::mt19937 rng(4321 + static_cast<int>(GetParam()));
  Seen seen;
  for (int n = 0; n < kProgramsPerGranule; ++n) {
    std::vector<uint8_t> bytes(8 + rng() % 160);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    bytes[0] = static_cast<uint8_t>((bytes[0] % 80) * 3 + static_cast<int>(GetParam()));
    const Program p = decode_program(bytes);
    for (const MutantInfo& m : linearmap_mutants()) {
      run_checked(p, m.id, &rng, &seen);
      if (HasFatalFailure()) return;
    }
  }
  EXPECT_GT(seen.consistent, 0);
  EXPECT_GT(seen.inconsistent, 0);  // the mutants make states the checks refuse
}

INSTANTIATE_TEST_SUITE_P(Granules, LinearMapFastCheck,
                         ::testing::Values(PTEDIFF_GRANULE_4K, PTEDIFF_GRANULE_16K,
                                           PTEDIFF_GRANULE_64K));

// Hand-made states: quiet on a legal map with splits and permission changes,
// and it fires on each kind of difference the checks report.
TEST(LinearMapFastCheck, QuietOnLegalStates) {
  testing::Driver d;
  ASSERT_EQ(d.run("map va=0x0 pa=0x40000000 size=0x800000 flags=none"), kOk);
  ASSERT_EQ(d.run("map va=0x800000 pa=0x1000 size=0x400000 flags=none"), kOk);  // pages only
  ASSERT_EQ(d.run("set_memory_ro va=0x201000 nr=1039"), kOk);
  ASSERT_EQ(d.run("set_memory_x va=0x900000 nr=300"), kOk);
  ASSERT_TRUE(d.clean()) << d.report();
  const Session& s = d.session();
  EXPECT_TRUE(consistent(s.ref(), s.opt().tables(), 0, s.geometry().window_pages));
  EXPECT_TRUE(consistent(s.ref(), s.opt().tables(), 0x201, 0x202));
  EXPECT_TRUE(consistent(s.ref(), s.opt().tables(), 0x950, 0xa00));
}

TEST(LinearMapFastCheck, FiresOnEachDifference) {
  struct Case {
    const char* mutant;
    const char* op;
  };
  // split-to-ptes: leaf set; walker-assumes-pte: translation; live size
  // change: pages only without BBML2.
  const Case cases[] = {{"split-to-ptes", "split va=0x201000"},
                        {"walker-assumes-pte", "set_memory_ro va=0x201000 nr=1039"},
                        {"live-size-change-without-bbml2", "split va=0x201000"}};
  for (const Case& c : cases) {
    Mutant m;
    ASSERT_TRUE(find_mutant(c.mutant, &m));
    testing::Driver d(PTEDIFF_GRANULE_4K, m != Mutant::kLiveSizeChangeWithoutBbml2, m);
    ASSERT_EQ(d.run("map va=0x0 pa=0x40000000 size=0x800000 flags=none"), kOk);
    d.run(c.op);
    ASSERT_FALSE(d.clean()) << c.mutant;
    const Session& s = d.session();
    EXPECT_FALSE(consistent(s.ref(), s.opt().tables(), 0, s.geometry().window_pages)) << c.mutant;
  }
}

// O's tables edited by hand after `ops`: pages [first, first + n) rewritten
// as PTEs of the same output address and attributes, CONT or not. Runs of
// like leaves end at split boundaries and where larger leaves may start;
// each state makes the leaves on one side of such an end look like those on
// the other, which only the leaf-by-leaf comparison there can tell apart.
bool consistent_after_rewrite(const std::vector<std::string>& ops, uint64_t first, uint64_t n,
                              bool cont) {
  testing::Driver d;
  for (const std::string& op : ops) EXPECT_EQ(d.run(op), kOk) << op;
  EXPECT_TRUE(d.clean()) << d.report();
  const Session& s = d.session();
  // (The tables are the test's to poke, as in pgtable_test.)
  KernelPgtable& pt = const_cast<KernelPgtable&>(s.opt().tables());
  const Geometry& g = s.geometry();
  for (uint64_t p = first; p < first + n; ++p) {
    const pte_t old = pt.machine().peek_level(kKernelMm, p * g.page_size, kPteLevel);
    const pte_t v = pt.leaf_desc(kPteLevel, pt.desc_pa(old), KernelPgtable::desc_attrs(old), cont);
    pt.machine().poke_level(kKernelMm, p * g.page_size, kPteLevel, v);
  }
  const bool fast = consistent(s.ref(), pt, 0, g.window_pages);
  EXPECT_EQ(fast, checks_pass(s, 0, g.window_pages));
  return fast;
}

TEST(LinearMapFastCheck, FiresOnAGroupOverASplitBoundary) {
  // 2M of cont-pte groups; the split at page 21 breaks the second group into
  // pages. Re-forming that group must not pass as part of a run of groups.
  const std::vector<std::string> ops = {"map va=0x0 pa=0x40000000 size=0x200000 flags=no_block",
                                        "split va=0x15000"};
  EXPECT_TRUE(consistent_after_rewrite(ops, 16, 16, false));  // as O left it
  EXPECT_FALSE(consistent_after_rewrite(ops, 16, 16, true));
}

TEST(LinearMapFastCheck, FiresOnPagesWhereAGroupBelongs) {
  // One 2M block; the split at page 5 leaves pages up to page 16, then
  // cont-pte groups. Pages where the next group belongs must not pass as part
  // of the run of pages.
  const std::vector<std::string> ops = {"map va=0x0 pa=0x40000000 size=0x200000 flags=none",
                                        "split va=0x5000"};
  EXPECT_TRUE(consistent_after_rewrite(ops, 16, 16, true));  // as O left it
  EXPECT_FALSE(consistent_after_rewrite(ops, 16, 16, false));
}

}  // namespace
}  // namespace ptediff::linearmap
