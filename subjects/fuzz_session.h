// ptediff: every subject's fuzz face (Subject::fuzz()), and the pieces they
// are built from: the verdict on a run, the face of a session factory and
// mutator traits, and the fuzz runner of a subject whose programs run through
// one run_program call (linear-map, hugetlb): decode, run with every check,
// report on demand. Nothing is kept between inputs but the options.
#ifndef PTEDIFF_SUBJECTS_FUZZ_SESSION_H_
#define PTEDIFF_SUBJECTS_FUZZ_SESSION_H_

#include <memory>
#include <span>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/op_mutator.h"
#include "subjects/subject.h"

namespace ptediff {

// Each subject's fuzz face (Subject::fuzz()), defined in subjects/NAME/fuzz.cc
// from its session factory and mutator traits with fuzz_face_of.
namespace contpte {
const FuzzFace& fuzz_face();
}  // namespace contpte
namespace linearmap {
const FuzzFace& fuzz_face();
}  // namespace linearmap
namespace hugetlb {
const FuzzFace& fuzz_face();
}  // namespace hugetlb

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

// The mutator traits of a subject whose fuzz decoder draws one op from bytes
// (OpTableTraits, engine/op_mutator.h), for programs P read by kDecodeFn. D
// adds geometry and mutate_header.
template <typename D, typename P, P (*kDecodeFn)(std::span<const uint8_t>)>
struct ProgramOpTraits : OpTableTraits<D> {
  using Program = P;
  using Op = typename decltype(P::ops)::value_type;
  static constexpr P (*kDecode)(std::span<const uint8_t>) = kDecodeFn;
};

// The error for a mutant O's catalogue does not know; `subject` is the
// --subject that lists the catalogue ("" for the default subject).
inline std::string unknown_mutant_error(const std::string& mutant, const std::string& subject) {
  return absl::StrCat("unknown mutant '", mutant, "' (see `ptediff mutants",
                      subject.empty() ? "" : " --subject ", subject, "`)");
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

// A ProgramFuzzSession running `o` (whose mutant is `o.mutant`), or nullptr
// with *err when `known_mutant` is false: see unknown_mutant_error.
template <typename Program, typename RunOptions>
std::unique_ptr<FuzzSession> program_session(RunOptions o,
                                             Program (*decode)(std::span<const uint8_t>),
                                             bool known_mutant, const std::string& subject,
                                             std::string* err) {
  if (!known_mutant) {
    *err = unknown_mutant_error(o.mutant, subject);
    return nullptr;
  }
  return std::make_unique<ProgramFuzzSession<Program, RunOptions>>(std::move(o), decode);
}

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_FUZZ_SESSION_H_
