// ptediff: the command line of the ptediff tool. One table lists every
// command with the flags it takes; the flags are checked against it and the
// usage text, `ptediff CMD --help` and `ptediff help CMD` are written from
// it, so what is accepted and what is documented cannot drift apart.
#ifndef PTEDIFF_TOOLS_CLI_H_
#define PTEDIFF_TOOLS_CLI_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "tools/commands.h"
#include "tools/fuzz_command.h"

namespace ptediff {

struct CommandLine;

// One flag as a command takes it.
struct FlagUse {
  const char* name;            // the flag without dashes (one letter is written -o)
  const char* value = "";      // its value in usage text ("N", "PATH.so"); "" for a switch
  const char* help = nullptr;  // what it does for this command; nullptr: the flag's own help
  bool required = false;
};

// One command.
struct CommandSpec {
  const char* name;
  const char* args;  // positional arguments in usage text ("FILES...", "FILE", "")
  size_t min_args, max_args;
  const char* summary;  // what it does, one sentence
  const char* exits;    // its exit statuses
  std::vector<FlagUse> flags;
  int (*run)(const CommandLine& cl);  // runs it; returns the exit status
};

// Every command, in the order of the usage text.
const std::vector<CommandSpec>& command_specs();
// The command named `name`, or nullptr.
const CommandSpec* find_command(std::string_view name);

// The general usage text: every command's synopsis.
std::string usage_text();
// One command's synopsis, what it does, and its flags.
std::string command_help(const CommandSpec& spec);
// "ptediff VERSION (commit COMMIT)": the commit the binary was built from,
// `unknown` for a build outside git.
std::string version_text();

// What a command line asks for.
struct CommandLine {
  enum class Action { kRun, kPrint, kError };
  Action action = Action::kError;
  std::string text;                   // kPrint: the text for stdout; kError: the error line
  const CommandSpec* spec = nullptr;  // kRun: the command
  Command cmd;                        // kRun: its arguments and options
  FuzzCommandArgs fuzz;               // kRun of `fuzz`: its options
  std::string self_path;              // argv[0]
};

// Parses and checks argv (argv[0] is the program): the command, its flags
// (each in the command's table, with a legal non-empty value), the number of
// positional arguments, and the options that can be checked without reading
// inputs (subject, mutant, backend, numeric ranges). Help and version
// requests give kPrint; anything wrong gives kError with one line. Never
// fails on any argv. Sets the Abseil flags of the tool as a side effect.
CommandLine parse_command_line(int argc, const char* const* argv);

}  // namespace ptediff

#endif  // PTEDIFF_TOOLS_CLI_H_
