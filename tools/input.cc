// ptediff: reading program files (see input.h).
#include "tools/input.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "formats/header.h"  // kReproMagic
#include "tools/file_io.h"

namespace ptediff {

namespace {

// What the start of a file says it is.
enum class Start { kRepro, kOther, kUndecided };

// Skips blank and comment lines. When the bytes are only the start of the
// file (`whole` false), a last line cut short decides nothing if it could
// still become a blank line, a comment or the magic line.
Start text_start(std::string_view bytes, bool whole) {
  while (!bytes.empty()) {
    const size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos && !whole) {
      const absl::string_view l =
          absl::StripLeadingAsciiWhitespace(absl::string_view(bytes.data(), bytes.size()));
      if (l.empty() || l[0] == '#' || absl::StartsWith("ptediff-repro", l)) {
        return Start::kUndecided;
      }
    }
    std::string_view line = bytes.substr(0, nl);
    bytes = nl == std::string_view::npos ? std::string_view() : bytes.substr(nl + 1);
    const absl::string_view l =
        absl::StripAsciiWhitespace(absl::string_view(line.data(), line.size()));
    if (l.empty() || l[0] == '#') continue;
    return absl::StartsWith(l, "ptediff-repro") ? Start::kRepro : Start::kOther;
  }
  return whole ? Start::kOther : Start::kUndecided;
}

// Reads what load_case needs of `path` (see kMaxBinaryInputBytes): *text
// says whether it is a text program.
bool read_program_file(const std::string& path, std::string* bytes, bool* text, std::string* err,
                       std::string* note) {
  const bool named_text = absl::EndsWith(path, ".repro");
  bool more = false;
  uint64_t size = 0;
  if (!read_file(path, kMaxBinaryInputBytes, bytes, err, &more, &size)) return false;
  const Start start = text_start(*bytes, !more);
  *text = named_text || start == Start::kRepro || (more && start == Start::kUndecided);
  // A text program is read whole, unless the size the file reports is
  // already too large.
  if (*text && more && size <= kMaxTextInputBytes) {
    if (!read_file(path, kMaxTextInputBytes, bytes, err, &more)) return false;
  }
  if (*text && more) {
    *err = absl::StrCat(path, ": a text program larger than ", kMaxTextInputBytes >> 20,
                        " MiB, the most a legal one can take; not read");
    return false;
  }
  if (more) {
    *note = absl::StrCat(path, ": read its first ", kMaxBinaryInputBytes >> 20,
                         " MiB only; no subject decodes more of a binary input");
  }
  return true;
}

// Whether `bytes` is printable text meant as a program whose magic line is
// wrong: its first line starts like the magic word, or a later line is a
// `granule` header. (A binary fuzz input that happens to be printable has
// neither, and is still read as binary.) *line gets the first line's number.
bool misspelt_repro(std::string_view bytes, int* line) {
  const bool printable = std::all_of(bytes.begin(), bytes.end(), [](char ch) {
    const unsigned char c = static_cast<unsigned char>(ch);
    return (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t' || c == '\r';
  });
  if (!printable) return false;
  bool first = true, meant = false;
  int n = 0;
  for (absl::string_view l : absl::StrSplit(absl::string_view(bytes.data(), bytes.size()), '\n')) {
    ++n;
    l = absl::StripAsciiWhitespace(l);
    if (l.empty() || l[0] == '#') continue;
    if (first) {
      *line = n;
      first = false;
      meant = absl::StartsWithIgnoreCase(l, "pted");
    } else {
      meant = meant || absl::StartsWith(l, "granule ");
    }
  }
  return meant;
}

}  // namespace

bool looks_like_repro(std::string_view bytes) { return text_start(bytes, true) == Start::kRepro; }

std::unique_ptr<Case> load_case(const std::string& path, const Subject& binary_subject,
                                const Subject* required, std::string* err, std::string* note) {
  std::string bytes;
  bool text = false;
  note->clear();
  if (!read_program_file(path, &bytes, &text, err, note)) return nullptr;
  if (int line = 1; !text && misspelt_repro(bytes, &line)) {
    *err = absl::StrCat(path, ":", line, ": a text program starts with `", kReproMagic,
                        " 1` (this file is text, so it is not read as a binary input)");
    return nullptr;
  }
  if (!text) {
    return binary_subject.decode({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  }
  ParseError pe;
  const Subject* s = subject_for_text(bytes, path, &pe);
  std::unique_ptr<Case> c;
  if (s != nullptr && required != nullptr && s != required) {
    *err = absl::StrCat(path, ": a ", s->name(), " program, but --subject is ", required->name());
    return nullptr;
  }
  if (s != nullptr) c = s->parse(bytes, path, &pe);
  if (c == nullptr) *err = pe.str();
  return c;
}

}  // namespace ptediff
