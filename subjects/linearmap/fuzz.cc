// ptediff: the linear-map subject's fuzz face (Subject::fuzz()): its runner and
// the traits of the structure-aware mutator (engine/op_mutator.h).
//
// Fresh ops and operand values come from the fuzz decoder (codec.cc), which
// draws addresses and sizes at the alignment of a leaf kind, so block, cont
// and page boundaries are easy to reach; the mutator writes the literal form,
// which carries any legal op.
#include <memory>
#include <span>
#include <vector>

#include "engine/op_mutator.h"
#include "subjects/fuzz_session.h"
#include "subjects/linearmap/executor.h"
#include "subjects/linearmap/optimized.h"
#include "subjects/linearmap/program.h"

namespace ptediff::linearmap {
namespace {

struct Traits : ProgramOpTraits<Traits, Program, decode_program> {
  static const Geometry& geometry(const Program& p) { return geometry_of(p.granule); }
  // Whether the boot CPU has BBML2; another granule would make most ops illegal.
  static void mutate_header(MutationRng&, Program* p) { p->bbml2 = !p->bbml2; }
};

// O is the built-in implementation or a v3 backend ($PTEDIFF_BACKEND).
std::unique_ptr<FuzzSession> make_session(const FuzzOptions& opts, std::string* err) {
  if (opts.backend != nullptr || opts.backend_v2 != nullptr) {
    *err = "the linear-map subject takes a v3 backend (ptediff_backend_v3_get())";
    return nullptr;
  }
  RunOptions o;
  o.mutant = opts.mutant;
  o.opt = opts.backend_v3;
  Mutant m;
  return program_session(o, decode_program, find_mutant(opts.mutant, &m), "linear-map", err);
}

}  // namespace

const FuzzFace& fuzz_face() { return fuzz_face_of<Traits, make_session>(); }

}  // namespace ptediff::linearmap
