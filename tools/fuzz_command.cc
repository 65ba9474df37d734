// ptediff: `ptediff fuzz` (placeholder until the fuzz targets land).
#include "tools/fuzz_command.h"

#include <cstdio>

namespace ptediff {

int run_fuzz_command(const FuzzCommandArgs& args) {
  std::fprintf(stderr, "ptediff: fuzz: the fuzz targets are not built yet\n");
  return 2;
}

}  // namespace ptediff
