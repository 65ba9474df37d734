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

namespace {
constexpr std::string_view kGranuleNames[] = {"4k", "16k", "64k"};
}  // namespace

std::string ParseError::str() const { return absl::StrCat(file, ":", line, ": ", message); }

const char* granule_name(ptediff_granule g) {
  size_t i = static_cast<size_t>(g);
  return (i < std::size(kGranuleNames) ? kGranuleNames[i] : kGranuleNames[0]).data();
}

bool parse_granule(std::string_view s, ptediff_granule* out) {
  int i = static_cast<int>(std::find(std::begin(kGranuleNames), std::end(kGranuleNames), s) - std::begin(kGranuleNames));
  if (i >= static_cast<int>(std::size(kGranuleNames))) return false;
  *out = static_cast<ptediff_granule>(i);
  return true;
}

bool valid_mutant_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

bool valid_mutant_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxMutantNameLen &&
         std::all_of(name.begin(), name.end(), valid_mutant_char);
}


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
