// ptediff fuzz: the custom mutator and cross-over (mutator.cc) without an
// engine: outputs fit MaxSize, decode to programs with ops, and are
// deterministic in the seed.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "subjects/contpte/codec.h"

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed);
extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* data1, size_t size1,
                                            const uint8_t* data2, size_t size2, uint8_t* out,
                                            size_t max_out_size, unsigned int seed);

namespace ptediff {
namespace {

std::vector<uint8_t> random_input(std::mt19937_64& rng, size_t len) {
  std::vector<uint8_t> b(len);
  for (uint8_t& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

TEST(Mutator, FitsMaxSizeAndIsDeterministic) {
  std::mt19937_64 rng(1);
  size_t grew = 0;
  for (unsigned seed = 0; seed < 2000; ++seed) {
    const size_t max_size = 8 + rng() % 300;
    std::vector<uint8_t> in = random_input(rng, rng() % max_size);
    const size_t len = in.size();
    std::vector<uint8_t> a = in, b = in;
    a.resize(max_size);
    b.resize(max_size);
    const size_t na = LLVMFuzzerCustomMutator(a.data(), len, max_size, seed);
    const size_t nb = LLVMFuzzerCustomMutator(b.data(), len, max_size, seed);
    ASSERT_LE(na, max_size);
    ASSERT_EQ(na, nb);
    a.resize(na);
    b.resize(nb);
    ASSERT_EQ(a, b) << "seed " << seed;
    grew += decode_program(a).ops.size() > decode_program(in).ops.size();
  }
  EXPECT_GT(grew, 200u);  // inserts happen
}

TEST(Mutator, CrossOverFitsAndIsDeterministic) {
  std::mt19937_64 rng(2);
  for (unsigned seed = 0; seed < 1000; ++seed) {
    const std::vector<uint8_t> x = random_input(rng, rng() % 200),
                               y = random_input(rng, rng() % 200);
    const size_t max_size = 2 + rng() % 200;
    std::vector<uint8_t> a(max_size), b(max_size);
    const size_t na =
        LLVMFuzzerCustomCrossOver(x.data(), x.size(), y.data(), y.size(), a.data(), max_size, seed);
    const size_t nb =
        LLVMFuzzerCustomCrossOver(x.data(), x.size(), y.data(), y.size(), b.data(), max_size, seed);
    ASSERT_LE(na, max_size);
    ASSERT_EQ(na, nb);
    a.resize(na);
    b.resize(nb);
    ASSERT_EQ(a, b);
  }
}

}  // namespace
}  // namespace ptediff
