// ptediff: tests of the shared JSON writer (report/json.h): rows bounded for
// every subject, the rest counted.
#include "report/json.h"

#include <vector>

#include "gtest/gtest.h"

namespace ptediff {
namespace {

nlohmann::json rows_of(size_t n) {
  std::vector<Divergence> divs(n);
  for (size_t i = 0; i < n; ++i) divs[i].op_index = i;
  nlohmann::json j;
  put_divergence_rows(
      std::span<const Divergence>(divs), [](const Divergence& d) { return d.op_index; }, &j);
  return j;
}

TEST(JsonRows, AtMostTheBoundIsListedAndTheRestCounted) {
  const nlohmann::json over = rows_of(kMaxJsonDivergences + 6);
  ASSERT_EQ(over["divergences"].size(), kMaxJsonDivergences);
  EXPECT_EQ(over["divergences"].back(), kMaxJsonDivergences - 1);
  EXPECT_EQ(over["divergences_omitted"], 6u);
}

TEST(JsonRows, NothingIsCountedWithinTheBound) {
  for (size_t n : {size_t{0}, size_t{1}, kMaxJsonDivergences}) {
    const nlohmann::json j = rows_of(n);
    EXPECT_EQ(j["divergences"].size(), n);
    EXPECT_FALSE(j.contains("divergences_omitted")) << n;
  }
  EXPECT_EQ(json_line(nlohmann::json{{"input", "a\xff"}}), "{\"input\":\"a\xef\xbf\xbd\"}");
}

}  // namespace
}  // namespace ptediff
