// ptediff: `ptediff kernel --tree DIR [--subject contpte|hugetlb|all]` (see kernel_command.h,
// README "Running the kernel's own contpte.c").
//
// The kernel code is extracted into a private temporary folder by the scripts of kernel/,
// compiled there with clang-14 against the shim of kernel/ (found through the source path
// compiled in, or next to the binary's build folder) the way kernel/CMakeLists.txt builds it,
// and linked into the requested .so, which is then loaded once to check that it is a backend.
// Every subject is extracted before any is compiled, so a bad tree fails before anything is
// written. The .so is derived from the user's tree and is GPL-2.0 like it.
#include "tools/kernel_command.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "engine/external.h"

namespace ptediff {
namespace {

namespace fs = std::filesystem;

int fail(const std::string& msg) {
  std::fprintf(stderr, "ptediff kernel: %s\n", msg.c_str());
  return 2;
}

// The folder holding kernel/ and include/: the compiled-in source path if it
// still has the shim, else the parent of the binary's build folder.
fs::path source_root(const std::string& self_path) {
  const fs::path compiled = PTEDIFF_SOURCE_DIR;
  if (fs::exists(compiled / "kernel" / "common" / "machine.c")) return compiled;
  std::error_code ec;
  const fs::path self = fs::canonical(fs::path(self_path), ec);
  return ec ? compiled : self.parent_path().parent_path();
}

// Runs argv with stdout and stderr to `log` (rewritten); true on exit status 0.
bool run(const std::vector<std::string>& argv, const fs::path& log) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execvp(args[0], args.data());
    std::fprintf(stderr, "cannot run %s\n", args[0]);
    _exit(127);
  }
  int status = 0;
  return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
         WEXITSTATUS(status) == 0;
}

// The first line of `log` that says why (an "error:" line, else the last).
std::string why(const fs::path& log) {
  std::ifstream in(log);
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.find("error") != std::string::npos) return line;
    if (!line.empty()) last = line;
  }
  return last;
}

std::string first_line(const fs::path& f) {
  std::ifstream in(f);
  std::string line;
  std::getline(in, line);
  return std::string(absl::StripAsciiWhitespace(line));
}

// A private temporary folder, removed when this goes out of scope.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "ptediff-kernel.XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

struct KernelFile;

// One build: the source root, a private folder and the log of its last step.
struct Build {
  fs::path root;  // holds kernel/ and include/
  fs::path kernel;
  fs::path tmp;
  fs::path log;
  std::string cc;

  // Runs a script of kernel/, which prints its own one-line error; false
  // after passing that line on.
  bool script(const std::vector<std::string>& argv) const {
    if (run(argv, log)) return true;
    const std::string w = why(log);
    std::fprintf(stderr, "%s\n", w.empty() ? "ptediff kernel: extraction failed" : w.c_str());
    return false;
  }
};

// What the extraction of one kernel file gave.
struct Extracted {
  const KernelFile* kf;
  fs::path dir;         // the extracted files
  std::string version;  // "6.12"
  std::string full;     // "6.12.117"
  std::string mutant;   // applied (contpte), or ""
  fs::path target;      // the library to write
};

// The compiler command every compile of `e` starts with: the kernel's C
// dialect and the include folders, the per-file layer's `first` (which holds
// the tree's kshim_caps.h, kernel/probe.sh) in front of the shim's common ones.
std::vector<std::string> cc_command(const Build& b, const std::vector<fs::path>& first) {
  std::vector<std::string> argv = {
      b.cc, "-std=gnu11", "-O2", "-g", "-fPIC", "-fvisibility=hidden", "-Wno-sign-compare"};
  for (const fs::path& dir : first) argv.push_back(absl::StrCat("-I", dir.string()));
  argv.push_back(absl::StrCat("-I", (b.kernel / "common" / "include").string()));
  argv.push_back(absl::StrCat("-I", (b.root / "include").string()));
  return argv;
}

// Compiles and links e's contpte library (kernel/CMakeLists.txt's
// kshim_backend); false after the compiler's log.
bool compile_contpte(const Build& b, const Extracted& e) {
  const fs::path shim = b.kernel / "shim";
  std::vector<std::string> argv = cc_command(b, {e.dir, b.kernel / "include"});
  const std::string name = absl::StrCat("linux-", e.full, "-contpte",
                                        e.mutant.empty() ? "" : absl::StrCat("-", e.mutant));
  argv.insert(
      argv.end(),
      {absl::StrCat("-DKSHIM_NAME=\"", name, "\""),
       absl::StrCat("-DKSHIM_MUTANT=\"", e.mutant.empty() ? "none" : e.mutant, "\""), "-shared",
       (e.dir / "contpte.c").string(), (shim / "entry.c").string(), (shim / "backend.c").string(),
       (b.kernel / "common" / "machine.c").string(), "-o", e.target.string()});
  return run(argv, b.log);
}

// Compiles and links e's hugetlb library (kernel/hugetlb/CMakeLists.txt):
// hugetlbpage.c and its entry side once per granule (KSHIM_PAGE_SHIFT,
// khs/rename.h keeping the copies apart), then the library; false after the
// compiler's log.
bool compile_hugetlb(const Build& b, const Extracted& e) {
  const fs::path hugetlb = b.kernel / "hugetlb";
  std::vector<std::string> objects;
  for (const char* shift : {"12", "14", "16"}) {
    for (const fs::path& src : {e.dir / "hugetlbpage.c", hugetlb / "shim" / "entry.c"}) {
      std::vector<std::string> argv = cc_command(b, {hugetlb / "include", e.dir});
      const fs::path obj = b.tmp / absl::StrCat(src.stem().string(), "-", shift, ".o");
      argv.insert(argv.end(), {absl::StrCat("-DKSHIM_PAGE_SHIFT=", shift), "-include",
                               (hugetlb / "include" / "khs" / "rename.h").string(), "-c",
                               src.string(), "-o", obj.string()});
      if (!run(argv, b.log)) return false;
      objects.push_back(obj.string());
    }
  }
  std::vector<std::string> argv = cc_command(b, {hugetlb / "include"});
  argv.insert(argv.end(), {absl::StrCat("-DKHS_NAME=\"linux-", e.full, "-hugetlb\""), "-shared",
                           (hugetlb / "shim" / "backend.c").string(),
                           (b.kernel / "common" / "machine.c").string()});
  argv.insert(argv.end(), objects.begin(), objects.end());
  argv.insert(argv.end(), {"-o", e.target.string()});
  return run(argv, b.log);
}

// Loads a v1 (v2) backend library once: its name, or "" with *err.
std::string load_v1(const std::string& path, std::string* err) {
  const ptediff_backend* be = load_external_backend(path, err);
  return be != nullptr ? be->name : "";
}
std::string load_v2(const std::string& path, std::string* err) {
  const ptediff_backend_v2* be = load_external_backend_v2(path, err);
  return be != nullptr ? be->name : "";
}

// One kernel file `ptediff kernel` builds a backend from (a --subject).
struct KernelFile {
  const char* subject;  // contpte, hugetlb
  const char* extract;  // its extraction script, under kernel/
  const char* library;  // the library's name: <library>-<version>[-<mutant>].so
  const char* source;   // what the backend is compiled from, for messages
  const char* file;     // the kernel file, for compile errors
  bool (*compile)(const Build& b, const Extracted& e);
  std::string (*load)(const std::string& path, std::string* err);
};
// clang-format off
constexpr KernelFile kContpte{"contpte", "extract.sh", "libcontpte",
    "arch/arm64/mm/contpte.c + CONFIG_ARM64_CONTPTE wrappers", "contpte.c", compile_contpte, load_v1};
constexpr KernelFile kHugetlb{"hugetlb", "hugetlb/extract.sh", "libhugetlb",
    "arch/arm64/mm/hugetlbpage.c + flush_hugetlb_tlb_range() + huge_pte_lockptr()", "hugetlbpage.c",
    compile_hugetlb, load_v2};
// clang-format on

// Extracts `kf` of `tree` (and applies `mutant`) into the build's folder.
bool extract(const Build& b, const KernelFile& kf, const std::string& tree,
             const std::string& mutant, Extracted* e) {
  e->kf = &kf;
  e->dir = b.tmp / absl::StrCat(kf.subject, "-src");
  if (!b.script({(b.kernel / kf.extract).string(), tree, e->dir.string()})) return false;
  if (!mutant.empty()) {
    const fs::path msrc = b.tmp / absl::StrCat(kf.subject, "-src-mutant");
    if (!b.script({(b.kernel / "mutate.sh").string(), e->dir.string(), msrc.string(), mutant}))
      return false;
    e->dir = msrc;
    e->mutant = mutant;
  }
  e->version = first_line(e->dir / "VERSION");
  e->full = first_line(e->dir / "FULLVERSION");
  return true;
}

}  // namespace

int cmd_kernel(const std::vector<std::string>& args, const std::string& tree,
               const std::string& out, const std::string& mutant, const std::string& self_path,
               const std::string& subject) {
  if (!args.empty()) return fail("takes no positional arguments (use --tree DIR)");
  if (tree.empty()) return fail("missing --tree DIR (a Linux source tree or tarball)");
  const bool mutated = !mutant.empty() && mutant != "none";
  std::vector<const KernelFile*> files;
  if (subject == "contpte" || (subject.empty() && mutated)) {
    files = {&kContpte};
  } else if (subject == "hugetlb") {
    files = {&kHugetlb};
  } else if (subject == "all" || subject.empty()) {
    files = {&kContpte, &kHugetlb};
  } else {
    return fail(absl::StrCat("unknown --subject '", subject, "' (contpte, hugetlb or all)"));
  }
  if (mutated && (files.size() != 1 || files[0] != &kContpte)) {
    return fail(absl::StrCat("--mutant ", mutant, " is an edit of contpte.c (kernel/mutants.tsv):",
                             " it does not apply to --subject ", subject));
  }
  std::error_code ec;
  const bool to_folder = out.empty() || out.back() == '/' || fs::is_directory(out, ec);
  if (!to_folder && files.size() > 1) {
    return fail(absl::StrCat("-o ", out, " names one library, but --subject all builds both",
                             " (contpte's and hugetlb's): give a folder (DIR/) or --subject",
                             " contpte|hugetlb"));
  }

  Build b;
  b.root = source_root(self_path);
  b.kernel = b.root / "kernel";
  if (!fs::exists(b.kernel / "extract.sh"))
    return fail(absl::StrCat("shim not found in ", b.kernel.string()));
  TempDir tmp;
  if (tmp.path.empty()) return fail("cannot create a temporary folder");
  b.tmp = tmp.path;
  b.log = tmp.path / "log";
  const char* cc = std::getenv("PTEDIFF_KERNEL_CC");
  b.cc = cc != nullptr && *cc != '\0' ? cc : "clang-14";

  std::vector<Extracted> built(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    Extracted& e = built[i];
    if (!extract(b, *files[i], tree, mutated ? mutant : "", &e)) return 2;
    const std::string base = absl::StrCat(
        e.kf->library, "-", e.version, e.mutant.empty() ? "" : absl::StrCat("-", e.mutant), ".so");
    e.target = to_folder ? fs::path(out) / base : fs::path(out);
    if (e.target.has_parent_path()) fs::create_directories(e.target.parent_path(), ec);
  }
  for (const Extracted& e : built) {
    if (!e.kf->compile(b, e)) {
      return fail(
          absl::StrCat("compiling Linux ", e.full, " ", e.kf->file, " failed: ", why(b.log)));
    }
    std::string err;
    const std::string name = e.kf->load(fs::absolute(e.target).string(), &err);
    if (name.empty()) return fail(err);
    std::printf("built %s from Linux %s (%s%s); backend '%s'. GPL-2.0: derived from %s\n",
                e.target.c_str(), e.full.c_str(), e.kf->source,
                e.mutant.empty() ? "" : absl::StrCat(", mutant ", e.mutant).c_str(), name.c_str(),
                tree.c_str());
  }
  return 0;
}

}  // namespace ptediff
