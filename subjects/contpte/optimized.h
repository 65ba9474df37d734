// ptediff: the optimized backend, arm64's transparent contiguous PTEs ("contpte").
//
// The backend presents the same page-table API as the reference, but manages
// PTE_CONT behind the caller's back: batches of set_ptes that cover aligned,
// physically contiguous blocks are mapped CONT, a block is folded when its
// last entry is written and the whole block qualifies, single-entry modifiers
// unfold first, getters gather access/dirty state across the block, and the
// batch helpers keep whole blocks folded. See docs/DESIGN.md §8.5.1.
//
// Options (init): "profile=basic|batch|fold" (default fold) selects how much of
// the series is enabled; "mutant=NAME|none" (default none) injects one of the
// named faults listed by optimized_mutants().
#ifndef PTEDIFF_SUBJECTS_CONTPTE_OPTIMIZED_H_
#define PTEDIFF_SUBJECTS_CONTPTE_OPTIMIZED_H_

#include <span>
#include <string_view>

#include "ptediff/backend.h"

extern "C" const ptediff_backend* ptediff_optimized_backend(void);

namespace ptediff {

// One injectable fault of the optimized backend.
struct MutantInfo {
  const char* name;         // the value of the mutant= option
  const char* description;  // one line: what the faulty code does
  const char* source;       // the upstream commit (id and/or subject) it reverts
};

// The catalogue of mutants, in a stable order (subjects/contpte/mutants.def).
std::span<const MutantInfo> optimized_mutants();
// Whether `name` is "none" or a mutant of the catalogue: the one test every
// caller (the contpte subject, the fuzz target) uses.
bool known_optimized_mutant(std::string_view name);
// Whether `name` is one of the mutants caught only with a schedule of mid-op
// events (docs/DESIGN.md §8.5.2): each replaces an atomic primitive sequence by
// a non-atomic one with the same single-threaded result, so only a hardware
// access/dirty update or a lockless reader landing between two primitives of
// one op can expose it. Tests that need a sequential program per mutant
// (mutant_repro_test, the mutant gate, the stateful property, MutantTest)
// skip exactly these; subjects/contpte/interleave_mutants_test.cc covers them.
bool interleaving_only_mutant(std::string_view name);

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_OPTIMIZED_H_
