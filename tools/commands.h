// ptediff: the subcommands of the command-line tool. Each returns the exit
// status: 0 success / no divergence, 1 divergence, 2 bad input or usage.
#ifndef PTEDIFF_TOOLS_COMMANDS_H_
#define PTEDIFF_TOOLS_COMMANDS_H_

#include <string>
#include <vector>

#include "harness/executor.h"

namespace ptediff {

int cmd_run(const std::vector<std::string>& files, const RunOptions& opts, bool json, bool state,
            bool all);
int cmd_explain(const std::vector<std::string>& files, const RunOptions& opts);
int cmd_minimize(const std::vector<std::string>& files, const RunOptions& opts,
                 const std::string& out, const std::string& gtest_out);
int cmd_mutants(const std::vector<std::string>& args);
int cmd_encode(const std::vector<std::string>& files, const std::string& out);
int cmd_decode(const std::vector<std::string>& files, const std::string& out);

// The final tables of R and O, one line per present entry.
std::string format_state(const Machine& ref, const Machine& opt);
// A GoogleTest regression case replaying `repro_text` and expecting `cls`.
std::string format_gtest_case(const std::string& name, const std::string& repro_text,
                              const std::string& mutant, const char* cls);

}  // namespace ptediff

#endif  // PTEDIFF_TOOLS_COMMANDS_H_
