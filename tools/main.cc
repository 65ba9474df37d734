// ptediff: the command-line tool.
//
//   ptediff run FILES...            replay inputs; exit 0 clean, 1 divergence, 2 bad input
//   ptediff explain FILE            step-by-step trace with block diagrams
//   ptediff minimize FILE -o OUT    shrink a diverging input to a minimal .repro
//   ptediff explore FILE --bound N  run every schedule of up to N mid-op events
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
#include "subjects/hugetlb/flows.h"  // the built-in hugetlb reference
#include "subjects/contpte/backends.h"
#include "tools/commands.h"
#include "tools/fuzz_command.h"
#include "tools/input.h"
#include "tools/kernel_command.h"

ABSL_FLAG(bool, json, false, "run: print results as JSON (one object per input)");
ABSL_FLAG(bool, state, false, "run: print the final tables of R and O");
ABSL_FLAG(std::string, backend, "",
          "run/explain/minimize/explore/fuzz: an external backend .so run as O (`reference`: the "
          "built-in reference)");
ABSL_FLAG(std::string, mutant, "", "inject this mutant into the optimized backend");
ABSL_FLAG(std::string, o, "", "minimize/encode/decode: output file");
ABSL_FLAG(std::string, gtest, "", "minimize: also write a GoogleTest regression case here");
ABSL_FLAG(int, seconds, 60, "fuzz: how long to fuzz");
ABSL_FLAG(int, jobs, 1, "fuzz: parallel jobs");
ABSL_FLAG(std::string, engine, "libfuzzer", "fuzz: libfuzzer or afl");
ABSL_FLAG(std::string, out, "", "fuzz: directory for findings");
ABSL_FLAG(bool, all, false, "run: report every divergence, not only the first");
ABSL_FLAG(std::string, subject, "",
          "the subject binary inputs belong to (see `ptediff mutants`); text names its own");
ABSL_FLAG(std::string, tree, "", "kernel: a Linux source tree (directory or tarball)");
ABSL_FLAG(int, bound, 1, "explore: mid-op events per schedule (1 or 2)");
ABSL_FLAG(uint64_t, max, 0, "explore: stop after this many schedules (0: all)");

namespace ptediff {
namespace {

constexpr const char* kUsage =
    "usage: ptediff run [--json] [--state] [--all] [--backend PATH.so] [--mutant NAME] FILES...\n"
    "       ptediff explain [--backend PATH.so] [--mutant NAME] FILE\n"
    "       ptediff minimize FILE -o OUT.repro [--gtest OUT.cc] [--backend PATH.so] [--mutant "
    "NAME]\n"
    "       ptediff explore FILE [--bound 1|2] [--max N] [-o OUT.repro] [--backend PATH.so]\n"
    "                    [--mutant NAME]\n"
    "       ptediff fuzz [--subject S] [--seconds N] [--jobs N] [--engine libfuzzer|afl]\n"
    "                    [--mutant NAME] [--backend PATH.so] [--out DIR]\n"
    "       ptediff mutants [--subject S]\n"
    "       ptediff kernel --tree DIR|TARBALL [-o OUT.so|DIR/] [--mutant NAME]\n"
    "       ptediff encode FILE.repro -o OUT.bin\n"
    "       ptediff decode FILE [-o OUT.repro]\n"
    "Every command works for every subject (`ptediff mutants` lists them): a text repro\n"
    "names its subject in its header; binary inputs are contpte unless --subject says\n"
    "otherwise.\n";

// The flags each command accepts; any other flag is refused.
struct CommandFlags {
  const char* command;
  std::initializer_list<const char*> flags;
};
const CommandFlags kCommandFlags[] = {
    {"run", {"json", "state", "all", "backend", "mutant", "subject"}},
    {"explain", {"backend", "mutant", "subject"}},
    {"minimize", {"o", "gtest", "backend", "mutant", "subject"}},
    {"explore", {"bound", "max", "o", "backend", "mutant", "subject"}},
    {"fuzz", {"seconds", "jobs", "engine", "out", "mutant", "subject", "backend"}},
    {"kernel", {"tree", "o", "mutant"}},
    {"mutants", {"subject"}},
    {"encode", {"o", "subject"}},
    {"decode", {"o", "subject"}},
};

// The flag table of `cmd`, or nullptr for an unknown command.
const CommandFlags* command_flags(const std::string& cmd) {
  for (const CommandFlags& c : kCommandFlags) {
    if (cmd == c.command) return &c;
  }
  return nullptr;
}

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "ptediff: %s (see ptediff --help)\n", msg.c_str());
  return 2;
}

// Parses --flag[=value] / -o VALUE through Abseil's flag registry; collects
// positional arguments. Returns false with *err on an unknown flag or value.
bool parse_flags(int argc, char** argv, const CommandFlags& cmd, std::vector<std::string>* pos,
                 std::string* err) {
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
    bool allowed = false;
    for (const char* n : cmd.flags) allowed |= f->Name() == n;
    if (!allowed) {
      *err = absl::StrCat("flag '--", f->Name(), "' does not apply to `ptediff ", cmd.command, "`");
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

// The options every command shares (--subject, --mutant, --backend, --all).
// With --backend the backend's own init judges --mutant (a kernel-source
// backend built with its mutants takes their names).
bool common_options(Command* c, std::string* err) {
  const std::string subject = absl::GetFlag(FLAGS_subject);
  if (!subject.empty()) {
    c->subject = find_subject(subject);
    if (c->subject == nullptr) {
      *err = absl::StrCat("unknown subject '", subject, "' (known:");
      for (const Subject* k : all_subjects()) absl::StrAppend(err, " ", k->name());
      absl::StrAppend(err, ")");
      return false;
    }
  }
  const std::string mutant = absl::GetFlag(FLAGS_mutant);
  const std::string be = absl::GetFlag(FLAGS_backend);
  if (be.empty() && !mutant.empty() && mutant != "none") {
    const Subject* owner = subject_of_mutant(mutant);
    if (owner == nullptr) {
      *err = absl::StrCat("unknown mutant '", mutant, "' (see `ptediff mutants`)");
      return false;
    }
    if (c->subject != nullptr && owner != c->subject) {
      *err = absl::StrCat("mutant '", mutant, "' belongs to the ", owner->name(),
                          " subject, not to ", c->subject->name());
      return false;
    }
  }
  c->opts.mutant = mutant;
  c->opts.stop_at_first = !absl::GetFlag(FLAGS_all);
  c->json = absl::GetFlag(FLAGS_json);
  c->state = absl::GetFlag(FLAGS_state);
  c->out = absl::GetFlag(FLAGS_o);
  c->gtest_out = absl::GetFlag(FLAGS_gtest);
  c->backend_path = be;
  c->bound = absl::GetFlag(FLAGS_bound);
  c->max_schedules = absl::GetFlag(FLAGS_max);
  if (!be.empty()) {
    // `reference`: the built-in references run as O too (they must be clean
    // against themselves, under every schedule of mid-op events included).
    // A library exporting ptediff_backend_v2_get() is a v2 backend.
    if (be == kBuiltinReferenceName) {
      c->opts.backend = ptediff_reference_backend();
      c->opts.backend_v2 = hugetlb::hugetlb_reference_backend();
    } else if (exports_backend_v2(be)) {
      c->opts.backend_v2 = load_external_backend_v2(be, err);
      if (c->opts.backend_v2 == nullptr) return false;
    } else {
      c->opts.backend = load_backend(be, err);
      if (c->opts.backend == nullptr) return false;
    }
    if (c->subject != nullptr && !c->subject->accepts_backend_of(c->opts)) {
      *err =
          absl::StrCat("--backend ", be, " does not apply to the ", c->subject->name(), " subject");
      return false;
    }
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
  const CommandFlags* flags = command_flags(cmd);
  if (flags == nullptr) return usage_error(absl::StrCat("unknown command '", cmd, "'"));
  Command c;
  std::string err;
  if (!parse_flags(argc, argv, *flags, &c.files, &err)) return usage_error(err);
  if (cmd == "kernel") {
    return cmd_kernel(c.files, absl::GetFlag(FLAGS_tree), absl::GetFlag(FLAGS_o),
                      absl::GetFlag(FLAGS_mutant), argv[0]);
  }
  if (!common_options(&c, &err)) {
    std::fprintf(stderr, "ptediff: %s\n", err.c_str());
    return 2;
  }
  if (cmd == "run") return cmd_run(c);
  if (cmd == "explain") return cmd_explain(c);
  if (cmd == "minimize") return cmd_minimize(c);
  if (cmd == "explore") return cmd_explore(c);
  if (cmd == "mutants") return cmd_mutants(c);
  if (cmd == "encode") return cmd_encode(c);
  if (cmd == "decode") return cmd_decode(c);
  // fuzz
  if (!c.files.empty()) return usage_error("fuzz takes no positional arguments");
  FuzzCommandArgs fa;
  fa.seconds = absl::GetFlag(FLAGS_seconds);
  fa.jobs = absl::GetFlag(FLAGS_jobs);
  fa.engine = absl::GetFlag(FLAGS_engine);
  fa.mutant = c.opts.mutant;
  // The subject: --subject, else the one whose catalogue holds --mutant.
  fa.subject = c.subject != nullptr ? c.subject : subject_of_mutant(fa.mutant);
  if (fa.subject == nullptr) fa.subject = all_subjects()[0];
  fa.backend = c.backend_path;
  if (!fa.backend.empty() && !fa.subject->takes_backend() && !fa.subject->takes_backend_v2()) {
    return usage_error(
        absl::StrCat("--backend does not apply to the ", fa.subject->name(), " subject"));
  }
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
