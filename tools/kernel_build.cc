// ptediff: building a Linux tree's own page-table code into backends (see
// kernel_build.h). The scripts of kernel/ do the work: extract.sh (per file),
// unpack.sh, mutate.sh and compile.sh, the one compile recipe, shared with the
// kernel-code fuzz targets (fuzz/build_targets.sh).
#include "tools/kernel_build.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "engine/external.h"

namespace ptediff {
namespace {

namespace fs = std::filesystem;

// The folder holding kernel/ and include/: the compiled-in source path if it
// still has the shim, else the parent of the binary's build folder.
fs::path source_root(const std::string& self_path) {
  const fs::path compiled = PTEDIFF_SOURCE_DIR;
  if (fs::exists(compiled / "kernel" / "common" / "machine.c")) return compiled;
  std::error_code ec;
  const fs::path self = fs::canonical(fs::path(self_path), ec);
  return ec ? compiled : self.parent_path().parent_path();
}

}  // namespace

bool run_logged(const std::vector<std::string>& argv, const fs::path& log) {
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

namespace {

// The first line of `log` that says why (an "error" line, else the last).
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

}  // namespace

KernelBuilder::KernelBuilder(const std::string& self_path) {
  root_ = source_root(self_path);
  kernel_ = root_ / "kernel";
  if (!fs::exists(kernel_ / "extract.sh")) {
    error_ = absl::StrCat("shim not found in ", kernel_.string());
    return;
  }
  std::string tmpl = (fs::temp_directory_path() / "ptediff-kernel.XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    error_ = "cannot create a temporary folder";
    return;
  }
  tmp_ = tmpl;
  const char* cc = std::getenv("PTEDIFF_KERNEL_CC");
  cc_ = cc != nullptr && *cc != '\0' ? cc : "clang-14";
}

KernelBuilder::~KernelBuilder() {
  std::error_code ec;
  // Only the process that made the folder removes it (a forked child's
  // builder goes away with _exit, without its destructor).
  if (!tmp_.empty()) fs::remove_all(tmp_, ec);
}

fs::path KernelBuilder::log() const { return tmp_ / absl::StrCat("log-", getpid()); }

fs::path KernelBuilder::dir_of(const Subject& s) const { return kernel_ / s.kernel_source()->dir; }

bool KernelBuilder::script(const std::vector<std::string>& argv) {
  if (run_logged(argv, log())) {
    error_.clear();
    return true;
  }
  // The scripts' lines say "ptediff kernel: REASON"; callers get REASON.
  error_ = std::string(absl::StripPrefix(why(log()), "ptediff kernel: "));
  if (error_.empty()) error_ = "extraction failed";
  return false;
}

std::string KernelBuilder::unpack(const std::string& tree) {
  std::error_code ec;
  if (fs::is_directory(tree, ec)) return tree;
  const fs::path dir = tmp_ / absl::StrCat("unpacked-", ++steps_);
  if (!script({(kernel_ / "unpack.sh").string(), tree, dir.string()})) return "";
  std::ifstream in(log());
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

bool KernelBuilder::extract(const Subject& subject, const std::string& tree,
                            const std::string& label, KernelExtract* out) {
  if (subject.kernel_source() == nullptr) {
    error_ = absl::StrCat("subject ", subject.name(),
                          " runs no kernel file (only ptediff's model of it)");
    return false;
  }
  out->subject = &subject;
  out->dir = tmp_ / label;
  out->mutant.clear();
  if (!script({(dir_of(subject) / "extract.sh").string(), tree, out->dir.string()})) return false;
  out->version = first_line(out->dir / "VERSION");
  out->full = first_line(out->dir / "FULLVERSION");
  return true;
}

bool KernelBuilder::mutate(const KernelExtract& src, const std::string& name, KernelExtract* out,
                           const char* table) {
  *out = src;
  out->dir = fs::path(absl::StrCat(src.dir.string(), "-", name));
  out->mutant = name;
  return script({(kernel_ / "mutate.sh").string(), src.dir.string(), out->dir.string(), name,
                 (dir_of(*src.subject) / table).string()});
}

std::vector<KernelMutant> KernelBuilder::mutants(const Subject& subject) const {
  std::vector<KernelMutant> out;
  if (subject.kernel_source() == nullptr) return out;
  std::ifstream in(dir_of(subject) / "mutants.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::string> cols = absl::StrSplit(line, '\t');
    if (cols.size() < 5) continue;
    if (out.empty() || out.back().name != cols[0]) {
      out.push_back({.name = cols[0], .cls = cols[2], .what = cols[4]});
    }
    if (absl::EndsWith(cols[4], "(interleavings only)")) out.back().needs_events = true;
  }
  return out;
}

std::string KernelBuilder::library_name(const KernelExtract& e) {
  return absl::StrCat(e.subject->kernel_source()->library, "-", e.version,
                      e.mutant.empty() ? "" : absl::StrCat("-", e.mutant), ".so");
}

bool KernelBuilder::compile(const KernelExtract& e, const fs::path& target,
                            std::string* backend_name) {
  const KernelSource& ks = *e.subject->kernel_source();
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  // kernel/compile.sh is the one compile recipe (the fuzz build's too).
  std::vector<std::string> argv = {"env",
                                   absl::StrCat("CC=", cc_),
                                   "CFLAGS=-O2 -g",
                                   (kernel_ / "compile.sh").string(),
                                   e.subject->name(),
                                   e.dir.string(),
                                   target.string()};
  if (!e.mutant.empty()) argv.insert(argv.end(), {"--mutant", e.mutant});
  const bool built = run_logged(argv, log());
  if (!built) {
    error_ = absl::StrCat("compiling Linux ", e.full, " ", ks.file,
                          e.mutant.empty() ? "" : absl::StrCat(" (mutant ", e.mutant, ")"),
                          " failed: ", why(log()));
    return false;
  }
  const std::string path = fs::absolute(target).string();
  std::string err;
  if (e.subject->takes_backend_v2()) {
    const ptediff_backend_v2* be = load_external_backend_v2(path, &err);
    if (be != nullptr) *backend_name = be->name;
  } else if (e.subject->takes_backend_v3()) {
    const ptediff_backend_v3* be = load_external_backend_v3(path, &err);
    if (be != nullptr) *backend_name = be->name;
  } else {
    const ptediff_backend* be = load_external_backend(path, &err);
    if (be != nullptr) *backend_name = be->name;
  }
  if (!err.empty() || backend_name->empty()) {
    error_ = err.empty() ? absl::StrCat(path, ": not a backend") : err;
    return false;
  }
  error_.clear();
  return true;
}

}  // namespace ptediff
