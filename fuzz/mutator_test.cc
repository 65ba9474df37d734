// ptediff fuzz: every subject's structure-aware mutator and cross-over
// (Subject::fuzz(), engine/op_mutator.h) without an engine: outputs fit the
// size libFuzzer allows, decode to programs that grow by inserted ops, and
// are deterministic in the seed.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "subjects/subject.h"

namespace ptediff {
namespace {

std::vector<uint8_t> random_input(std::mt19937_64& rng, size_t len) {
  std::vector<uint8_t> b(len);
  for (uint8_t& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

class Mutator : public ::testing::TestWithParam<const Subject*> {};

TEST_P(Mutator, FitsMaxSizeGrowsAndIsDeterministic) {
  const Subject& s = *GetParam();
  std::mt19937_64 rng(1);
  size_t grew = 0;
  for (unsigned seed = 0; seed < 2000; ++seed) {
    // Inputs well under the limit: the literal form the mutator writes may
    // be several times longer than a decoder-form input of the same ops.
    const size_t max_size = 8 + rng() % 600;
    std::vector<uint8_t> in = random_input(rng, rng() % (max_size / 4 + 1));
    const size_t len = in.size();
    std::vector<uint8_t> a = in, b = in;
    a.resize(max_size);
    b.resize(max_size);
    const size_t na = s.fuzz().mutate(a.data(), len, max_size, seed);
    const size_t nb = s.fuzz().mutate(b.data(), len, max_size, seed);
    ASSERT_LE(na, max_size);
    ASSERT_EQ(na, nb);
    a.resize(na);
    b.resize(nb);
    ASSERT_EQ(a, b) << "seed " << seed;
    grew += s.decode(a)->size() > s.decode(in)->size();
  }
  EXPECT_GT(grew, 200u) << s.name();  // inserts happen
}

TEST_P(Mutator, RepeatedMutationKeepsProgramsAlive) {
  // A program mutated many times over stays a program with ops (the
  // mutator never collapses the input to its header).
  const Subject& s = *GetParam();
  std::vector<uint8_t> data(4096);
  size_t size = 0, with_ops = 0;
  for (unsigned seed = 1; seed <= 3000; ++seed) {
    size = s.fuzz().mutate(data.data(), size, data.size(), seed);
    ASSERT_LE(size, data.size());
    with_ops += s.decode(std::span<const uint8_t>(data.data(), size))->size() > 0;
  }
  EXPECT_GT(with_ops, 2500u) << s.name();
}

TEST_P(Mutator, CrossOverFitsAndIsDeterministic) {
  const Subject& s = *GetParam();
  std::mt19937_64 rng(2);
  for (unsigned seed = 0; seed < 1000; ++seed) {
    const std::vector<uint8_t> x = random_input(rng, rng() % 200),
                               y = random_input(rng, rng() % 200);
    const size_t max_size = 4 + rng() % 400;
    std::vector<uint8_t> a(max_size), b(max_size);
    const size_t na =
        s.fuzz().cross_over(x.data(), x.size(), y.data(), y.size(), a.data(), max_size, seed);
    const size_t nb =
        s.fuzz().cross_over(x.data(), x.size(), y.data(), y.size(), b.data(), max_size, seed);
    ASSERT_LE(na, max_size);
    ASSERT_EQ(na, nb);
    a.resize(na);
    b.resize(nb);
    ASSERT_EQ(a, b);
  }
}

INSTANTIATE_TEST_SUITE_P(EverySubject, Mutator, ::testing::ValuesIn(all_subjects()),
                         [](const ::testing::TestParamInfo<const Subject*>& i) {
                           std::string n = i.param->name();
                           std::erase(n, '-');
                           return n;
                         });

}  // namespace
}  // namespace ptediff
