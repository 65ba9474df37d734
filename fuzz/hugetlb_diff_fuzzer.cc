// ptediff fuzz target: the hugetlb subject (docs/DESIGN.md §10), run
// differentially (fuzz/subject_target.h); programs per hugetlb/program.h.
#include "fuzz/subject_target.h"
#include "hugetlb/executor.h"

PTEDIFF_SUBJECT_FUZZER(hugetlb)
