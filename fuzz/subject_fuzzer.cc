// ptediff fuzz target: one body for every subject, reached only through the
// Subject interface (subjects/subject.h; docs/DESIGN.md §6.2).
//
// Compiled once per subject with PTEDIFF_FUZZ_SUBJECT naming it. Every byte
// string decodes to a valid program of the subject; its FuzzSession runs R
// and O with every check after every op and renders nothing unless the input
// diverged. Then the report and the program that ran (as a .repro) go to
// stderr, a DEDUP_TOKEN line names the class (libFuzzer's -minimize_crash
// compares it), and the process traps inside a function named after the
// class, so engines deduplicate crashes by it. O's mutant comes from
// $PTEDIFF_MUTANT (default none) and overrides the input's own header: the
// fuzzer cannot "find" a bug by switching a fault injection on.
// $PTEDIFF_BACKEND names another O (`reference`, or a backend library the
// subject takes). Built with PTEDIFF_FUZZ_LINKED_BACKEND naming the getter of
// a backend linked into the target (ptediff_backend_v1 or
// ptediff_backend_v2_get: kernel code, kernel/compile.sh --static), O is
// that backend and $PTEDIFF_BACKEND is refused; PTEDIFF_FUZZ_TARGET then
// names the target in its messages. $PTEDIFF_SHOW_BACKEND=1 prints O's
// name once at start-up. The custom mutator and cross-over are the subject's
// structure-aware ones (engine/op_mutator.h); one mutation in eight, and
// every one under $PTEDIFF_PLAIN_MUTATION=1, goes to libFuzzer's byte-level
// LLVMFuzzerMutate instead.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string>

#include "fuzz/trap_site.h"
#include "subjects/subject.h"

#ifndef PTEDIFF_FUZZ_SUBJECT
#error "PTEDIFF_FUZZ_SUBJECT names the subject this target fuzzes"
#endif

// Provided by libFuzzer; weak so that this file also links with engines
// (such as AFL++'s driver) that do not have it.
extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size)
    __attribute__((weak));

namespace {

// One crash site per divergence class (trap_site.h), plus one for setup errors.
PTEDIFF_DIVERGENCE_TRAP_SITES(divergence)
PTEDIFF_TRAP_SITE(setup_error, 9)

const char* env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

// This target's name in its messages.
const char* target_name(const ptediff::Subject& s) {
#ifdef PTEDIFF_FUZZ_TARGET
  return PTEDIFF_FUZZ_TARGET;
#else
  return s.fuzz_target();
#endif
}

// The name of the O that `opts` gives subject `s`.
const char* o_name(const ptediff::Subject& s, const ptediff::FuzzOptions& opts) {
  const char* name = "the built-in optimized implementation";
  if (s.takes_backend_v3() && opts.backend_v3 != nullptr) {
    name = opts.backend_v3->name;
  } else if (s.takes_backend_v2() && opts.backend_v2 != nullptr) {
    name = opts.backend_v2->name;
  } else if (s.takes_backend() && opts.backend != nullptr) {
    name = opts.backend->name;
  }
  return name != nullptr ? name : "?";
}

#ifdef PTEDIFF_FUZZ_LINKED_BACKEND
// The linked-in backend as O, by the table's ABI.
void set_o(const ptediff_backend* b, ptediff::FuzzOptions* opts) { opts->backend = b; }
void set_o(const ptediff_backend_v2* b, ptediff::FuzzOptions* opts) { opts->backend_v2 = b; }
void set_o(const ptediff_backend_v3* b, ptediff::FuzzOptions* opts) { opts->backend_v3 = b; }
#endif

// The subject and its runner, made once per process from the environment.
// A subject, mutant or backend that does not work ends the process (status
// 2) before the first input.
struct Target {
  const ptediff::Subject* subject = nullptr;
  std::unique_ptr<ptediff::FuzzSession> session;
  bool plain_mutation = false;
};

Target& target() {
  static Target* t = [] {
    auto* t = new Target;
    t->subject = ptediff::find_subject(PTEDIFF_FUZZ_SUBJECT);
    if (t->subject == nullptr) {
      std::fprintf(stderr, "ptediff fuzz target: no subject '%s'\n", PTEDIFF_FUZZ_SUBJECT);
      std::exit(2);
    }
    ptediff::FuzzOptions opts;
    opts.mutant = env_or("PTEDIFF_MUTANT", "none");
    const char* name = target_name(*t->subject);
    std::string err;
    const std::string spec = env_or("PTEDIFF_BACKEND", "");
#ifdef PTEDIFF_FUZZ_LINKED_BACKEND
    set_o(PTEDIFF_FUZZ_LINKED_BACKEND(), &opts);
    if (!spec.empty()) {
      std::fprintf(stderr, "%s: O is the backend linked in (%s); unset PTEDIFF_BACKEND\n", name,
                   o_name(*t->subject, opts));
      std::exit(2);
    }
#else
    if (!spec.empty()) {
      ptediff::CaseOptions loaded;
      if (!ptediff::load_backend_spec(spec, &loaded, &err)) {
        std::fprintf(stderr, "%s: %s\n", name, err.c_str());
        std::exit(2);
      }
      opts.backend = loaded.backend;
      opts.backend_v2 = loaded.backend_v2;
      opts.backend_v3 = loaded.backend_v3;
    }
#endif
    t->session = t->subject->fuzz().session(opts, &err);
    if (t->session == nullptr) {
      std::fprintf(stderr, "%s: %s\n", name, err.c_str());
      std::exit(2);
    }
    if (std::strcmp(env_or("PTEDIFF_SHOW_BACKEND", "0"), "1") == 0) {
      std::fprintf(stderr, "%s: O is %s\n", name, o_name(*t->subject, opts));
    }
    t->plain_mutation = std::strcmp(env_or("PTEDIFF_PLAIN_MUTATION", "0"), "1") == 0;
    return t;
  }();
  return *t;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  target();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Target& t = target();
  const std::span<const uint8_t> input(data, size);
  const ptediff::FuzzVerdict v = t.session->run(input);
  if (!v.error.empty()) {
    std::fprintf(stderr, "%s: setup failed: %s\n", target_name(*t.subject), v.error.c_str());
    setup_error();
  }
  if (v.diverged) {
    std::fputs(t.session->report(input).c_str(), stderr);
    std::fprintf(stderr, "DEDUP_TOKEN: divergence-%s\n", ptediff::div_class_name(v.cls));
    std::fflush(stderr);
    divergence_sites[static_cast<size_t>(v.cls) % std::size(divergence_sites)]();
  }
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  const Target& t = target();
  if (LLVMFuzzerMutate != nullptr && (t.plain_mutation || (size > 2 && seed % 8 == 0))) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
  return t.subject->fuzz().mutate(data, size, max_size, seed);
}

extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* data1, size_t size1,
                                            const uint8_t* data2, size_t size2, uint8_t* out,
                                            size_t max_out_size, unsigned int seed) {
  const Target& t = target();
  if (t.plain_mutation) {  // a byte-level splice, as libFuzzer's own cross-over
    const size_t n1 = std::min<size_t>(seed % (size1 + 1), max_out_size);
    const size_t n2 = std::min<size_t>(size2 - (seed / 7) % (size2 + 1), max_out_size - n1);
    std::memcpy(out, data1, n1);
    std::memcpy(out + n1, data2 + (size2 - n2), n2);
    return n1 + n2;
  }
  return t.subject->fuzz().cross_over(data1, size1, data2, size2, out, max_out_size, seed);
}
