// ptediff: reading program files (see input.h).
#include "tools/input.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace ptediff {

bool looks_like_repro(std::string_view bytes) {
  while (!bytes.empty()) {
    const size_t nl = bytes.find('\n');
    std::string_view line = bytes.substr(0, nl);
    bytes = nl == std::string_view::npos ? std::string_view() : bytes.substr(nl + 1);
    const absl::string_view l =
        absl::StripAsciiWhitespace(absl::string_view(line.data(), line.size()));
    if (l.empty() || l[0] == '#') continue;
    return absl::StartsWith(l, "ptediff-repro");
  }
  return false;
}

bool read_file(const std::string& path, std::string* out, std::string* err) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    *err = absl::StrCat(path, ": ", std::strerror(errno));
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *err = absl::StrCat(path, ": not a regular file");
    return false;
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    *err = absl::StrCat(path, ": cannot open: ", std::strerror(errno));
    return false;
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return true;
}

bool write_file(const std::string& path, std::string_view data, std::string* err,
                const std::string& protect) {
  struct stat a, b;
  if (!protect.empty() && stat(path.c_str(), &a) == 0 && stat(protect.c_str(), &b) == 0 &&
      a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
    *err = absl::StrCat(path, ": refusing to overwrite the input file");
    return false;
  }
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f || !f.write(data.data(), static_cast<std::streamsize>(data.size()))) {
    *err = absl::StrCat(path, ": cannot write: ", std::strerror(errno));
    return false;
  }
  return true;
}

std::unique_ptr<Case> load_case(const std::string& path, const Subject& binary_subject,
                                const Subject* required, std::string* err) {
  std::string bytes;
  if (!read_file(path, &bytes, err)) return nullptr;
  if (!absl::EndsWith(path, ".repro") && !looks_like_repro(bytes)) {
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
