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
#include "subjects/contpte/config.h"  // Mutant
#include "subjects/mutant_catalogue.h"

extern "C" const ptediff_backend* ptediff_optimized_backend(void);

namespace ptediff {

// One injectable fault of the optimized backend (the value of the mutant=
// option, what the faulty code does, the upstream commit it reverts).
using MutantInfo = MutantInfoOf<Mutant>;
// The catalogue (subjects/mutant_catalogue.h; find_mutant resolves its names).
const MutantCatalogue<Mutant>& mutant_catalogue(Mutant);

// The mutants, in a stable order (subjects/contpte/mutants.def), "none" left out.
inline std::span<const MutantInfo> optimized_mutants() {
  return mutant_catalogue(Mutant::kNone).bugs();
}
// Whether `name` is "none" or a mutant of the catalogue: the one test every
// caller (the contpte subject, the fuzz target) uses.
inline bool known_optimized_mutant(std::string_view name) {
  return mutant_catalogue(Mutant::kNone).known(name);
}
// Whether `name` is one of the mutants caught only with a schedule of mid-op
// events (docs/DESIGN.md §8.5.2): each replaces an atomic primitive sequence by
// a non-atomic one with the same single-threaded result, so only a hardware
// access/dirty update or a lockless reader landing between two primitives of
// one op can expose it. Tests that need a sequential program per mutant
// (mutant_repro_test, the mutant gate, the stateful property, MutantTest)
// skip exactly these; subjects/contpte/interleave_mutants_test.cc covers them.
inline bool interleaving_only_mutant(std::string_view name) {
  Mutant m;
  return find_mutant(name, &m) && mutant_catalogue(m).interleaving_only(m);
}

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_OPTIMIZED_H_
