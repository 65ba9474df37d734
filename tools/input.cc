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
#include "harness/codec.h"
#include "harness/executor.h"
#include "harness/repro.h"
#include "optimized/contpte.h"

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

bool load_program(const std::string& path, Program* out, std::string* err) {
  std::string bytes;
  if (!read_file(path, &bytes, err)) return false;
  if (absl::EndsWith(path, ".repro") || looks_like_repro(bytes)) {
    ParseError pe;
    if (!parse_repro_as_written(bytes, path, out, &pe)) {
      *err = pe.str();
      return false;
    }
    return true;
  }
  *out = decode_program({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  // A binary input decodes totally: a mutant name the catalogue does not
  // know (random bytes) means no mutant rather than an error.
  bool known = false;
  for (const MutantInfo& m : optimized_mutants()) known |= out->header.mutant == m.name;
  if (!known) out->header.mutant = "none";
  return true;
}

}  // namespace ptediff
