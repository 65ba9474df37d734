// ptediff: the hugetlb subject's fuzz face: its runner and the traits of the
// structure-aware mutator (engine/op_mutator.h), in fuzz.cc.
#ifndef PTEDIFF_SUBJECTS_HUGETLB_FUZZ_H_
#define PTEDIFF_SUBJECTS_HUGETLB_FUZZ_H_

#include "subjects/subject.h"

namespace ptediff::hugetlb {

// Subject::fuzz() of the hugetlb subject.
const FuzzFace& fuzz_face();

}  // namespace ptediff::hugetlb

#endif  // PTEDIFF_SUBJECTS_HUGETLB_FUZZ_H_
