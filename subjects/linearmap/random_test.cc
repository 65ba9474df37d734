// ptediff conformance: random linear-map programs (the fuzz decoder fed with
// pseudo-random bytes) run without divergence on every granule, and their
// text form round-trips; the corpus/linearmap repros parse and run clean.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "subjects/linearmap/executor.h"

namespace ptediff::linearmap {
namespace {

constexpr int kProgramsPerGranule = 300;

class LinearMapRandom : public ::testing::TestWithParam<ptediff_granule> {};

TEST_P(LinearMapRandom, NoDivergence) {
  std::mt19937 rng(1234 + static_cast<int>(GetParam()));
  for (int n = 0; n < kProgramsPerGranule; ++n) {
    std::vector<uint8_t> bytes(8 + rng() % 160);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    // (0xf0-0xff would select the literal form, which encode_program writes.)
    bytes[0] = static_cast<uint8_t>((bytes[0] % 80) * 3 + static_cast<int>(GetParam()));
    const Program p = decode_program(bytes);
    ASSERT_EQ(p.granule, GetParam());
    const RunResult r = run_program(p);
    ASSERT_FALSE(r.diverged()) << format_report(r, p);
    // Text round trip.
    Program q;
    ParseError err;
    const std::string text = format_program(p);
    ASSERT_TRUE(parse_program(text, "random", &q, &err)) << err.str() << "\n" << text;
    ASSERT_EQ(format_program(q), text);
  }
}

INSTANTIATE_TEST_SUITE_P(Granules, LinearMapRandom,
                         ::testing::Values(PTEDIFF_GRANULE_4K, PTEDIFF_GRANULE_16K,
                                           PTEDIFF_GRANULE_64K));

TEST(LinearMapCorpus, ReprosRunClean) {
  const std::filesystem::path dir = std::filesystem::path(PTEDIFF_SOURCE_DIR) / "corpus/linearmap";
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".repro") continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    Program p;
    ParseError err;
    ASSERT_TRUE(parse_program(ss.str(), e.path().string(), &p, &err)) << err.str();
    ASSERT_TRUE(is_linearmap_repro(ss.str()));
    const RunResult r = run_program(p);
    EXPECT_FALSE(r.diverged()) << e.path() << "\n" << format_report(r, p);
    ++files;
  }
  EXPECT_GT(files, 0);
}

}  // namespace
}  // namespace ptediff::linearmap
