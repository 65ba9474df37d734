// ptediff: `ptediff fuzz` (runs a fuzzing engine on the embedded corpus).
#ifndef PTEDIFF_TOOLS_FUZZ_COMMAND_H_
#define PTEDIFF_TOOLS_FUZZ_COMMAND_H_

#include <string>

#include "subjects/subject.h"

namespace ptediff {

struct FuzzCommandArgs {
  const Subject* subject = nullptr;  // what to fuzz (its fuzz_target())
  int seconds = 60;
  int jobs = 1;
  std::string engine = "libfuzzer";  // or "afl"
  std::string mutant;                // inject a mutant into the optimized backend
  std::string backend;               // an external backend .so fuzzed as O ("" = built-in)
  std::string out_dir;               // where findings go ("" = ./ptediff-findings)
  std::string self_path;             // argv[0] of ptediff, to find the fuzz binaries
};

// Runs the engine and prints the summary; returns the process exit status
// (0 no divergence, 1 divergence found, 2 usage or setup error).
int run_fuzz_command(const FuzzCommandArgs& args);

}  // namespace ptediff

#endif  // PTEDIFF_TOOLS_FUZZ_COMMAND_H_
