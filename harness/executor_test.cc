// ptediff: the differential engine on random programs: no divergence on the
// default backends, and determinism of the trace hash.
#include "harness/executor.h"

#include <gtest/gtest.h>

#include <random>

#include "harness/codec.h"
#include "harness/report.h"
#include "harness/repro.h"

namespace ptediff {
namespace {

std::vector<uint8_t> random_bytes(uint64_t seed, ptediff_granule g, size_t len) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> b(len);
  for (uint8_t& x : b) x = static_cast<uint8_t>(rng());
  // header: granule g, hafdbs random, bbml2 random, profile fold
  b[0] = static_cast<uint8_t>(g | (rng() & 1 ? 4 : 0) | (rng() % 4 == 0 ? 8 : 0) | (2 << 4));
  b[1] = 0;  // mutant none
  return b;
}

class RandomPrograms : public ::testing::TestWithParam<ptediff_granule> {};

TEST_P(RandomPrograms, NoDivergenceOnTheDefaultBackends) {
  const int n = 300;
  size_t ops = 0, skipped = 0;
  for (int seed = 0; seed < n; ++seed) {
    const auto bytes = random_bytes(seed, GetParam(), 40 + seed % 400);
    const Program p = decode_program(bytes);
    Executor ex;
    const RunResult r = ex.run(p);
    ASSERT_TRUE(r.error.empty()) << r.error;
    ops += r.decoded_ops;
    skipped += r.skipped;
    if (r.diverged()) {
      ADD_FAILURE() << "seed " << seed << "\n"
                    << format_divergence(r, r.divergences.front()) << "\n"
                    << format_repro(r.effective);
      return;
    }
  }
  std::printf("granule %d: %zu ops decoded, %zu skipped (%.1f%%)\n", GetParam(), ops, skipped,
              100.0 * skipped / std::max<size_t>(ops, 1));
}

INSTANTIATE_TEST_SUITE_P(Granules, RandomPrograms,
                         ::testing::Values(PTEDIFF_GRANULE_4K, PTEDIFF_GRANULE_16K,
                                           PTEDIFF_GRANULE_64K));

TEST(Determinism, SameInputSameHash) {
  for (int seed = 0; seed < 20; ++seed) {
    const Program p = decode_program(random_bytes(seed, PTEDIFF_GRANULE_4K, 300));
    Executor a, b;
    EXPECT_EQ(a.run(p).trace_hash, b.run(p).trace_hash);
  }
}

TEST(Determinism, EffectiveProgramReplaysIdentically) {
  for (int seed = 0; seed < 50; ++seed) {
    const Program p = decode_program(random_bytes(seed, PTEDIFF_GRANULE_4K, 300));
    Executor a, b;
    const RunResult ra = a.run(p);
    const RunResult rb = b.run(ra.effective);
    EXPECT_EQ(rb.skipped, 0u) << seed;
    EXPECT_EQ(ra.effective, rb.effective) << seed;
    EXPECT_EQ(ra.trace_hash, rb.trace_hash) << seed;
  }
}

// An Executor reuses its machines across runs: nothing of one run may reach
// the next. One long-lived Executor runs programs of every granule, feature
// set and mutant, interleaved (diverging ones included); each result must
// equal a fresh Executor's.
TEST(Determinism, ReusedExecutorMatchesFreshOnes) {
  const ptediff_granule granules[] = {PTEDIFF_GRANULE_4K, PTEDIFF_GRANULE_16K, PTEDIFF_GRANULE_64K};
  const char* mutants[] = {"none", "convert-no-flush", "get-no-gather", "unfold-drops-dirty"};
  Executor reused;
  int diverged = 0;
  for (int seed = 0; seed < 24; ++seed) {
    Program p = decode_program(random_bytes(seed, granules[seed % 3], 120 + 37 * (seed % 5)));
    p.header.mutant = mutants[seed % 4];
    // Twice: a leftover of the same program's run lands where it is used.
    reused.run(p);
    const RunResult a = reused.run(p);
    Executor fresh;
    const RunResult b = fresh.run(p);
    EXPECT_EQ(a.trace_hash, b.trace_hash) << seed;
    EXPECT_EQ(a.effective, b.effective) << seed;
    EXPECT_EQ(a.divergences.size(), b.divergences.size()) << seed;
    EXPECT_EQ(a.ref_cost.reads, b.ref_cost.reads) << seed;
    EXPECT_EQ(a.opt_cost.atomics, b.opt_cost.atomics) << seed;
    EXPECT_EQ(a.folds.folded, b.folds.folded) << seed;
    EXPECT_EQ(a.skipped, b.skipped) << seed;
    diverged += a.diverged() ? 1 : 0;
  }
  EXPECT_GT(diverged, 0) << "no run left a diverged state behind for the next one";
}

}  // namespace
}  // namespace ptediff
