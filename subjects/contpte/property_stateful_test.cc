// ptediff conformance: the stateful differential property (rapidcheck) over
// random op lists, per granule and feature set on the fixed backend, and with
// each mutant, where it must fail and print a shrunk counterexample (but for
// the interleaving-only mutants: interleaving_only_mutant()).
// PTEDIFF_SOAK_CASES=N raises the fixed-backend budget for a longer soak.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <tuple>

#include "subjects/contpte/optimized.h"
#include "subjects/contpte/property_test_util.h"
#include "subjects/contpte/text.h"
#include "testing/budget.h"

namespace ptediff {
namespace {

struct Features {
  const char* name;
  bool hafdbs, bbml2;
};
constexpr Features kFeatureSets[] = {
    {"hafdbs", true, false}, {"nohafdbs", false, false}, {"hafdbs_bbml2", true, true}};

void PrintTo(const Features& f, std::ostream* os) { *os << f.name; }

class Stateful : public ::testing::TestWithParam<std::tuple<ptediff_granule, Features>> {};

// Test cases per fixed-backend property: the 4K granule runs an order of
// magnitude faster than 16K/64K (smaller windows), so it gets more (an
// eighth of each under a sanitizer, testing/budget.h).
int cases_for(ptediff_granule g) {
  if (const char* soak = std::getenv("PTEDIFF_SOAK_CASES")) return std::atoi(soak);
  return search_budget(g == PTEDIFF_GRANULE_4K ? 1000 : 150);
}

TEST_P(Stateful, OptimizedStaysInTheEnvelope) {
  StatefulConfig c;
  c.header.granule = std::get<0>(GetParam());
  c.header.hafdbs = std::get<1>(GetParam()).hafdbs;
  c.header.bbml2 = std::get<1>(GetParam()).bbml2;
  c.seed = 0x5eed0000 + c.header.granule * 8 + (c.header.hafdbs ? 1 : 0) + (c.header.bbml2 ? 2 : 0);
  c.max_success = cases_for(c.header.granule);
  const StatefulOutcome out = check_stateful(c);
  EXPECT_TRUE(out.passed) << out.message;
  EXPECT_EQ(out.successes, c.max_success);
}

INSTANTIATE_TEST_SUITE_P(All, Stateful,
                         ::testing::Combine(::testing::Values(PTEDIFF_GRANULE_4K,
                                                              PTEDIFF_GRANULE_16K,
                                                              PTEDIFF_GRANULE_64K),
                                            ::testing::ValuesIn(kFeatureSets)),
                         [](const auto& info) {
                           return std::string(granule_name(std::get<0>(info.param))) + "_" +
                                  std::get<1>(info.param).name;
                         });

// Deferred flushes met by walks, unfolds and new mappings, with mid-op
// accesses and walks through the stale block translations they leave
// (StatefulConfig::deferred_flush). PTEDIFF_SOAK_CASES or RC_PARAMS
// (max_success=N) run it longer.
class StatefulDeferred : public ::testing::TestWithParam<std::tuple<ptediff_granule, Features>> {};

TEST_P(StatefulDeferred, StaleTranslationsStayInTheEnvelope) {
  StatefulConfig c;
  c.header.granule = std::get<0>(GetParam());
  c.header.hafdbs = std::get<1>(GetParam()).hafdbs;
  c.header.bbml2 = std::get<1>(GetParam()).bbml2;
  c.deferred_flush = true;
  c.seed = 0xdef0000 + c.header.granule * 8 + (c.header.hafdbs ? 1 : 0) + (c.header.bbml2 ? 2 : 0);
  c.max_success = cases_for(c.header.granule) / 4;
  const StatefulOutcome out = check_stateful(c);
  EXPECT_TRUE(out.passed) << out.message;
}

INSTANTIATE_TEST_SUITE_P(All, StatefulDeferred,
                         ::testing::Combine(::testing::Values(PTEDIFF_GRANULE_4K,
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
    c.max_success = cases_for(c.header.granule);
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
  c.max_success = 20000;  // a budget: the property stops at the first failure
  c.max_size = 50;
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
  for (const MutantInfo& m : optimized_mutants()) {
    if (!interleaving_only_mutant(m.name)) out.push_back(m.name);  // sequential ones only
  }
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
