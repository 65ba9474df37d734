// ptediff: the one JSON writer of every subject's run report: divergence rows
// bounded the same way for every subject, one compact line out.
#ifndef PTEDIFF_REPORT_JSON_H_
#define PTEDIFF_REPORT_JSON_H_

#include <cstddef>
#include <span>
#include <string>

#include "nlohmann/json.hpp"
#include "oracle/divergence.h"

namespace ptediff {

// The most divergences a JSON report lists; the rest are counted.
inline constexpr size_t kMaxJsonDivergences = 64;

// Sets (*out)["divergences"] to `row(d)` for each of the first
// kMaxJsonDivergences of `divs`, and (*out)["divergences_omitted"] to the
// number left out when there are more (absent otherwise), so a report's size
// does not grow with the program's.
template <typename Row>
void put_divergence_rows(std::span<const Divergence> divs, Row&& row, nlohmann::json* out) {
  nlohmann::json rows = nlohmann::json::array();
  for (size_t n = 0; n < divs.size() && n < kMaxJsonDivergences; ++n) rows.push_back(row(divs[n]));
  (*out)["divergences"] = std::move(rows);
  if (divs.size() > kMaxJsonDivergences) {
    (*out)["divergences_omitted"] = divs.size() - kMaxJsonDivergences;
  }
}

// `j` as one line; invalid UTF-8 (an input name) is replaced, never an
// exception.
inline std::string json_line(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace ptediff

#endif  // PTEDIFF_REPORT_JSON_H_
