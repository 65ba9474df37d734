// ptediff: `ptediff kernel --tree DIR` (see kernel_command.h, README "Running
// the kernel's own contpte.c").
//
// The kernel code is extracted into a private temporary folder, compiled
// there with clang-14 against the shim of kernel/ (found through the source
// path compiled in, or next to the binary's build folder) and linked into the
// requested .so, which is then loaded once to check that it is a backend.
// The .so is derived from the user's tree and is GPL-2.0 like it.
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
  if (fs::exists(compiled / "kernel" / "shim" / "backend.c")) return compiled;
  std::error_code ec;
  const fs::path self = fs::canonical(fs::path(self_path), ec);
  return ec ? compiled : self.parent_path().parent_path();
}

// Runs argv with stdout and stderr to `log`; true on exit status 0.
bool run(const std::vector<std::string>& argv, const fs::path& log) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
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

}  // namespace

int cmd_kernel(const std::vector<std::string>& args, const std::string& tree,
               const std::string& out, const std::string& mutant, const std::string& self_path) {
  if (!args.empty()) return fail("takes no positional arguments (use --tree DIR)");
  if (tree.empty()) return fail("missing --tree DIR (a Linux source tree or tarball)");
  const fs::path root = source_root(self_path);
  const fs::path shim = root / "kernel";
  if (!fs::exists(shim / "extract.sh"))
    return fail(absl::StrCat("shim not found in ", shim.string()));
  TempDir tmp;
  if (tmp.path.empty()) return fail("cannot create a temporary folder");
  const fs::path log = tmp.path / "log";
  fs::path src = tmp.path / "src";

  // extract.sh and mutate.sh print their own one-line error.
  auto script = [&](const std::vector<std::string>& argv) {
    if (run(argv, log)) return true;
    const std::string w = why(log);
    std::fprintf(stderr, "%s\n", w.empty() ? "ptediff kernel: extraction failed" : w.c_str());
    return false;
  };
  if (!script({(shim / "extract.sh").string(), tree, src.string()})) return 2;
  const bool mutated = !mutant.empty() && mutant != "none";
  if (mutated) {
    const fs::path msrc = tmp.path / "src-mutant";
    if (!script({(shim / "mutate.sh").string(), src.string(), msrc.string(), mutant})) return 2;
    src = msrc;
  }
  const std::string version = first_line(src / "VERSION");
  const std::string full = first_line(src / "FULLVERSION");
  // VERSION.PATCHLEVEL, for the shim's per-version choices (kshim/version.h).
  const std::string::size_type dot = version.find('.');
  const std::string major = version.substr(0, dot);
  const std::string minor = dot == std::string::npos ? "0" : version.substr(dot + 1);

  const std::string base =
      absl::StrCat("libcontpte-", version, mutated ? absl::StrCat("-", mutant) : "", ".so");
  fs::path target = out.empty() ? fs::path(base) : fs::path(out);
  std::error_code ec;
  if (!out.empty() && (out.back() == '/' || fs::is_directory(target, ec))) target /= base;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  const char* cc = std::getenv("PTEDIFF_KERNEL_CC");
  std::vector<std::string> argv = {
      cc != nullptr && *cc != '\0' ? cc : "clang-14",
      "-std=gnu11",
      "-O2",
      "-g",
      "-fPIC",
      "-shared",
      "-fvisibility=hidden",
      absl::StrCat("-I", src.string()),
      absl::StrCat("-I", (shim / "include").string()),
      absl::StrCat("-I", (shim / "common").string()),
      absl::StrCat("-I", (root / "include").string()),
      absl::StrCat("-DKSHIM_NAME=\"linux-", full, "-contpte", mutated ? "-" + mutant : "", "\""),
      absl::StrCat("-DKSHIM_MUTANT=\"", mutated ? mutant : "none", "\""),
      absl::StrCat("-DKVER_MAJOR=", major),
      absl::StrCat("-DKVER_MINOR=", minor),
      (src / "contpte.c").string(),
      (shim / "shim" / "entry.c").string(),
      (shim / "shim" / "backend.c").string(),
      "-o",
      target.string()};
  if (!run(argv, log)) {
    return fail(absl::StrCat("compiling Linux ", full, " contpte.c failed: ", why(log)));
  }
  std::string err;
  const ptediff_backend* b = load_external_backend(fs::absolute(target).string(), &err);
  if (b == nullptr) return fail(err);
  std::printf(
      "built %s from Linux %s (arch/arm64/mm/contpte.c + CONFIG_ARM64_CONTPTE wrappers%s);"
      " backend '%s'. GPL-2.0: derived from %s\n",
      target.c_str(), full.c_str(), mutated ? absl::StrCat(", mutant ", mutant).c_str() : "",
      b->name, tree.c_str());
  return 0;
}

}  // namespace ptediff
