// ptediff: building a Linux tree's own page-table code into backends, the
// steps `ptediff kernel` and `ptediff gate` share (docs/DESIGN.md §7).
//
// A KernelBuilder extracts a subject's kernel file from a tree once (the
// subject's Subject::kernel_source() names it), applies source-level mutants
// to copies of what it extracted, and compiles any of them into a backend
// library with clang-14 against the shim of kernel/ (found through the source
// path compiled in, or next to the binary's build folder). Every step runs in
// a private temporary folder removed with the builder; the libraries it
// writes are derived from the user's tree and are GPL-2.0 like it.
#ifndef PTEDIFF_TOOLS_KERNEL_BUILD_H_
#define PTEDIFF_TOOLS_KERNEL_BUILD_H_

#include <filesystem>
#include <string>
#include <vector>

#include "subjects/subject.h"

namespace ptediff {

// Runs argv with stdout and stderr to `log` (rewritten); true on exit status 0.
bool run_logged(const std::vector<std::string>& argv, const std::filesystem::path& log);

// One subject's kernel file, extracted from a tree (and maybe mutated).
struct KernelExtract {
  const Subject* subject = nullptr;
  std::filesystem::path dir;  // the extracted files
  std::string version;        // "6.12"
  std::string full;           // "6.12.117"
  std::string mutant;         // applied, or ""
};

// One source-level mutant of a subject's kernel file (kernel/[DIR/]mutants.tsv).
struct KernelMutant {
  std::string name;
  std::string cls;            // the divergence class it should show; "none" when no program can
  std::string what;           // its description (all rows joined)
  bool needs_events = false;  // "(interleavings only)": only mid-op events show it
};

class KernelBuilder {
 public:
  // Finds the shim from `self_path` (argv[0]) and makes the private folder;
  // ok() is false with error() set when either fails.
  explicit KernelBuilder(const std::string& self_path);
  ~KernelBuilder();
  KernelBuilder(const KernelBuilder&) = delete;
  KernelBuilder& operator=(const KernelBuilder&) = delete;

  bool ok() const { return error_.empty(); }
  // The last step's error, one line without a "ptediff kernel: " prefix ("" after success).
  const std::string& error() const { return error_; }
  // The folder holding kernel/, corpus/ and conformance/.
  const std::filesystem::path& root() const { return root_; }

  // `tree` itself when it is a folder; for a tarball, the part of it every
  // extraction reads, unpacked once into the private folder (kernel/unpack.sh).
  // "" with error() when the tarball cannot be read.
  std::string unpack(const std::string& tree);
  // Extracts `subject`'s kernel file of `tree` (a folder or a tarball) into
  // a fresh folder `label` of the private one. False with error() (the
  // extraction script's own line: a bad tree, a helper of a shape the shim
  // does not know).
  bool extract(const Subject& subject, const std::string& tree, const std::string& label,
               KernelExtract* out);
  // A copy of `src` with every row of `name` in the subject's `table`
  // applied (kernel/mutate.sh): "mutants.tsv", its source-level mutants, or
  // "fixes.tsv", the fixes of known upstream bugs. False with error() when
  // the name is unknown or a row no longer applies.
  bool mutate(const KernelExtract& src, const std::string& name, KernelExtract* out,
              const char* table = "mutants.tsv");
  // The mutants of `subject`'s kernel file, in table order (empty when it
  // has no table).
  std::vector<KernelMutant> mutants(const Subject& subject) const;
  // Compiles `e` into the backend library `target` and loads it once to
  // check it is one; *backend_name gets its name. False with error()
  // ("compiling Linux 6.12.117 contpte.c failed: <the compiler's line>").
  bool compile(const KernelExtract& e, const std::filesystem::path& target,
               std::string* backend_name);

  // The default file name of e's library: libcontpte-6.12[-mutant].so.
  static std::string library_name(const KernelExtract& e);

 private:
  bool script(const std::vector<std::string>& argv);
  std::filesystem::path dir_of(const Subject& s) const;

  // The log of this process's last step (each forked builder has its own).
  std::filesystem::path log() const;

  std::filesystem::path root_, kernel_, tmp_;
  std::string cc_;
  std::string error_;
  int steps_ = 0;  // names the folders tarballs are unpacked into
};

}  // namespace ptediff

#endif  // PTEDIFF_TOOLS_KERNEL_BUILD_H_
