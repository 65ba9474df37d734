// ptediff: the programs shipped in the source tree (see program_files.h).
#include "subjects/program_files.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/str_cat.h"
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

// The .repro files of `folder` under `root`, each read and its subject found.
void add_folder(const fs::path& root, const Folder& folder, std::vector<ProgramFile>* out) {
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
    ProgramFile p;
    p.path = f;
    p.rel = f.lexically_relative(root).string();
    p.kind = folder.kind;
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in) {
      p.error = absl::StrCat(p.rel, ": cannot read");
    } else {
      p.text = ss.str();
      ParseError err;
      p.subject = subject_for_text(p.text, p.rel, &err);
      if (p.subject == nullptr) p.error = err.str();
    }
    if (folder.kind == ShippedKind::kMutant) p.mutant = f.stem().string();
    p.expect = expected_class(p.text);
    out->push_back(std::move(p));
  }
}

}  // namespace

std::vector<ProgramFile> list_program_files(const fs::path& root) {
  std::vector<ProgramFile> v;
  for (const Folder& f : kFolders) add_folder(root, f, &v);
  std::sort(v.begin(), v.end(),
            [](const ProgramFile& a, const ProgramFile& b) { return a.path < b.path; });
  return v;
}

}  // namespace ptediff
