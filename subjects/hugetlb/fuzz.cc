// ptediff: the hugetlb subject's fuzz face (Subject::fuzz()): its runner and
// the traits of the structure-aware mutator (engine/op_mutator.h).
//
// Fresh ops and operand values come from the fuzz decoder (codec.cc), which
// favours the first and last huge pages and the entries of one contiguous
// range; the mutator writes the literal form, which carries any legal op.
#include <memory>
#include <span>
#include <vector>

#include "engine/op_mutator.h"
#include "ptediff/backend.h"  // PTEDIFF_FEAT_*
#include "subjects/fuzz_session.h"
#include "subjects/hugetlb/executor.h"
#include "subjects/hugetlb/flows.h"
#include "subjects/hugetlb/mutants.h"
#include "subjects/hugetlb/program.h"

namespace ptediff::hugetlb {
namespace {

struct Traits : ProgramOpTraits<Traits, Program, decode_program> {
  static auto geometry(const Program& p) { return hstate_of(p.granule, p.size); }
  // The features only: another granule or size would make most ops illegal.
  static void mutate_header(MutationRng& rng, Program* p) {
    p->features ^= rng.one_in(2) ? PTEDIFF_FEAT_HAFDBS : PTEDIFF_FEAT_LPA2;
  }
};

// O: the built-in arm64 backend, or another v2 backend (the reference, a
// library); the mutant is checked here for the built-in one and by the
// backend's own init otherwise.
std::unique_ptr<FuzzSession> make_session(const FuzzOptions& opts, std::string* err) {
  if (opts.backend != nullptr && opts.backend_v2 == nullptr) {
    *err = "a v1 backend does not apply to the hugetlb subject (it takes ptediff_backend_v2_get())";
    return nullptr;
  }
  RunOptions o;
  o.mutant = opts.mutant;
  o.opt = opts.backend_v2;
  o.log_reads = false;  // (the report lists no logs)
  Mutant m;
  return program_session(o, decode_program, o.opt != nullptr || find_mutant(opts.mutant, &m),
                         "hugetlb", err);
}

}  // namespace

const FuzzFace& fuzz_face() { return fuzz_face_of<Traits, make_session>(); }

}  // namespace ptediff::hugetlb
