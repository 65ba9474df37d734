// ptediff: shared text utilities (see text.h).
#include "formats/text.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace ptediff {

std::string quote(absl::string_view s) {
  constexpr size_t kMax = 40;
  std::string q = absl::StrCat("'", absl::CHexEscape(s.substr(0, kMax)), "'");
  if (s.size() > kMax) q += "...";
  return q;
}

bool parse_u64(absl::string_view s, uint64_t* out) {
  if (absl::ConsumePrefix(&s, "0x")) {
    if (s.empty() || !std::all_of(s.begin(), s.end(), absl::ascii_isxdigit)) return false;
    return absl::SimpleHexAtoi(s, out);
  }
  if (s.empty() || !std::all_of(s.begin(), s.end(), absl::ascii_isdigit)) return false;
  return absl::SimpleAtoi(s, out);
}

std::vector<absl::string_view> split_tokens(absl::string_view line) {
  return absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
}

}  // namespace ptediff
