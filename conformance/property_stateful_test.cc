// ptediff conformance: the stateful differential property (rapidcheck) over
// random op lists, per granule and feature set on the fixed backend, and with
// each mutant, where it must fail and print a shrunk counterexample.
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "conformance/property_util.h"
#include "harness/repro.h"
#include "optimized/contpte.h"

namespace ptediff {
namespace {

struct Features {
  const char* name;
  bool hafdbs, bbml2;
};
constexpr Features kFeatureSets[] = {
    {"hafdbs", true, false}, {"nohafdbs", false, false}, {"hafdbs_bbml2", true, true}};

class Stateful : public ::testing::TestWithParam<std::tuple<ptediff_granule, Features>> {};

TEST_P(Stateful, OptimizedStaysInTheEnvelope) {
  StatefulConfig c;
  c.header.granule = std::get<0>(GetParam());
  c.header.hafdbs = std::get<1>(GetParam()).hafdbs;
  c.header.bbml2 = std::get<1>(GetParam()).bbml2;
  c.seed = 0x5eed0000 + c.header.granule * 8 + (c.header.hafdbs ? 1 : 0) + (c.header.bbml2 ? 2 : 0);
  const StatefulOutcome out = check_stateful(c);
  EXPECT_TRUE(out.passed) << out.message;
  EXPECT_EQ(out.successes, c.max_success);
}

INSTANTIATE_TEST_SUITE_P(
    All, Stateful,
    ::testing::Combine(::testing::Values(PTEDIFF_GRANULE_4K, PTEDIFF_GRANULE_16K,
                                         PTEDIFF_GRANULE_64K),
                       ::testing::ValuesIn(kFeatureSets)),
    [](const auto& info) {
      return std::string(granule_name(std::get<0>(info.param))) + "_" +
             std::get<1>(info.param).name;
    });

TEST(Stateful, OtherProfilesStayInTheEnvelope) {
  for (Profile p : {Profile::kBasic, Profile::kBatch}) {
    StatefulConfig c;
    c.header.profile = p;
    c.seed = 0x9f0f11e + static_cast<int>(p);
    const StatefulOutcome out = check_stateful(c);
    EXPECT_TRUE(out.passed) << profile_name(p) << "\n" << out.message;
  }
}

// The "property" column of the mutant gate, with shrinking: every mutant
// must make the property fail, and the failure carries a replayable repro.
class StatefulMutant : public ::testing::TestWithParam<std::string> {};

TEST_P(StatefulMutant, PropertyFailsWithAShrunkRepro) {
  StatefulConfig c;
  c.header = header_for_mutant(GetParam());
  c.max_success = 300;
  c.max_size = 40;
  c.seed = 0xbadc0de;
  const StatefulOutcome out = check_stateful(c);
  ASSERT_FALSE(out.passed) << GetParam() << " survived " << out.successes << " cases";
  const size_t at = out.message.find("ptediff-repro 1");
  ASSERT_NE(at, std::string::npos) << out.message;
  Program p;
  ParseError err;
  EXPECT_TRUE(parse_repro(out.message.substr(at), "<shrunk>", &p, &err)) << err.str();
  EXPECT_EQ(p.header.mutant, GetParam());
  std::printf("%s: failed after %d cases; shrunk to %zu ops:\n%s\n", GetParam().c_str(),
              out.successes, p.ops.size(), out.message.substr(at).c_str());
}

std::vector<std::string> mutant_names() {
  std::vector<std::string> out;
  for (const MutantInfo& m : optimized_mutants()) out.push_back(m.name);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, StatefulMutant, ::testing::ValuesIn(mutant_names()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n) ch = ch == '-' ? '_' : ch;
                           return n;
                         });

}  // namespace
}  // namespace ptediff
#include "harness/executor.h"
namespace ptediff { namespace {
TEST(Debug, Sample) {
  rc::Random r(42);
  auto g = rc::gen::container<std::vector<Op>>(gen_op(PTEDIFF_GRANULE_4K));
  for (int i = 0; i < 5; ++i) {
    rc::Random rr(1000 + i);
    auto ops = g(rr, 20).value();
    Program p; p.header.mutant = "unfold-drops-dirty"; p.ops = ops;
    Executor ex; auto res = ex.run(p);
    printf("decoded %zu skipped %zu div %d\n%s\n", res.decoded_ops, res.skipped, (int)res.diverged(), format_repro(res.effective).c_str());
  }
}
}}
