// ptediff fuzz targets: the body every subject's differential target shares.
//
// A subject namespace NS with decode_program, RunOptions, run_program and
// format_report (linearmap/, hugetlb/) gets its LLVMFuzzerTestOneInput from
// PTEDIFF_SUBJECT_FUZZER(NS, CONFIGURE): every byte string decodes to a valid
// program; CONFIGURE(NS::RunOptions*) completes its options (an external O);
// R and O run it with every check after every op; on the first divergence
// the report and the program (as a .repro) go to stderr and the process
// traps in a function named after the divergence class (NS_<class>). O's
// mutant comes from $PTEDIFF_MUTANT (default none), never from the input.
#ifndef PTEDIFF_FUZZ_SUBJECT_TARGET_H_
#define PTEDIFF_FUZZ_SUBJECT_TARGET_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "fuzz/trap_site.h"

namespace ptediff {

// $PTEDIFF_MUTANT, read once.
inline const std::string& injected_mutant() {
  static const std::string m = [] {
    const char* env = std::getenv("PTEDIFF_MUTANT");
    return std::string(env != nullptr && *env != '\0' ? env : "none");
  }();
  return m;
}

}  // namespace ptediff

#define PTEDIFF_SUBJECT_FUZZER(ns, configure)                                               \
  namespace {                                                                               \
  PTEDIFF_DIVERGENCE_TRAP_SITES(ns)                                                         \
  PTEDIFF_TRAP_SITE(ns##_setup_error, 9)                                                    \
  }                                                                                         \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {                 \
    const auto program = ptediff::ns::decode_program(std::span<const uint8_t>(data, size)); \
    ptediff::ns::RunOptions opts;                                                           \
    opts.mutant = ptediff::injected_mutant();                                               \
    configure(&opts);                                                                       \
    const auto r = ptediff::ns::run_program(program, opts);                                 \
    if (!r.error.empty()) {                                                                 \
      std::fprintf(stderr, #ns "_diff_fuzzer: %s\n", r.error.c_str());                      \
      ns##_setup_error();                                                                   \
    }                                                                                       \
    if (r.diverged()) {                                                                     \
      std::fputs(ptediff::ns::format_report(r, program).c_str(), stderr);                   \
      ns##_sites[static_cast<size_t>(r.divergences.front().cls) % std::size(ns##_sites)](); \
    }                                                                                       \
    return 0;                                                                               \
  }

#endif  // PTEDIFF_FUZZ_SUBJECT_TARGET_H_
