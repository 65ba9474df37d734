// ptediff fuzz target: the linear-map subject (docs/DESIGN.md §8), run differentially.
//
// Every byte string decodes to a valid linear-map program
// (linearmap/program.h). R and O run it with every check after every op; on
// the first divergence the report and the program (as a .repro) go to stderr
// and the process traps in a function named after the divergence class. O's
// mutant comes from $PTEDIFF_MUTANT (default none), never from the input.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "fuzz/trap_site.h"
#include "linearmap/executor.h"

namespace {

const std::string& injected_mutant() {
  static const std::string m = [] {
    const char* env = std::getenv("PTEDIFF_MUTANT");
    return std::string(env != nullptr && *env != '\0' ? env : "none");
  }();
  return m;
}

PTEDIFF_DIVERGENCE_TRAP_SITES(linearmap)
PTEDIFF_TRAP_SITE(linearmap_setup_error, 9)

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ptediff::linearmap;
  const Program program = decode_program(std::span<const uint8_t>(data, size));
  RunOptions opts;
  opts.mutant = injected_mutant();
  const RunResult r = run_program(program, opts);
  if (!r.error.empty()) {
    std::fprintf(stderr, "linearmap_diff_fuzzer: %s\n", r.error.c_str());
    linearmap_setup_error();
  }
  if (r.diverged()) {
    std::fputs(format_report(r, program).c_str(), stderr);
    linearmap_sites[static_cast<size_t>(r.divergences.front().cls) % std::size(linearmap_sites)]();
  }
  return 0;
}
