// ptediff: tests of the command-line tool's own code: the checked file I/O
// (file_io.h), the input caps against what the parsers and decoders can use
// (input.h), and the command-line parser and its help table (cli.h), whose
// parser is fuzzed with arbitrary argv.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "formats/text.h"  // kMaxMutantNameLen
#include "subjects/contpte/codec.h"
#include "subjects/contpte/program.h"  // kMaxEventsPerOp
#include "subjects/contpte/text.h"     // kMaxReproOps
#include "tools/cli.h"
#include "tools/file_io.h"
#include "tools/input.h"

namespace ptediff {
namespace {

namespace fs = std::filesystem;

// A fresh folder, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "ptediff-tools-XXXXXX").string();
    path_ = mkdtemp(t.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void put(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string get(const std::string& path) {
  std::string out, err;
  EXPECT_TRUE(read_file(path, SIZE_MAX, &out, &err)) << err;
  return out;
}

constexpr const char* kRepro =
    "ptediff-repro 1\ngranule 4k\nfeatures hafdbs\nmutant get-no-gather\n"
    "folio_alloc order=4 place=low\nset_ptes mm=0 va=0x10000 nr=16 folio=0 idx=0 prot=a|w|ro\n"
    "access mm=0 va=0x13000 kind=write pick=5\nptep_get mm=0 va=0x13000\n";

// --- reading -------------------------------------------------------------

TEST(ReadFile, ReadsAtMostTheLimitAndSaysWhetherMoreFollows) {
  TempDir d;
  put(d / "f", "0123456789");
  std::string out, err;
  bool more = true;
  uint64_t size = 0;
  ASSERT_TRUE(read_file(d / "f", 4, &out, &err, &more, &size));
  EXPECT_EQ(out, "0123");
  EXPECT_TRUE(more);
  EXPECT_EQ(size, 10u);
  ASSERT_TRUE(read_file(d / "f", 10, &out, &err, &more));
  EXPECT_EQ(out, "0123456789");
  EXPECT_FALSE(more);
  ASSERT_TRUE(read_file(d / "f", 100, &out, &err, &more));
  EXPECT_EQ(out, "0123456789");
  EXPECT_FALSE(more);
}

TEST(ReadFile, ReadsFilesThatReportNoSize) {
  std::string out, err;
  bool more = true;
  ASSERT_TRUE(read_file("/proc/self/status", SIZE_MAX, &out, &err, &more)) << err;
  EXPECT_TRUE(absl::StrContains(out, "Pid:"));
  EXPECT_FALSE(more);
}

TEST(ReadFile, FailuresAreOneLineNamingThePath) {
  TempDir d;
  std::string out, err;
  EXPECT_FALSE(read_file(d.path().string(), 100, &out, &err));
  EXPECT_EQ(err, absl::StrCat("cannot read ", d.path().string(), ": Is a directory"));
  EXPECT_FALSE(read_file(d / "missing", 100, &out, &err));
  EXPECT_EQ(err, absl::StrCat("cannot read ", d / "missing", ": No such file or directory"));
  // Reading address 0 of this process fails with EIO.
  EXPECT_FALSE(read_file("/proc/self/mem", 100, &out, &err));
  EXPECT_EQ(err, "cannot read /proc/self/mem: Input/output error");
  EXPECT_FALSE(read_file("/dev/null", 100, &out, &err));
  EXPECT_EQ(err, "cannot read /dev/null: not a regular file");
}

// --- writing -------------------------------------------------------------

// The names in folder `d`, to see that no temporary file is left.
std::vector<std::string> names_in(const fs::path& d) {
  std::vector<std::string> out;
  for (const fs::directory_entry& e : fs::directory_iterator(d)) {
    out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(WriteFile, WritesAndReplacesWholeFilesKeepingTheirMode) {
  TempDir d;
  std::string err;
  ASSERT_TRUE(write_file(d / "a", "first", &err)) << err;
  EXPECT_EQ(get(d / "a"), "first");
  ASSERT_EQ(chmod((d / "a").c_str(), 0640), 0);
  ASSERT_TRUE(write_file(d / "a", "second, longer", &err)) << err;
  EXPECT_EQ(get(d / "a"), "second, longer");
  struct stat st;
  ASSERT_EQ(stat((d / "a").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(names_in(d.path()), std::vector<std::string>{"a"});
}

TEST(WriteFile, ASymbolicLinkIsFollowedNotReplaced) {
  TempDir d;
  put(d / "target", "old");
  fs::create_symlink(d / "target", d / "link");
  std::string err;
  ASSERT_TRUE(write_file(d / "link", "new", &err)) << err;
  EXPECT_TRUE(fs::is_symlink(d / "link"));
  EXPECT_EQ(get(d / "target"), "new");
}

TEST(WriteFile, ALongNameGetsATemporaryNameThatFits) {
  TempDir d;
  const std::string name(250, 'n');
  std::string err;
  ASSERT_TRUE(write_file(d / name, "x", &err)) << err;
  EXPECT_EQ(get(d / name), "x");
}

TEST(WriteFile, FailuresAreOneLineAndLeaveNothingBehind) {
  TempDir d;
  std::string err;
  EXPECT_FALSE(write_file("/dev/full", "data", &err));
  EXPECT_EQ(err, "cannot write /dev/full: No space left on device");
  EXPECT_FALSE(write_file(d.path().string(), "data", &err));
  EXPECT_EQ(err, absl::StrCat("cannot write ", d.path().string(), ": Is a directory"));
  EXPECT_FALSE(write_file(d / "no/such/folder", "data", &err));
  EXPECT_EQ(err,
            absl::StrCat("cannot write ", d / "no/such/folder", ": No such file or directory"));
  put(d / "file", "kept");
  EXPECT_FALSE(write_file(d / "file/below", "data", &err));
  EXPECT_EQ(err, absl::StrCat("cannot write ", d / "file/below", ": Not a directory"));
  EXPECT_EQ(get(d / "file"), "kept");
  EXPECT_EQ(names_in(d.path()), std::vector<std::string>{"file"});
  // A device is written in place.
  EXPECT_TRUE(write_file("/dev/null", "data", &err)) << err;
}

TEST(WriteFile, AFailedWriteLeavesTheOldFileAsItWas) {
  TempDir d;
  put(d / "f", "old content");
  // Writes past the file size limit fail (EFBIG) instead of raising SIGXFSZ.
  struct rlimit was;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &was), 0);
  void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
  struct rlimit tiny = was;
  tiny.rlim_cur = 4;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &tiny), 0);
  std::string err;
  const bool wrote = write_file(d / "f", "new and longer content", &err);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &was), 0);
  signal(SIGXFSZ, old_handler);
  EXPECT_FALSE(wrote);
  EXPECT_EQ(err, absl::StrCat("cannot write ", d / "f", ": File too large"));
  EXPECT_EQ(get(d / "f"), "old content");
  EXPECT_EQ(names_in(d.path()), std::vector<std::string>{"f"});
}

TEST(SameFile, ComparesFilesAndPathsNotSpellings) {
  TempDir d;
  put(d / "a", "1");
  put(d / "b", "1");
  fs::create_hard_link(d / "a", d / "hard");
  fs::create_symlink(d / "a", d / "soft");
  EXPECT_TRUE(same_file(d / "a", d / "hard"));
  EXPECT_TRUE(same_file(d / "a", d / "soft"));
  EXPECT_TRUE(same_file(d / "a", d / "./a"));
  EXPECT_FALSE(same_file(d / "a", d / "b"));
  // Files that do not exist yet: the same path, spelled two ways.
  EXPECT_TRUE(same_file(d / "new", d / "./new"));
  EXPECT_FALSE(same_file(d / "new", d / "other"));
  EXPECT_FALSE(same_file(d / "new", d / "a"));
}

TEST(CheckOutputPath, RefusesWhatCannotBeWrittenBeforeAnyWork) {
  TempDir d;
  put(d / "in", "x");
  std::string err;
  const std::vector<std::string> inputs = {d / "other", d / "in"};
  EXPECT_FALSE(check_output_path("-o", d / "./in", inputs, &err));
  EXPECT_EQ(err, absl::StrCat("-o ", d / "./in", " is the input file ", d / "in",
                              "; refusing to overwrite it"));
  EXPECT_FALSE(check_output_path("--gtest", d / "missing/x.cc", inputs, &err));
  EXPECT_EQ(err, absl::StrCat("cannot write ", d / "missing/x.cc", ": No such file or directory"));
  EXPECT_FALSE(check_output_path("-o", d.path().string(), inputs, &err));
  EXPECT_EQ(err, absl::StrCat("cannot write ", d.path().string(), ": Is a directory"));
  EXPECT_FALSE(check_output_path("-o", d / "in/x", {}, &err));
  EXPECT_EQ(err, absl::StrCat("cannot write ", d / "in/x", ": Not a directory"));
  EXPECT_FALSE(check_output_path("-o", "", {}, &err));
  // Quiet on what can be written; nothing is created.
  EXPECT_TRUE(check_output_path("-o", d / "out.repro", inputs, &err)) << err;
  EXPECT_TRUE(check_output_path("-o", d / "in", {d / "other"}, &err)) << err;
  EXPECT_TRUE(check_output_path("-o", "/dev/null", inputs, &err)) << err;
  EXPECT_EQ(names_in(d.path()), std::vector<std::string>{"in"});
}

// --- the input caps --------------------------------------------------------

// The operands of the op of `spec`-like tables with the most of them.
TEST(InputCaps, TheBinaryCapHoldsTheLargestLegalInputOfEverySubject) {
  for (const Subject* s : all_subjects()) {
    EXPECT_GE(kMaxBinaryInputBytes, s->limits().binary_bytes) << s->name();
  }
}

TEST(InputCaps, TheTextCapHoldsTwiceTheLargestLegalProgram) {
  constexpr size_t kHeaderLines = 64;
  for (const Subject* s : all_subjects()) {
    const size_t lines = s->limits().text_lines + kHeaderLines;
    EXPECT_GE(kMaxTextInputBytes, 2 * lines * kMaxCanonicalLineBytes) << s->name();
  }
}

// Every line format() writes for programs decoded from random bytes (the
// literal forms included: a header byte of 0xf0 and up) fits the bound the
// text cap assumes.
TEST(InputCaps, EveryFormattedLineFitsTheCanonicalBound) {
  std::mt19937_64 rng(1);
  size_t longest = 0;
  for (const Subject* s : all_subjects()) {
    for (int i = 0; i < 400; ++i) {
      std::vector<uint8_t> bytes(1 + rng() % 3000);
      for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
      if (i % 2 == 1) bytes[0] |= 0xf0;
      const std::string text = s->decode(bytes)->format();
      for (absl::string_view line : absl::StrSplit(text, '\n')) {
        longest = std::max(longest, line.size());
        ASSERT_LE(line.size(), kMaxCanonicalLineBytes) << s->name() << ": " << line;
      }
    }
  }
  EXPECT_GT(longest, 40u);  // the programs were not trivial
}

TEST(LoadCase, ABinaryInputIsReadUpToTheCapWithANote) {
  TempDir d;
  std::string bin(kMaxBinaryInputBytes + 100, '\x07');
  put(d / "big.bin", bin);
  put(d / "cut.bin", bin.substr(0, kMaxBinaryInputBytes));
  std::string err, note;
  const std::unique_ptr<Case> big =
      load_case(d / "big.bin", *all_subjects()[0], nullptr, &err, &note);
  ASSERT_NE(big, nullptr) << err;
  EXPECT_EQ(note, absl::StrCat(d / "big.bin", ": read its first ", kMaxBinaryInputBytes >> 20,
                               " MiB only; no subject decodes more of a binary input"));
  // The same program as the cut file's, which is read whole and silently.
  const std::unique_ptr<Case> cut =
      load_case(d / "cut.bin", *all_subjects()[0], nullptr, &err, &note);
  ASSERT_NE(cut, nullptr) << err;
  EXPECT_EQ(note, "");
  EXPECT_EQ(big->format(), cut->format());
}

TEST(LoadCase, TextIsReadWholeOrRefusedUnparsed) {
  TempDir d;
  std::string err, note;
  const Subject& contpte = *all_subjects()[0];
  // Longer than the binary cap, not named .repro: still text, read whole.
  std::string comments;
  while (comments.size() <= kMaxBinaryInputBytes) {
    comments += absl::StrCat("  #", std::string(1 << 16, 'c'), "\n\n");
  }
  put(d / "long.txt", comments + kRepro);
  const std::unique_ptr<Case> c = load_case(d / "long.txt", contpte, nullptr, &err, &note);
  ASSERT_NE(c, nullptr) << err;
  EXPECT_EQ(c->size(), 4u);
  EXPECT_EQ(note, "");
  // Only comments past the binary cap: text that says nothing, refused by
  // the parser (not decoded as a binary input).
  put(d / "blank", comments);
  EXPECT_EQ(load_case(d / "blank", contpte, nullptr, &err, &note), nullptr);
  EXPECT_TRUE(absl::StartsWith(err, d / "blank:")) << err;
  // Past the text cap: refused before reading it, whatever follows.
  put(d / "huge.repro", kRepro);
  fs::resize_file(d / "huge.repro", kMaxTextInputBytes + 1);
  EXPECT_EQ(load_case(d / "huge.repro", contpte, nullptr, &err, &note), nullptr);
  EXPECT_EQ(err, absl::StrCat(d / "huge.repro",
                              ": a text program larger than 256 MiB, the most a legal one can "
                              "take; not read"));
}

// --- the command line ------------------------------------------------------

CommandLine parse(std::vector<std::string> args) {
  args.insert(args.begin(), "ptediff");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  return parse_command_line(static_cast<int>(args.size()), argv.data());
}

TEST(CommandTable, EveryFlagExistsAndEveryHelpListsItsFlags) {
  const std::string usage = usage_text();
  for (const CommandSpec& c : command_specs()) {
    const std::string help = command_help(c);
    for (const FlagUse& f : c.flags) {
      EXPECT_NE(absl::FindCommandLineFlag(f.name), nullptr) << f.name;
      const std::string spelled = absl::StrCat(f.name[1] ? "--" : "-", f.name);
      EXPECT_TRUE(absl::StrContains(help, absl::StrCat("\n  ", spelled)))
          << c.name << " " << f.name;
    }
    // --subject is shown wherever it applies: every command of programs.
    const bool subject = std::any_of(c.flags.begin(), c.flags.end(), [](const FlagUse& f) {
      return f.name == std::string("subject");
    });
    if (c.name != std::string("kernel")) EXPECT_TRUE(subject) << c.name;
    const size_t at = usage.find(absl::StrCat("ptediff ", c.name, " "));
    ASSERT_NE(at, std::string::npos) << c.name;
    EXPECT_EQ(usage.find("--subject", at) < usage.find("ptediff ", at + 1), subject) << c.name;
    for (absl::string_view line : absl::StrSplit(help + usage, '\n')) EXPECT_LE(line.size(), 100u);
  }
}

TEST(CommandLine, HelpHasThreeSpellingsAndVersionTwo) {
  for (const CommandSpec& c : command_specs()) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {c.name, "--help"}, {c.name, "-h"}, {"help", c.name}, {c.name, "x", "--frob", "-h"}}) {
      const CommandLine cl = parse(args);
      EXPECT_EQ(cl.action, CommandLine::Action::kPrint) << c.name;
      EXPECT_EQ(cl.text, command_help(c));
    }
  }
  for (const char* v : {"--version", "version"}) {
    const CommandLine cl = parse({v});
    EXPECT_EQ(cl.action, CommandLine::Action::kPrint);
    EXPECT_TRUE(absl::StartsWith(cl.text, "ptediff 0.1.0 (commit ")) << cl.text;
  }
  EXPECT_EQ(parse({"help"}).text, usage_text());
  EXPECT_EQ(parse({"--help"}).text, usage_text());
  EXPECT_EQ(parse({"run", "--", "--help"}).action, CommandLine::Action::kRun);
}

// The error line of a command line (empty when it is not an error).
std::string error_of(std::vector<std::string> args) {
  const CommandLine cl = parse(std::move(args));
  return cl.action == CommandLine::Action::kError ? cl.text : "";
}

TEST(CommandLine, RefusesWhatTheTableDoesNotAllow) {
  EXPECT_EQ(error_of({}), "missing command (see ptediff --help)");
  EXPECT_EQ(error_of({"frob"}), "unknown command 'frob' (see ptediff --help)");
  EXPECT_EQ(error_of({"help", "frob"}), "unknown command 'frob' (see ptediff --help)");
  EXPECT_EQ(error_of({"version", "x"}), "version takes no arguments (see ptediff --help)");
  EXPECT_EQ(error_of({"run"}), "run needs at least one FILE (see ptediff run --help)");
  EXPECT_EQ(error_of({"minimize", "f"}),
            "minimize needs -o OUT.repro (see ptediff minimize --help)");
  EXPECT_EQ(error_of({"explain", "a", "b"}),
            "explain takes exactly one FILE (see ptediff explain --help)");
  EXPECT_EQ(error_of({"fuzz", "x"}),
            "fuzz takes no positional arguments (see ptediff fuzz --help)");
  EXPECT_EQ(error_of({"kernel"}), "kernel needs --tree DIR|TARBALL (see ptediff kernel --help)");
  EXPECT_EQ(error_of({"mutants", "--seconds", "5"}),
            "flag '--seconds' does not apply to `ptediff mutants` (see ptediff mutants --help)");
  EXPECT_EQ(error_of({"run", "--frob", "f"}), "unknown flag '--frob' (see ptediff run --help)");
  EXPECT_EQ(error_of({"run", "--nomutant", "f"}),
            "unknown flag '--nomutant' (see ptediff run --help)");
  EXPECT_EQ(error_of({"run", "f", "--mutant"}),
            "flag '--mutant' needs a value (see ptediff run --help)");
  EXPECT_EQ(error_of({"run", "f", "--subject="}),
            "flag '--subject' needs a value (see ptediff run --help)");
  EXPECT_TRUE(
      absl::StartsWith(error_of({"run", "--json=maybe", "f"}), "bad value for flag '--json'"));
  EXPECT_EQ(error_of({"explore", "--bound", "3", "f"}), "--bound must be 1 or 2");
  EXPECT_EQ(error_of({"fuzz", "--seconds=0"}),
            "--seconds must be 1 to 31536000 (a year) (see ptediff fuzz --help)");
  EXPECT_EQ(error_of({"fuzz", "--jobs=65"}), "--jobs must be 1 to 64 (see ptediff fuzz --help)");
  EXPECT_EQ(error_of({"fuzz", "--engine=x"}),
            "--engine must be libfuzzer or afl (see ptediff fuzz --help)");
  EXPECT_EQ(error_of({"run", "--mutant", "no-such", "f"}),
            "unknown mutant 'no-such' (see `ptediff mutants`)");
  EXPECT_EQ(error_of({"run", "--subject", "frob", "f"}),
            "unknown subject 'frob' (known: contpte linear-map hugetlb)");
}

TEST(CommandLine, ErrorsQuotingUserInputStayOneLine) {
  EXPECT_EQ(one_line("a\nb\x7f\tc d"), "a\\x0ab\\x7f\\x09c d");
  EXPECT_EQ(one_line("plain 'text' \xc3\xa9"), "plain 'text' \xc3\xa9");
  EXPECT_EQ(error_of({"run", "--x\ny", "f"}), "unknown flag '--x\\x0ay' (see ptediff run --help)");
}

TEST(CommandLine, TakesWhatTheTableAllows) {
  CommandLine cl = parse({"minimize", "in.repro", "-o", "out.repro", "--gtest=t.cc", "--mutant",
                          "get-no-gather", "--subject", "contpte"});
  ASSERT_EQ(cl.action, CommandLine::Action::kRun) << cl.text;
  EXPECT_EQ(cl.spec->name, std::string("minimize"));
  EXPECT_EQ(cl.cmd.files, std::vector<std::string>{"in.repro"});
  EXPECT_EQ(cl.cmd.out, "out.repro");
  EXPECT_EQ(cl.cmd.gtest_out, "t.cc");
  EXPECT_EQ(cl.cmd.opts.mutant, "get-no-gather");
  cl = parse({"run", "--json", "--nojson", "-all", "--", "--state", "-"});
  ASSERT_EQ(cl.action, CommandLine::Action::kRun) << cl.text;
  EXPECT_FALSE(cl.cmd.json);
  EXPECT_FALSE(cl.cmd.opts.stop_at_first);
  EXPECT_EQ(cl.cmd.files, (std::vector<std::string>{"--state", "-"}));
  cl = parse({"fuzz", "--seconds=5", "--jobs", "2", "--mutant", "split-to-ptes"});
  ASSERT_EQ(cl.action, CommandLine::Action::kRun) << cl.text;
  EXPECT_EQ(cl.fuzz.seconds, 5);
  EXPECT_EQ(cl.fuzz.jobs, 2);
  EXPECT_EQ(cl.fuzz.subject->name(), std::string("linear-map"));
  // Every parse starts from the defaults.
  cl = parse({"fuzz"});
  ASSERT_EQ(cl.action, CommandLine::Action::kRun) << cl.text;
  EXPECT_EQ(cl.fuzz.seconds, 60);
  EXPECT_EQ(cl.fuzz.subject, all_subjects()[0]);
}

// Tokens a hostile command line is made of.
const std::vector<std::string>& vocabulary() {
  static const std::vector<std::string> v = [] {
    std::vector<std::string> v = {"",
                                  "-",
                                  "--",
                                  "---",
                                  "-=",
                                  "--=",
                                  "--=x",
                                  "-h",
                                  "--help",
                                  "help",
                                  "version",
                                  "--version",
                                  "--no",
                                  "--no=",
                                  "0",
                                  "-1",
                                  "1",
                                  "2",
                                  "3",
                                  "99999999999999999999",
                                  "abc",
                                  "libfuzzer",
                                  "afl",
                                  "contpte",
                                  "hugetlb",
                                  "linear-map",
                                  "get-no-gather",
                                  "split-to-ptes",
                                  "none",
                                  "reference",
                                  "/nonexistent.so",
                                  "/dev/null",
                                  "/proc/self/status",
                                  "x.repro",
                                  "\xff\xfe"};
    for (const CommandSpec& c : command_specs()) {
      v.push_back(c.name);
      for (const FlagUse& f : c.flags) {
        for (const char* form : {"-", "--", "--no", "-no"}) {
          v.push_back(absl::StrCat(form, f.name));
          v.push_back(absl::StrCat(form, f.name, "="));
          v.push_back(absl::StrCat(form, f.name, "=1"));
        }
      }
    }
    return v;
  }();
  return v;
}

// Checks what parse_command_line(args) gives: one outcome, consistent with
// the table, and the same again on a second parse.
void check_outcome(const std::vector<std::string>& args) {
  const CommandLine cl = parse(args);
  switch (cl.action) {
    case CommandLine::Action::kPrint:
      RC_ASSERT(!cl.text.empty());
      break;
    case CommandLine::Action::kError:
      RC_ASSERT(!cl.text.empty());
      RC_ASSERT(cl.text.find('\n') == std::string::npos);
      break;
    case CommandLine::Action::kRun:
      RC_ASSERT(cl.spec != nullptr);
      RC_ASSERT(cl.cmd.files.size() >= cl.spec->min_args);
      RC_ASSERT(cl.cmd.files.size() <= cl.spec->max_args);
      break;
  }
  // Nothing leaks from one parse into the next.
  const CommandLine again = parse(args);
  RC_ASSERT(again.action == cl.action);
  RC_ASSERT(again.text == cl.text);
  RC_ASSERT(again.cmd.files == cl.cmd.files);
}

RC_GTEST_PROP(CommandLineFuzz, AnyArgvGivesOneOutcomeAndNeverCrashes, ()) {
  std::vector<std::string> commands;
  for (const CommandSpec& c : command_specs()) commands.push_back(c.name);
  const auto token = rc::gen::oneOf(
      rc::gen::elementOf(vocabulary()), rc::gen::arbitrary<std::string>(),
      rc::gen::map(
          rc::gen::pair(rc::gen::elementOf(vocabulary()), rc::gen::arbitrary<std::string>()),
          [](const std::pair<std::string, std::string>& p) { return p.first + "=" + p.second; }));
  // 50 command lines per case: a command (mostly a real one), then tokens.
  for (int n = 0; n < 50; ++n) {
    std::vector<std::string> args = {*rc::gen::oneOf(rc::gen::elementOf(commands), token)};
    const auto rest =
        *rc::gen::container<std::vector<std::string>>(*rc::gen::inRange<size_t>(0, 9), token);
    args.insert(args.end(), rest.begin(), rest.end());
    for (std::string& a : args) a = a.c_str();  // an argv string ends at its first NUL
    check_outcome(args);
  }
}

}  // namespace
}  // namespace ptediff
