// ptediff: the shipped programs, as every test reaches them (testing/shipped.h).
#include "testing/shipped.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace ptediff {
namespace {

namespace fs = std::filesystem;

// The folders programs are shipped in, relative to the source tree. corpus/
// is read with its subfolders (one per subject but contpte).
struct Folder {
  const char* rel;
  ShippedKind kind;
  bool recursive;
};
constexpr Folder kFolders[] = {
    {"corpus", ShippedKind::kCorpus, true},
    {"conformance/mutants", ShippedKind::kMutant, false},
    {"conformance/regressions", ShippedKind::kRegression, false},
    {"conformance/kernel", ShippedKind::kKernel, false},
    {"kernel/hugetlb/repros", ShippedKind::kKernel, false},
};

// The class of the first `# expect: CLASS` line of `text`, or "".
std::string expected_class(const std::string& text) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::ConsumePrefix(&line, "# expect: ")) continue;
    const size_t end = std::min(line.size(), line.find_first_not_of("abcdefghijklmnopqrstuvwxyz-"));
    if (end > 0) return std::string(line.substr(0, end));
  }
  return "";
}

// The .repro files of `folder`, each read and its subject found.
void add_folder(const Folder& folder, std::vector<ShippedProgram>* out) {
  const fs::path root = fs::path(PTEDIFF_SOURCE_DIR);
  std::vector<fs::path> files;
  std::error_code ec;
  if (folder.recursive) {
    for (fs::recursive_directory_iterator it(root / folder.rel, ec), end; !ec && it != end;
         it.increment(ec)) {
      files.push_back(it->path());
    }
  } else {
    for (fs::directory_iterator it(root / folder.rel, ec), end; !ec && it != end;
         it.increment(ec)) {
      files.push_back(it->path());
    }
  }
  for (const fs::path& f : files) {
    if (f.extension() != ".repro") continue;
    ShippedProgram p;
    p.path = f;
    p.rel = f.lexically_relative(root).string();
    p.kind = folder.kind;
    p.text = read_text_file(f);
    ParseError err;
    p.subject = subject_for_text(p.text, p.rel, &err);
    if (p.subject == nullptr) p.error = err.str();
    if (folder.kind == ShippedKind::kMutant) p.mutant = f.stem().string();
    p.expect = expected_class(p.text);
    out->push_back(std::move(p));
  }
}

}  // namespace

std::unique_ptr<Case> ShippedProgram::load() const {
  if (subject == nullptr) {
    ADD_FAILURE() << error;
    return nullptr;
  }
  ParseError err;
  std::unique_ptr<Case> c = subject->parse(text, rel, &err);
  if (c == nullptr) ADD_FAILURE() << err.str();
  return c;
}

void PrintTo(const ShippedProgram& p, std::ostream* os) { *os << p.rel; }

const std::vector<ShippedProgram>& shipped_programs() {
  static const std::vector<ShippedProgram>* all = [] {
    auto* v = new std::vector<ShippedProgram>;
    for (const Folder& f : kFolders) add_folder(f, v);
    std::sort(v->begin(), v->end(),
              [](const ShippedProgram& a, const ShippedProgram& b) { return a.path < b.path; });
    return v;
  }();
  return *all;
}

std::vector<ShippedProgram> shipped_programs(std::initializer_list<ShippedKind> kinds) {
  std::vector<ShippedProgram> out;
  for (const ShippedProgram& p : shipped_programs()) {
    if (std::find(kinds.begin(), kinds.end(), p.kind) != kinds.end()) out.push_back(p);
  }
  return out;
}

const ShippedProgram* shipped_mutant(std::string_view name) {
  for (const ShippedProgram& p : shipped_programs()) {
    if (p.kind == ShippedKind::kMutant && p.mutant == name) return &p;
  }
  return nullptr;
}

std::string ShippedName(const ::testing::TestParamInfo<ShippedProgram>& info) {
  std::string n =
      info.param.path.parent_path().filename().string() + "_" + info.param.path.stem().string();
  for (char& ch : n) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

std::string read_text_file(const std::filesystem::path& p) {
  std::ifstream f(p);
  if (!f || fs::is_directory(p)) {
    ADD_FAILURE() << "cannot read " << p.string();
    return "";
  }
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::unique_ptr<Case> parse_case(std::string_view text, std::string_view file) {
  ParseError err;
  const Subject* s = subject_for_text(text, file, &err);
  std::unique_ptr<Case> c = s != nullptr ? s->parse(text, file, &err) : nullptr;
  if (c == nullptr) ADD_FAILURE() << err.str();
  return c;
}

std::unique_ptr<Case> load_source_case(std::string_view rel) {
  return parse_case(read_text_file(fs::path(PTEDIFF_SOURCE_DIR) / rel), rel);
}

}  // namespace ptediff
