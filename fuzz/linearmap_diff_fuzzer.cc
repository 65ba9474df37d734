// ptediff fuzz target: the linear-map subject (docs/DESIGN.md §8), run
// differentially (fuzz/subject_target.h); programs per linearmap/program.h.
#include "fuzz/subject_target.h"
#include "linearmap/executor.h"

PTEDIFF_SUBJECT_FUZZER(linearmap)
