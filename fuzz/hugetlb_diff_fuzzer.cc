// ptediff fuzz target: the hugetlb subject (docs/DESIGN.md §10), run
// differentially (fuzz/subject_target.h); programs per subjects/hugetlb/program.h.
// $PTEDIFF_BACKEND names another O: `reference`, or a v2 backend library
// (backend_v2.h), such as the kernel's own hugetlbpage.c.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "engine/external.h"
#include "fuzz/subject_target.h"
#include "subjects/hugetlb/executor.h"

namespace {

// The O of every input, loaded once: nullptr for the built-in arm64 backend.
// A backend that cannot be loaded ends the process (status 2) before the
// first input.
void use_backend_from_env(ptediff::hugetlb::RunOptions* opts) {
  static const ptediff_backend_v2* const backend = [] {
    const char* spec = std::getenv("PTEDIFF_BACKEND");
    if (spec == nullptr || *spec == '\0') return static_cast<const ptediff_backend_v2*>(nullptr);
    if (std::string(spec) == "reference") return ptediff::hugetlb::hugetlb_reference_backend();
    std::string err;
    const ptediff_backend_v2* b = ptediff::load_external_backend_v2(spec, &err);
    if (b == nullptr) {
      std::fprintf(stderr, "hugetlb_diff_fuzzer: %s\n", err.c_str());
      std::exit(2);
    }
    return b;
  }();
  opts->opt = backend;
}

}  // namespace

PTEDIFF_SUBJECT_FUZZER(hugetlb, use_backend_from_env)
