// ptediff: the command-line tool.
//
//   ptediff run FILES...            replay inputs; exit 0 clean, 1 divergence, 2 bad input
//   ptediff explain FILE            step-by-step trace with block diagrams
//   ptediff minimize FILE -o OUT    shrink a diverging input to a minimal .repro
//   ptediff fuzz                    run the fuzzing engine on the embedded corpus
//   ptediff mutants                 list the injectable bugs of the optimized backend
//   ptediff kernel --tree DIR       build a backend from a Linux tree's contpte.c
//   ptediff encode FILE -o OUT      text repro -> binary input
//   ptediff decode FILE [-o OUT]    binary input -> text repro (the effective program)
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "harness/codec.h"
#include "harness/executor.h"
#include "harness/external.h"
#include "harness/repro.h"
#include "linearmap/optimized.h"
#include "optimized/contpte.h"
#include "tools/commands.h"
#include "tools/fuzz_command.h"
#include "tools/input.h"
#include "tools/kernel_command.h"

ABSL_FLAG(bool, json, false, "run: print results as JSON (one object per input)");
ABSL_FLAG(bool, state, false, "run: print the final tables of R and O");
ABSL_FLAG(std::string, backend, "", "run/explain/minimize/fuzz: an external backend .so run as O");
ABSL_FLAG(std::string, mutant, "", "inject this mutant into the optimized backend");
ABSL_FLAG(std::string, o, "", "minimize/encode/decode: output file");
ABSL_FLAG(std::string, gtest, "", "minimize: also write a GoogleTest regression case here");
ABSL_FLAG(int, seconds, 60, "fuzz: how long to fuzz");
ABSL_FLAG(int, jobs, 1, "fuzz: parallel jobs");
ABSL_FLAG(std::string, engine, "libfuzzer", "fuzz: libfuzzer or afl");
ABSL_FLAG(std::string, out, "", "fuzz: directory for findings");
ABSL_FLAG(bool, all, false, "run: report every divergence, not only the first");
ABSL_FLAG(std::string, tree, "", "kernel: a Linux source tree (directory or tarball)");

namespace ptediff {
namespace {

constexpr const char* kUsage =
    "usage: ptediff run [--json] [--state] [--all] [--backend PATH.so] [--mutant NAME] FILES...\n"
    "       ptediff explain [--backend PATH.so] [--mutant NAME] FILE\n"
    "       ptediff minimize FILE -o OUT.repro [--gtest OUT.cc] [--backend PATH.so] [--mutant NAME]\n"
    "       ptediff fuzz [--seconds N] [--jobs N] [--engine libfuzzer|afl] [--mutant NAME]\n"
    "                    [--backend PATH.so]\n"
    "       ptediff mutants\n"
    "       ptediff kernel --tree DIR|TARBALL [-o OUT.so|DIR/] [--mutant NAME]\n"
    "       ptediff encode FILE.repro -o OUT.bin\n"
    "       ptediff decode FILE [-o OUT.repro]\n";

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "ptediff: %s (see ptediff --help)\n", msg.c_str());
  return 2;
}

// Parses --flag[=value] / -o VALUE through Abseil's flag registry; collects
// positional arguments. Returns false with *err on an unknown flag or value.
bool parse_flags(int argc, char** argv, std::vector<std::string>* pos, std::string* err) {
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      for (++i; i < argc; ++i) pos->push_back(argv[i]);
      break;
    }
    if (a.size() < 2 || a[0] != '-') {
      pos->push_back(a);
      continue;
    }
    std::string name = a.substr(a[1] == '-' ? 2 : 1), value;
    const size_t eq = name.find('=');
    const bool has_value = eq != std::string::npos;
    if (has_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    absl::CommandLineFlag* f = absl::FindCommandLineFlag(name);
    bool negated = false;
    if (f == nullptr && absl::StartsWith(name, "no")) {
      f = absl::FindCommandLineFlag(name.substr(2));
      negated = f != nullptr && f->IsOfType<bool>() && !has_value;
    }
    if (f == nullptr || f->Filename().find("tools/main.cc") == std::string::npos) {
      *err = absl::StrCat("unknown flag '", a, "'");
      return false;
    }
    if (!has_value) {
      if (f->IsOfType<bool>()) {
        value = negated ? "false" : "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        *err = absl::StrCat("flag '", a, "' needs a value");
        return false;
      }
    }
    std::string perr;
    if (!f->ParseFrom(value, &perr)) {
      *err = absl::StrCat("bad value '", value, "' for flag '--", name, "': ", perr);
      return false;
    }
  }
  return true;
}

// The run options every command shares (--backend, --mutant). With --backend
// the backend's init judges --mutant.
bool common_options(RunOptions* opts, std::string* err) {
  opts->mutant = absl::GetFlag(FLAGS_mutant);
  const std::string be = absl::GetFlag(FLAGS_backend);
  if (be.empty() && !opts->mutant.empty() && opts->mutant != "none") {
    bool known = false;
    for (const MutantInfo& m : optimized_mutants()) known |= opts->mutant == m.name;
    for (const auto& m : linearmap::linearmap_mutants()) known |= opts->mutant == m.name;
    if (!known) {
      *err = absl::StrCat("unknown mutant '", opts->mutant, "' (see `ptediff mutants`)");
      return false;
    }
  }
  if (!be.empty()) {
    opts->opt = load_external_backend(be, err);
    if (opts->opt == nullptr) return false;
  }
  return true;
}

}  // namespace
}  // namespace ptediff

int main(int argc, char** argv) {
  using namespace ptediff;
  if (argc < 2) return usage_error("missing command");
  const std::string cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::vector<std::string> pos;
  std::string err;
  if (!parse_flags(argc, argv, &pos, &err)) return usage_error(err);
  RunOptions opts;
  if (cmd == "kernel") {
    return cmd_kernel(pos, absl::GetFlag(FLAGS_tree), absl::GetFlag(FLAGS_o),
                      absl::GetFlag(FLAGS_mutant), argv[0]);
  }
  if (cmd != "mutants" && cmd != "encode" && cmd != "decode" && !common_options(&opts, &err)) {
    std::fprintf(stderr, "ptediff: %s\n", err.c_str());
    return 2;
  }
  if (cmd == "run") return cmd_run(pos, opts, absl::GetFlag(FLAGS_json), absl::GetFlag(FLAGS_state),
                                   absl::GetFlag(FLAGS_all));
  if (cmd == "explain") return cmd_explain(pos, opts);
  if (cmd == "minimize") {
    return cmd_minimize(pos, opts, absl::GetFlag(FLAGS_o), absl::GetFlag(FLAGS_gtest));
  }
  if (cmd == "mutants") return cmd_mutants(pos);
  if (cmd == "encode") return cmd_encode(pos, absl::GetFlag(FLAGS_o));
  if (cmd == "decode") return cmd_decode(pos, absl::GetFlag(FLAGS_o));
  if (cmd == "fuzz") {
    if (!pos.empty()) return usage_error("fuzz takes no positional arguments");
    FuzzCommandArgs fa;
    fa.seconds = absl::GetFlag(FLAGS_seconds);
    fa.jobs = absl::GetFlag(FLAGS_jobs);
    fa.engine = absl::GetFlag(FLAGS_engine);
    fa.mutant = opts.mutant;
    fa.backend = absl::GetFlag(FLAGS_backend);
    fa.out_dir = absl::GetFlag(FLAGS_out);
    fa.self_path = argv[0];
    if (fa.seconds <= 0 || fa.jobs <= 0 || fa.jobs > 64) {
      return usage_error("--seconds and --jobs must be positive (jobs <= 64)");
    }
    if (fa.engine != "libfuzzer" && fa.engine != "afl") {
      return usage_error("--engine must be libfuzzer or afl");
    }
    return run_fuzz_command(fa);
  }
  return usage_error(absl::StrCat("unknown command '", cmd, "'"));
}
