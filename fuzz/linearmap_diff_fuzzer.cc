// ptediff fuzz target: the linear-map subject (docs/DESIGN.md §8), run
// differentially (fuzz/subject_target.h); programs per subjects/linearmap/program.h.
#include "fuzz/subject_target.h"
#include "subjects/linearmap/executor.h"

// The linear map has no backend ABI: the options stay as they are.
PTEDIFF_SUBJECT_FUZZER(linearmap, [](ptediff::linearmap::RunOptions*) {})
