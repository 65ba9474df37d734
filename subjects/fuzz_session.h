// ptediff: the fuzz runner of a subject whose programs run through one
// run_program call (linear-map, hugetlb): decode, run with every check,
// report on demand. Nothing is kept between inputs but the options.
#ifndef PTEDIFF_SUBJECTS_FUZZ_SESSION_H_
#define PTEDIFF_SUBJECTS_FUZZ_SESSION_H_

#include <span>
#include <string>
#include <utility>

#include "engine/op_mutator.h"
#include "subjects/subject.h"

namespace ptediff {

// The verdict on a run result of any subject (error, divergences).
template <typename Result>
FuzzVerdict verdict_of(const Result& r) {
  FuzzVerdict v;
  v.error = r.error;
  v.diverged = r.diverged();
  if (v.diverged) v.cls = r.divergences.front().cls;
  return v;
}

// A subject's fuzz face from its session factory and mutator traits
// (engine/op_mutator.h).
template <typename Traits, auto kSession>
const FuzzFace& fuzz_face_of() {
  static constexpr FuzzFace kFace = {kSession, mutate_program_bytes<Traits>,
                                     cross_over_program_bytes<Traits>};
  return kFace;
}

// Program and RunOptions are a subject's; run_program and format_report
// (which ends with the program as .repro text) are found in the subject's
// namespace (argument-dependent lookup); `decode` is its decode_program.
template <typename Program, typename RunOptions>
class ProgramFuzzSession final : public FuzzSession {
 public:
  using Decode = Program (*)(std::span<const uint8_t>);
  ProgramFuzzSession(RunOptions opts, Decode decode) : opts_(std::move(opts)), decode_(decode) {}

  FuzzVerdict run(std::span<const uint8_t> input) override {
    return verdict_of(run_program(decode_(input), opts_));
  }

  std::string report(std::span<const uint8_t> input) override {
    const Program program = decode_(input);
    const auto r = run_program(program, opts_);
    return r.diverged() ? format_report(r, program) : "";
  }

 private:
  RunOptions opts_;
  Decode decode_;
};

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_FUZZ_SESSION_H_
