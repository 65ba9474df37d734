// ptediff: the contpte subject's fuzz face: its runner and the traits of the
// structure-aware mutator (engine/op_mutator.h), in fuzz.cc.
#ifndef PTEDIFF_SUBJECTS_CONTPTE_FUZZ_H_
#define PTEDIFF_SUBJECTS_CONTPTE_FUZZ_H_

#include "subjects/subject.h"

namespace ptediff::contpte {

// Subject::fuzz() of the contpte subject.
const FuzzFace& fuzz_face();

}  // namespace ptediff::contpte

#endif  // PTEDIFF_SUBJECTS_CONTPTE_FUZZ_H_
