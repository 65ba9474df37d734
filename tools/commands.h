// ptediff: the subcommands of the command-line tool, over the Subject
// interface (subjects/subject.h), so each works for every subject. Each
// returns the exit status: 0 success / no divergence, 1 divergence, 2 bad
// input or usage.
#ifndef PTEDIFF_TOOLS_COMMANDS_H_
#define PTEDIFF_TOOLS_COMMANDS_H_

#include <string>
#include <string_view>
#include <vector>

#include "subjects/subject.h"

namespace ptediff {

// What the command line said, for every command.
struct Command {
  std::vector<std::string> files;    // positional arguments
  CaseOptions opts;                  // --mutant, --backend, --all
  const Subject* subject = nullptr;  // --subject (nullptr: not given)
  const Subject* mutant_owner = nullptr;  // the subject whose catalogue holds --mutant
  bool json = false, state = false;
  std::string out, gtest_out;  // -o, --gtest
  std::string backend_path;    // --backend as given
  std::string tree;            // kernel --tree
  int bound = 1;               // explore --bound
  uint64_t max_schedules = 0;  // explore --max (0: all)

  // The subject binary inputs are decoded as: --subject, else the one whose
  // mutant --mutant names, else the default.
  const Subject& binary_subject() const {
    return subject != nullptr ? *subject : mutant_owner != nullptr ? *mutant_owner : *all_subjects()[0];
  }
};

int cmd_run(const Command& c);
int cmd_explain(const Command& c);
int cmd_minimize(const Command& c);
int cmd_explore(const Command& c);
int cmd_mutants(const Command& c);
int cmd_encode(const Command& c);
int cmd_decode(const Command& c);

// `s` with its control characters escaped (a newline as \x0a), so that an
// error line quoting user input (a file name, a flag) stays one line.
std::string one_line(std::string_view s);

// A GoogleTest regression case replaying `repro_text` and expecting `cls`.
std::string format_gtest_case(const std::string& name, const std::string& repro_text,
                              const std::string& mutant, const char* cls);

}  // namespace ptediff

#endif  // PTEDIFF_TOOLS_COMMANDS_H_
