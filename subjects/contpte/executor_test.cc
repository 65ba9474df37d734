// ptediff: the differential engine on random programs: no divergence on the
// default backends, and determinism of the trace hash.
#include "subjects/contpte/executor.h"

#include <gtest/gtest.h>

#include <random>

#include "subjects/contpte/codec.h"
#include "subjects/contpte/report.h"
#include "subjects/contpte/text.h"
#include "subjects/contpte/backends.h"

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
    Executor ex(with_builtin_backends());
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
    Executor a(with_builtin_backends()), b(with_builtin_backends());
    EXPECT_EQ(a.run(p).trace_hash, b.run(p).trace_hash);
  }
}

TEST(Determinism, EffectiveProgramReplaysIdentically) {
  for (int seed = 0; seed < 50; ++seed) {
    const Program p = decode_program(random_bytes(seed, PTEDIFF_GRANULE_4K, 300));
    Executor a(with_builtin_backends()), b(with_builtin_backends());
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
  Executor reused(with_builtin_backends());
  int diverged = 0;
  for (int seed = 0; seed < 24; ++seed) {
    Program p = decode_program(random_bytes(seed, granules[seed % 3], 120 + 37 * (seed % 5)));
    p.header.mutant = mutants[seed % 4];
    // Twice: a leftover of the same program's run lands where it is used.
    reused.run(p);
    const RunResult a = reused.run(p);
    Executor fresh(with_builtin_backends());
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

// Text runs as written: the repair step checks instead of rewriting, and the
// first op it would change or skip is reported at its line.
TEST(AsWritten, RejectsAtTheLineOfTheFirstRewrittenOp) {
  const std::string h = "ptediff-repro 1\ngranule 4k\nfolio_alloc order=4 place=low\n# c\n";
  Program p;
  ParseError err;
  EXPECT_TRUE(
      parse_repro_as_written(h + "set_ptes mm=0 va=0x10000 nr=16 folio=0 idx=0 prot=a|w|ro\n", "t",
                             with_builtin_backends(), &p, &err))
      << err.str();
  EXPECT_EQ(p.ops.size(), 2u);
  EXPECT_FALSE(parse_repro_as_written(h + "set_ptes mm=0 va=0x10000 nr=4 folio=0 idx=0 prot=a\n"
                                          "set_ptes mm=0 va=0x11000 nr=2 folio=0 idx=4 prot=a\n",
                                      "t", with_builtin_backends(), &p, &err));
  EXPECT_EQ(err.str(),
            "t:6: set_ptes: va=0x11000 is not legal in this state (a binary input would "
            "run va=0x14000)");
  // The binary path repairs the same program and runs it.
  Program q;
  ASSERT_TRUE(parse_repro(h + "set_ptes mm=0 va=0x10000 nr=4 folio=0 idx=0 prot=a\n"
                              "set_ptes mm=0 va=0x11000 nr=2 folio=0 idx=4 prot=a\n",
                          "t", &q, &err));
  Executor ex(with_builtin_backends());
  const RunResult r = ex.run(q);
  EXPECT_EQ(r.rejected_op, SIZE_MAX);
  ASSERT_EQ(r.effective.ops.size(), 3u);
  EXPECT_EQ(r.effective.ops[2].get(Field::kVa), 0x14000u);
  // Its effective program runs as written.
  EXPECT_TRUE(
      parse_repro_as_written(format_repro(r.effective), "e", with_builtin_backends(), &p, &err))
      << err.str();
}

}  // namespace
}  // namespace ptediff
