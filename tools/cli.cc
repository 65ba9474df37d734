// ptediff: the command line of the ptediff tool (see cli.h).
#include "tools/cli.h"

#include <algorithm>
#include <cstdint>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tools/build_info.h"
#include "tools/gate_command.h"
#include "tools/input.h"  // the input caps
#include "tools/kernel_command.h"

// What each flag does; a command's table may say it more precisely.
ABSL_FLAG(bool, json, false, "print results as JSON (one object per input)");
ABSL_FLAG(bool, state, false, "print the final tables of R and O");
ABSL_FLAG(bool, all, false, "report every divergence, not only the first");
ABSL_FLAG(std::string, backend, "",
          "an external backend .so run as O (`reference`: the built-in reference)");
ABSL_FLAG(std::string, mutant, "",
          "inject this bug into the optimized implementation (see `ptediff mutants`)");
ABSL_FLAG(std::string, subject, "",
          "the subject binary inputs belong to (default contpte; see `ptediff mutants`); a text "
          "repro names its own");
ABSL_FLAG(std::string, o, "", "the output file");
ABSL_FLAG(std::string, gtest, "", "also write a GoogleTest regression case here");
ABSL_FLAG(int, seconds, 60, "how long to fuzz");
ABSL_FLAG(int, jobs, 1, "parallel jobs (at most 64)");
ABSL_FLAG(std::string, engine, "libfuzzer", "the fuzzing engine: libfuzzer or afl");
ABSL_FLAG(std::string, out, "", "the folder for findings (default ./ptediff-findings)");
ABSL_FLAG(std::string, tree, "", "a Linux source tree (a folder or a tarball)");
ABSL_FLAG(std::string, base, "", "the tree the checked one is based on (a folder or a tarball)");
ABSL_FLAG(std::string, phases, "programs,race,mutants,fuzz",
          "the gate's optional phases, comma-separated");
ABSL_FLAG(std::string, format, "text", "the report's format: text, ktap, junit or json");
ABSL_FLAG(int, bound, 1, "mid-op events per schedule (1 or 2)");
ABSL_FLAG(uint64_t, max, 0, "stop after this many schedules (0: all)");

namespace ptediff {
namespace {

constexpr size_t kWidth = 100;                    // columns of help text
constexpr int kMaxFuzzSeconds = 365 * 24 * 3600;  // a year
constexpr int kMaxFuzzJobs = 64;
constexpr size_t kNoLimit = SIZE_MAX;

// Flags most commands share.
const FlagUse kBackend{"backend", "PATH.so"};
const FlagUse kMutant{"mutant", "NAME"};
const FlagUse kSubject{"subject", "S"};

const std::vector<CommandSpec>& specs() {
  static const std::vector<CommandSpec> kSpecs = {
      {.name = "run",
       .args = "FILES...",
       .min_args = 1,
       .max_args = kNoLimit,
       .summary = "Replays inputs (binary or .repro text) through R and O.",
       .exits = "0 clean, 1 divergence, 2 bad input or usage",
       .flags = {{"json"}, {"state"}, {"all"}, kBackend, kMutant, kSubject},
       .run = [](const CommandLine& cl) { return cmd_run(cl.cmd); }},
      {.name = "explain",
       .args = "FILE",
       .min_args = 1,
       .max_args = 1,
       .summary = "Prints a step-by-step trace: returns, costs, block diagrams, O's primitive log.",
       .exits = "0 clean, 1 divergence, 2 bad input or usage",
       .flags = {kBackend, kMutant, kSubject},
       .run = [](const CommandLine& cl) { return cmd_explain(cl.cmd); }},
      {.name = "minimize",
       .args = "FILE",
       .min_args = 1,
       .max_args = 1,
       .summary =
           "Shrinks a diverging input to a minimal .repro keeping its divergence class; never "
           "overwrites its input.",
       .exits = "0 written (or nothing to minimize), 2 bad input, usage or a failed write",
       .flags = {{"o", "OUT.repro", "the minimized repro", true},
                 {"gtest", "OUT.cc"},
                 kBackend,
                 kMutant,
                 kSubject},
       .run = [](const CommandLine& cl) { return cmd_minimize(cl.cmd); }},
      {.name = "explore",
       .args = "FILE",
       .min_args = 1,
       .max_args = 1,
       .summary = "Runs every schedule of up to --bound mid-op events and reports the first "
                  "diverging one.",
       .exits = "0 clean, 1 divergence, 2 bad input or usage",
       .flags = {{"bound", "1|2"},
                 {"max", "N"},
                 {"o", "OUT.repro", "write the diverging schedule here (default: print it)"},
                 kBackend,
                 kMutant,
                 kSubject},
       .run = [](const CommandLine& cl) { return cmd_explore(cl.cmd); }},
      {.name = "fuzz",
       .args = "",
       .min_args = 0,
       .max_args = 0,
       .summary =
           "Runs the subject's fuzz target on its embedded corpus, then minimizes what it found.",
       .exits = "0 nothing found, 1 divergences found, 2 setup error or usage",
       .flags = {{"seconds", "N"},
                 {"jobs", "N"},
                 {"engine", "libfuzzer|afl"},
                 {"out", "DIR"},
                 kMutant,
                 {"subject", "S", "the subject to fuzz (default: the mutant's, else contpte)"},
                 kBackend},
       .run = [](const CommandLine& cl) { return run_fuzz_command(cl.fuzz); }},
      {.name = "mutants",
       .args = "",
       .min_args = 0,
       .max_args = 0,
       .summary = "Lists the injectable historic bugs of each subject.",
       .exits = "0",
       .flags = {{"subject", "S", "list only this subject's"}},
       .run = [](const CommandLine& cl) { return cmd_mutants(cl.cmd); }},
      {.name = "kernel",
       .args = "",
       .min_args = 0,
       .max_args = 0,
       .summary = "Builds backends from a Linux tree's own contpte.c and hugetlbpage.c.",
       .exits = "0 built, 2 bad tree, failed compile or usage",
       .flags = {{"tree", "DIR|TARBALL", nullptr, true},
                 {"subject", "contpte|hugetlb|all",
                  "the kernel file to build from (default all; with --mutant, the one the "
                  "mutant edits)"},
                 {"o", "OUT.so|DIR/",
                  "the backend to write (one subject), or a folder for them (default: here, "
                  "libcontpte-VERSION[-MUTANT].so, libhugetlb-VERSION.so)"},
                 {"mutant", "NAME",
                  "apply this source-level mutant (kernel/mutants.tsv for contpte.c, "
                  "kernel/hugetlb/mutants.tsv for hugetlbpage.c)"}},
       .run =
           [](const CommandLine& cl) {
             return cmd_kernel(cl.cmd.files, cl.cmd.tree, cl.cmd.out, cl.cmd.opts.mutant,
                               cl.self_path, absl::GetFlag(FLAGS_subject));
           }},
      {.name = "gate",
       .args = "",
       .min_args = 0,
       .max_args = 0,
       .summary = "The pre-merge verdict on a Linux tree: builds its contpte.c and hugetlbpage.c, "
                  "runs every shipped program, a race pass, the source-level mutants and a "
                  "fuzzing budget on them, and classifies what diverges against --base and the "
                  "known upstream bugs.",
       .exits = "0 no finding fails the gate, 1 a new finding (without --base: one that is not a "
                "known upstream bug), 2 the gate could not run",
       .flags = {{"tree", "DIR|TARBALL", "the tree to check", true},
                 {"base", "DIR|TARBALL",
                  "the tree it is based on: each finding is new, pre-existing or fixed"},
                 {"seconds", "N",
                  "the fuzzing budget, split across subjects (default 60; 0: none)"},
                 {"jobs", "N", "parallel fuzz jobs and mutant builds (default 1)"},
                 {"o", "DIR",
                  "the folder for minimized findings and every report format "
                  "(default ./ptediff-gate)"},
                 {"format", "text|ktap|junit|json", "the report printed (default text)"},
                 {"subject", "S", "check only this subject's kernel code (default: every one)"},
                 {"phases", "LIST",
                  "the optional phases, comma-separated (default programs,race,mutants,fuzz)"}},
       .run =
           [](const CommandLine& cl) {
             GateArgs a;
             a.tree = cl.cmd.tree;
             a.base = absl::GetFlag(FLAGS_base);
             a.seconds = absl::GetFlag(FLAGS_seconds);
             a.jobs = absl::GetFlag(FLAGS_jobs);
             if (!cl.cmd.out.empty()) a.out_dir = cl.cmd.out;
             a.format = absl::GetFlag(FLAGS_format);
             a.subject = absl::GetFlag(FLAGS_subject);
             a.phases = absl::GetFlag(FLAGS_phases);
             a.self_path = cl.self_path;
             return run_gate(a);
           }},
      {.name = "encode",
       .args = "FILE",
       .min_args = 1,
       .max_args = 1,
       .summary = "Writes an input as a binary fuzz input.",
       .exits = "0 written, 2 bad input, usage or a failed write",
       .flags = {{"o", "OUT.bin", "the binary input", true}, kSubject},
       .run = [](const CommandLine& cl) { return cmd_encode(cl.cmd); }},
      {.name = "decode",
       .args = "FILE",
       .min_args = 1,
       .max_args = 1,
       .summary = "Writes the program an input runs (binary inputs are repaired) as .repro text.",
       .exits = "0 written, 2 bad input, usage or a failed write",
       .flags = {{"o", "OUT.repro", "write it here (default: standard output)"}, kSubject},
       .run = [](const CommandLine& cl) { return cmd_decode(cl.cmd); }},
  };
  return kSpecs;
}

// How a flag is written on the command line.
std::string spelled(absl::string_view name) {
  return absl::StrCat(name.size() == 1 ? "-" : "--", name);
}

// Appends `words` to *out as lines of at most kWidth columns; the first
// line continues one already `col` wide, the others start with `indent`
// spaces.
void wrap(const std::vector<std::string>& words, size_t col, size_t indent, std::string* out) {
  bool first = true;
  for (const std::string& w : words) {
    if (!first && col + 1 + w.size() > kWidth) {
      absl::StrAppend(out, "\n", std::string(indent, ' '));
      col = indent;
      first = true;
    }
    absl::StrAppend(out, first ? "" : " ", w);
    col += (first ? 0 : 1) + w.size();
    first = false;
  }
  out->push_back('\n');
}

std::vector<std::string> words_of(const char* text) {
  return absl::StrSplit(text, ' ', absl::SkipEmpty());
}

// `lead` + "ptediff CMD FLAGS... ARGS", wrapped.
void append_synopsis(const CommandSpec& c, const std::string& lead, std::string* out) {
  std::vector<std::string> words;
  for (const FlagUse& f : c.flags) {
    const std::string w = absl::StrCat(spelled(f.name), f.value[0] ? " " : "", f.value);
    words.push_back(f.required ? w : absl::StrCat("[", w, "]"));
  }
  if (c.args[0] != '\0') words.push_back(c.args);
  const std::string head = absl::StrCat(lead, "ptediff ", c.name, " ");
  out->append(head);
  wrap(words, head.size(), head.size(), out);
}

// What `f` does for its command, with its default when it has one.
std::string flag_help(const FlagUse& f) {
  const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(f.name);
  std::string help = f.help != nullptr ? f.help : flag != nullptr ? flag->Help() : "";
  const std::string def = flag != nullptr ? flag->DefaultValue() : "";
  if (f.required) {
    absl::StrAppend(&help, " (required)");
  } else if (!def.empty() && def != "0" && def != "false") {
    absl::StrAppend(&help, " (default ", def, ")");
  }
  return help;
}

// Resets every flag of the tool to its default, so a parse sees only its argv.
void reset_flags() {
  for (const CommandSpec& c : specs()) {
    for (const FlagUse& f : c.flags) {
      absl::CommandLineFlag* flag = absl::FindCommandLineFlag(f.name);
      std::string ignored;
      if (flag != nullptr) flag->ParseFrom(flag->DefaultValue(), &ignored);
    }
  }
}

// The use of flag `name` in `spec`, or nullptr.
const FlagUse* flag_use(const CommandSpec& spec, std::string_view name) {
  for (const FlagUse& f : spec.flags) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

// Whether any command takes flag `name`.
bool known_flag(std::string_view name) {
  for (const CommandSpec& c : specs()) {
    if (flag_use(c, name) != nullptr) return true;
  }
  return false;
}

CommandLine print(std::string text) {
  CommandLine cl;
  cl.action = CommandLine::Action::kPrint;
  cl.text = std::move(text);
  return cl;
}

CommandLine error(const std::string& text) {
  CommandLine cl;
  cl.text = one_line(text);
  return cl;
}

// A usage error of command `cmd` (nullptr: of the command line as a whole).
CommandLine usage_error(const CommandSpec* cmd, const std::string& msg) {
  return error(absl::StrCat(msg, " (see ptediff ", cmd != nullptr ? cmd->name : "",
                            cmd != nullptr ? " " : "", "--help)"));
}

// Parses the flags and positional arguments after the command name into the
// Abseil flags and *pos. Returns false with *err on anything wrong.
bool parse_flags(int argc, const char* const* argv, const CommandSpec& cmd,
                 std::vector<std::string>* pos, std::string* err) {
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
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
      name.resize(eq);
    }
    bool negated = false;
    if (!known_flag(name) && absl::StartsWith(name, "no") && known_flag(name.substr(2))) {
      name = name.substr(2);
      negated = true;
    }
    absl::CommandLineFlag* f = known_flag(name) ? absl::FindCommandLineFlag(name) : nullptr;
    if (f == nullptr || (negated && (has_value || !f->IsOfType<bool>()))) {
      *err = absl::StrCat("unknown flag '", a, "'");
      return false;
    }
    if (flag_use(cmd, name) == nullptr) {
      *err = absl::StrCat("flag '", spelled(name), "' does not apply to `ptediff ", cmd.name, "`");
      return false;
    }
    if (f->IsOfType<bool>()) {
      if (!has_value) value = negated ? "false" : "true";
    } else if (!has_value && i + 1 < argc) {
      value = argv[++i];
    }
    if (value.empty()) {
      *err = absl::StrCat("flag '", spelled(name), "' needs a value");
      return false;
    }
    std::string perr;
    if (!f->ParseFrom(value, &perr)) {
      *err = absl::StrCat("bad value for flag '", spelled(name), "': ", perr);
      return false;
    }
  }
  return true;
}

// The required flags and the number of positional arguments.
bool check_shape(const CommandSpec& spec, const std::vector<std::string>& pos, std::string* err) {
  for (const FlagUse& f : spec.flags) {
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(f.name);
    if (f.required && flag != nullptr && flag->CurrentValue().empty()) {
      *err = absl::StrCat(spec.name, " needs ", spelled(f.name), " ", f.value);
      return false;
    }
  }
  if (pos.size() < spec.min_args) {
    *err = absl::StrCat(spec.name, " needs ", spec.max_args == 1 ? "a " : "at least one ",
                        spec.max_args == 1 ? spec.args : "FILE");
    return false;
  }
  if (pos.size() > spec.max_args) {
    *err = spec.max_args == 0 ? absl::StrCat(spec.name, " takes no positional arguments")
                              : absl::StrCat(spec.name, " takes exactly one ", spec.args);
    return false;
  }
  return true;
}

// The options every subject command shares (--subject, --mutant, --backend,
// --all, ...). With --backend the backend's own init judges --mutant (a
// kernel-source backend built with its mutants takes their names).
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
  if (be.empty() && mutant != "none" && !mutant.empty()) {
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
    c->mutant_owner = owner;
  }
  c->opts.stop_at_first = !absl::GetFlag(FLAGS_all);
  c->json = absl::GetFlag(FLAGS_json);
  c->state = absl::GetFlag(FLAGS_state);
  c->gtest_out = absl::GetFlag(FLAGS_gtest);
  c->backend_path = be;
  c->bound = absl::GetFlag(FLAGS_bound);
  c->max_schedules = absl::GetFlag(FLAGS_max);
  if (c->bound < 1 || c->bound > 2) {
    *err = "--bound must be 1 or 2";
    return false;
  }
  if (be.empty()) return true;
  if (!load_backend_spec(be, &c->opts, err)) return false;
  if (c->subject != nullptr && !c->subject->accepts_backend_of(c->opts)) {
    *err =
        absl::StrCat("--backend ", be, " does not apply to the ", c->subject->name(), " subject");
    return false;
  }
  return true;
}

// The options of `ptediff fuzz`.
bool fuzz_options(const Command& c, FuzzCommandArgs* fa, std::string* err) {
  fa->seconds = absl::GetFlag(FLAGS_seconds);
  fa->jobs = absl::GetFlag(FLAGS_jobs);
  fa->engine = absl::GetFlag(FLAGS_engine);
  fa->mutant = c.opts.mutant;
  // The subject: --subject, else the one whose catalogue holds --mutant.
  fa->subject = c.subject != nullptr ? c.subject : subject_of_mutant(fa->mutant);
  if (fa->subject == nullptr) fa->subject = all_subjects()[0];
  fa->backend = c.backend_path;
  fa->out_dir = absl::GetFlag(FLAGS_out);
  if (!fa->backend.empty() && !fa->subject->takes_backend() && !fa->subject->takes_backend_v2() &&
      !fa->subject->takes_backend_v3()) {
    *err = absl::StrCat("--backend does not apply to the ", fa->subject->name(), " subject");
  } else if (fa->seconds <= 0 || fa->seconds > kMaxFuzzSeconds) {
    *err = absl::StrCat("--seconds must be 1 to ", kMaxFuzzSeconds, " (a year)");
  } else if (fa->jobs <= 0 || fa->jobs > kMaxFuzzJobs) {
    *err = absl::StrCat("--jobs must be 1 to ", kMaxFuzzJobs);
  } else if (fa->engine != "libfuzzer" && fa->engine != "afl") {
    *err = "--engine must be libfuzzer or afl";
  }
  return err->empty();
}

}  // namespace

const std::vector<CommandSpec>& command_specs() { return specs(); }

const CommandSpec* find_command(std::string_view name) {
  for (const CommandSpec& c : specs()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

std::string usage_text() {
  std::string out;
  for (const CommandSpec& c : specs())
    append_synopsis(c, out.empty() ? "usage: " : "       ", &out);
  absl::StrAppend(&out,
                  "       ptediff help [COMMAND]\n"
                  "       ptediff --version\n\n"
                  "`ptediff COMMAND --help` (or `ptediff help COMMAND`) describes a command and "
                  "its flags.\n");
  wrap(words_of("Every command works for every subject (`ptediff mutants` lists them): a text "
                "repro names its subject in its header; binary inputs are contpte unless "
                "--subject says otherwise."),
       0, 0, &out);
  const std::string sizes =
      absl::StrCat("Binary inputs are read up to ", kMaxBinaryInputBytes >> 20,
                   " MiB (no subject decodes more; a note says when a file is cut), text "
                   "programs whole up to ",
                   kMaxTextInputBytes >> 20, " MiB (larger ones are refused unread).");
  wrap(absl::StrSplit(sizes, ' '), 0, 0, &out);
  return out;
}

std::string command_help(const CommandSpec& spec) {
  std::string out;
  append_synopsis(spec, "usage: ", &out);
  out.push_back('\n');
  wrap(words_of(spec.summary), 0, 0, &out);
  std::vector<std::string> exits = {"exit", "status:"};
  for (const std::string& w : words_of(spec.exits)) exits.push_back(w);
  wrap(exits, 0, 2, &out);
  absl::StrAppend(&out, "\nflags:\n");
  std::vector<std::pair<std::string, std::string>> rows;
  for (const FlagUse& f : spec.flags) {
    rows.emplace_back(absl::StrCat(spelled(f.name), f.value[0] ? " " : "", f.value), flag_help(f));
  }
  rows.emplace_back("-h, --help", "print this help");
  size_t col = 0;
  for (const auto& r : rows) col = std::max(col, r.first.size());
  col += 4;
  for (const auto& [flag, help] : rows) {
    const std::string left = absl::StrCat("  ", flag, std::string(col - 2 - flag.size(), ' '));
    out.append(left);
    wrap(absl::StrSplit(help, ' ', absl::SkipEmpty()), left.size(), col, &out);
  }
  return out;
}

std::string version_text() {
  return absl::StrCat("ptediff ", build_version(), " (commit ", build_commit(), ")\n");
}

CommandLine parse_command_line(int argc, const char* const* argv) {
  reset_flags();
  if (argc < 2) return usage_error(nullptr, "missing command");
  const std::string cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    if (argc == 2) return print(usage_text());
    const CommandSpec* spec = find_command(argv[2]);
    if (spec == nullptr)
      return usage_error(nullptr, absl::StrCat("unknown command '", argv[2], "'"));
    if (argc > 3) return usage_error(nullptr, "help takes one COMMAND");
    return print(command_help(*spec));
  }
  if (cmd == "--version" || cmd == "version") {
    if (argc > 2) return usage_error(nullptr, "version takes no arguments");
    return print(version_text());
  }
  const CommandSpec* spec = find_command(cmd);
  if (spec == nullptr) return usage_error(nullptr, absl::StrCat("unknown command '", cmd, "'"));
  for (int i = 2; i < argc && std::string_view(argv[i]) != "--"; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") return print(command_help(*spec));
  }
  CommandLine cl;
  cl.spec = spec;
  cl.self_path = argv[0] != nullptr ? argv[0] : "ptediff";
  std::string err;
  if (!parse_flags(argc, argv, *spec, &cl.cmd.files, &err) ||
      !check_shape(*spec, cl.cmd.files, &err)) {
    return usage_error(spec, err);
  }
  cl.cmd.out = absl::GetFlag(FLAGS_o);
  cl.cmd.tree = absl::GetFlag(FLAGS_tree);
  cl.cmd.opts.mutant = absl::GetFlag(FLAGS_mutant);
  if (spec->name != std::string_view("kernel") && spec->name != std::string_view("gate")) {
    if (!common_options(&cl.cmd, &err)) return error(err);
    if (spec->name == std::string_view("fuzz")) {
      cl.fuzz.self_path = cl.self_path;
      if (!fuzz_options(cl.cmd, &cl.fuzz, &err)) return usage_error(spec, err);
    }
  }
  cl.action = CommandLine::Action::kRun;
  return cl;
}

}  // namespace ptediff
