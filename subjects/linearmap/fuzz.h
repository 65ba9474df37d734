// ptediff: the linearmap subject's fuzz face: its runner and the traits of the
// structure-aware mutator (engine/op_mutator.h), in fuzz.cc.
#ifndef PTEDIFF_SUBJECTS_LINEARMAP_FUZZ_H_
#define PTEDIFF_SUBJECTS_LINEARMAP_FUZZ_H_

#include "subjects/subject.h"

namespace ptediff::linearmap {

// Subject::fuzz() of the linearmap subject.
const FuzzFace& fuzz_face();

}  // namespace ptediff::linearmap

#endif  // PTEDIFF_SUBJECTS_LINEARMAP_FUZZ_H_
