// ptediff fuzz target: one decoded program run differentially (docs/DESIGN.md §4.6, §5, §6.2).
//
// Every byte string decodes to a valid program (subjects/contpte/codec.h). An
// Executor, reset for every input, runs it on the reference and the
// optimized backend; on the first divergence the text report and the effective program (as a
// .repro) go to stderr, then the process traps inside a function named after the divergence class,
// so crash deduplication and -minimize_crash keep the same bug. The optimized backend's mutant
// comes from $PTEDIFF_MUTANT (default none) and overrides the input's own header: the fuzzer cannot
// "find" a bug by switching a fault injection on. $PTEDIFF_BACKEND names an external backend .so
// run as O instead of the built-in one (loaded once, in LLVMFuzzerInitialize).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "subjects/contpte/executor.h"
#include "engine/external.h"
#include "subjects/contpte/codec.h"
#include "subjects/contpte/text.h"
#include "fuzz/trap_site.h"
#include "subjects/contpte/optimized.h"
#include "subjects/contpte/report.h"
#include "subjects/contpte/backends.h"

namespace {

// The mutant every run injects: $PTEDIFF_MUTANT or "none", read once.
const std::string& injected_mutant() {
  static const std::string m = [] {
    const char* env = std::getenv("PTEDIFF_MUTANT");
    return std::string(env != nullptr && *env != '\0' ? env : "none");
  }();
  return m;
}

// The external backend run as O ($PTEDIFF_BACKEND), or nullptr for the built-in one.
const ptediff_backend* external_backend = nullptr;

// The run options of every input (reads kept in the logs unless `fast`).
ptediff::RunOptions run_options(bool fast) {
  ptediff::RunOptions opts;
  opts.mutant = injected_mutant();
  opts.opt = external_backend;
  opts.log_reads = !fast;
  return ptediff::with_builtin_backends(opts);
}

// The Executor every input runs on. It keeps its machines between inputs and
// resets them completely at the start of each run (executor.h; the
// Determinism tests of executor_test compare it with fresh Executors), so no
// state of one input reaches the next; reads stay out of the logs.
ptediff::Executor& fast_executor() {
  static ptediff::Executor* ex = new ptediff::Executor(run_options(/*fast=*/true));
  return *ex;
}

// One crash site per divergence class (trap_site.h), plus one for setup errors.
PTEDIFF_DIVERGENCE_TRAP_SITES(divergence)
PTEDIFF_TRAP_SITE(executor_setup_error, 9)

// Prints the report, then a DEDUP_TOKEN line naming the class (libFuzzer's
// -minimize_crash compares it to keep the same bug), and traps.
[[noreturn]] void report_and_trap(const ptediff::RunResult& r) {
  const ptediff::Divergence& d = r.divergences.front();
  std::fprintf(stderr, "%s\n# effective program (replay: ptediff run FILE.repro)\n%s",
               ptediff::format_divergence(r, d).c_str(),
               ptediff::format_repro(r.effective).c_str());
  std::fprintf(stderr, "DEDUP_TOKEN: divergence-%s\n", ptediff::div_class_name(d.cls));
  std::fflush(stderr);
  divergence_sites[static_cast<size_t>(d.cls) % std::size(divergence_sites)]();
  __builtin_unreachable();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  const char* backend = std::getenv("PTEDIFF_BACKEND");
  if (backend != nullptr && *backend != '\0') {
    std::string err;
    external_backend = ptediff::load_backend(backend, &err);
    if (external_backend == nullptr) {
      std::fprintf(stderr, "contpte_diff_fuzzer: %s\n", err.c_str());
      std::exit(2);
    }
    return 0;  // the backend's init judges the mutant
  }
  if (!ptediff::known_optimized_mutant(injected_mutant())) {
    std::fprintf(stderr,
                 "contpte_diff_fuzzer: unknown PTEDIFF_MUTANT '%s' (see `ptediff mutants`)\n",
                 injected_mutant().c_str());
    std::exit(2);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ptediff::Program program = ptediff::decode_program(std::span<const uint8_t>(data, size));
  const ptediff::RunResult r = fast_executor().run(program);
  if (!r.error.empty()) {
    std::fprintf(stderr, "contpte_diff_fuzzer: executor setup failed: %s\n", r.error.c_str());
    executor_setup_error();
  }
  if (r.diverged()) {
    // The same run again with reads in the logs, for a complete report
    // (deterministic: the same divergence).
    report_and_trap(ptediff::Executor(run_options(/*fast=*/false)).run(program));
  }
  return 0;
}
