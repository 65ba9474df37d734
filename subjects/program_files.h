// ptediff: the programs shipped in the source tree (corpus/, conformance/,
// kernel/*/repros/), listed with their subject and expectation, for the tests
// (testing/shipped.h) and for `ptediff gate`, which runs them on a tree's code.
#ifndef PTEDIFF_SUBJECTS_PROGRAM_FILES_H_
#define PTEDIFF_SUBJECTS_PROGRAM_FILES_H_

#include <filesystem>
#include <string>
#include <vector>

#include "subjects/subject.h"

namespace ptediff {

// What a shipped program is for, from the folder it is shipped in.
enum class ShippedKind {
  kCorpus,      // corpus/ and its subject folders: programs that run clean
  kMutant,      // conformance/mutants/NAME.repro: caught by mutant NAME
  kRegression,  // conformance/regressions/: divergences found and fixed; run clean
  kKernel,      // conformance/kernel/, kernel/hugetlb/repros/: bugs of released
                // kernel trees, shown with their backend; clean on the built-in ones
};

// One shipped .repro file.
struct ProgramFile {
  std::string rel;             // its path in the source tree: "corpus/linearmap/x.repro"
  std::filesystem::path path;  // the same, absolute
  ShippedKind kind = ShippedKind::kCorpus;
  std::string text;  // the whole file ("" with `error` when it cannot be read)
  // The subject its header declares (subject_for_text), or nullptr with
  // `error` ("file:line: message") when the header names none it knows.
  const Subject* subject = nullptr;
  std::string error;
  // Its expectation: the mutant it catches ("" when it runs clean: every
  // program but a kMutant one, whose mutant is its file's stem), and the
  // class of its `# expect: CLASS` line ("" when it has none).
  std::string mutant;
  std::string expect;

  bool clean() const { return mutant.empty(); }
};

// Every .repro shipped under `root` (a source tree), sorted by path.
std::vector<ProgramFile> list_program_files(const std::filesystem::path& root);

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_PROGRAM_FILES_H_
