// ptediff: the command-line tool. Its commands and their flags are one
// table in cli.cc (`ptediff --help`, `ptediff CMD --help` print it); this
// runs the command the command line names and checks standard output.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "tools/cli.h"

namespace {

// The exit status once everything printed has reached standard output: a
// failed write there (a full disk, a closed pipe) is an error too.
int flush_stdout(int status) {
  const int e = std::fflush(stdout) != 0 ? errno : 0;
  if (e == 0 && !std::ferror(stdout)) return status;
  std::fprintf(stderr, "ptediff: cannot write standard output: %s\n",
               e != 0 ? std::strerror(e) : "a write failed");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using ptediff::CommandLine;
  const CommandLine cl = ptediff::parse_command_line(argc, argv);
  switch (cl.action) {
    case CommandLine::Action::kPrint:
      std::fputs(cl.text.c_str(), stdout);
      return flush_stdout(0);
    case CommandLine::Action::kError:
      std::fprintf(stderr, "ptediff: %s\n", cl.text.c_str());
      return 2;
    case CommandLine::Action::kRun:
      break;
  }
  return flush_stdout(cl.spec->run(cl));
}
