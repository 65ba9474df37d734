// ptediff: the text utilities every subject's .repro parser shares: one line
// splitter, one number syntax, one way to echo a bad token.
#ifndef PTEDIFF_FORMATS_TEXT_H_
#define PTEDIFF_FORMATS_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"
#include "include/ptediff/pte.h"

namespace ptediff {

// The longest mutant name a header may carry.
inline constexpr size_t kMaxMutantNameLen = 63;

// A rejected line of a text file.
struct ParseError {
  std::string file;
  int line = 0;
  std::string message;
  // "file:line: message".
  std::string str() const;
};

// Text name of a granule ("4k", "16k", "64k") and its inverse.
const char* granule_name(ptediff_granule g);
bool parse_granule(std::string_view s, ptediff_granule* out);

// True when `name` is a well-formed mutant name: [a-z0-9-]+, at most
// kMaxMutantNameLen characters.
bool valid_mutant_name(std::string_view name);
bool valid_mutant_char(char c);

// A token quoted for an error message: C-escaped (control bytes never reach
// the terminal raw) and cut at 40 characters ("..." follows when cut).
std::string quote(absl::string_view s);

// Strict unsigned number: decimal digits or 0x + hex digits, no sign, no
// whitespace, no overflow.
bool parse_u64(absl::string_view s, uint64_t* out);

// Calls `fn(line_number, tokens)` for every line of `text` that has tokens
// once its `#` comment is cut; tokens are separated by spaces, tabs or a
// trailing CR. Lines are 1-based. Stops when fn returns false and returns
// false then; otherwise returns true. *last_line (when non-null) receives
// the number of the last line of the text (at least 1: an empty text has one
// empty line; a final newline does not start a new line), which is where
// end-of-file errors are reported.
template <typename Fn>
bool for_each_line(std::string_view text, int* last_line, Fn&& fn);

// Implementation details of for_each_line.
std::vector<absl::string_view> split_tokens(absl::string_view line);

template <typename Fn>
bool for_each_line(std::string_view text, int* last_line, Fn&& fn) {
  int n = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++n;
    const std::string_view body = raw.substr(0, raw.find('#'));
    const std::vector<absl::string_view> toks =
        split_tokens(absl::string_view(body.data(), body.size()));
    if (!toks.empty() && !fn(n, toks)) {
      if (last_line != nullptr) *last_line = n;
      return false;
    }
  }
  if (last_line != nullptr) *last_line = n > 0 ? n : 1;
  return true;
}

}  // namespace ptediff

#endif  // PTEDIFF_FORMATS_TEXT_H_
