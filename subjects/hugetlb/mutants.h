// ptediff hugetlb: the injectable bugs of the optimized backend (mutants.def),
// a catalogue of subjects/mutant_catalogue.h.
#ifndef PTEDIFF_SUBJECTS_HUGETLB_MUTANTS_H_
#define PTEDIFF_SUBJECTS_HUGETLB_MUTANTS_H_

#include <cstdint>
#include <span>

#include "subjects/mutant_catalogue.h"

namespace ptediff::hugetlb {

// kNone first, then one per row of mutants.def.
enum class Mutant : uint8_t {
  kNone,
#define PTEDIFF_HT_MUTANT(e, name, what, source) e,
#include "subjects/hugetlb/mutants.def"
#undef PTEDIFF_HT_MUTANT
  kCount,
};
using MutantInfo = MutantInfoOf<Mutant>;

// The catalogue (find_mutant resolves its names); its interleaving-only
// mutants (docs/DESIGN.md §10.4.1) are named in mutants.cc.
const MutantCatalogue<Mutant>& mutant_catalogue(Mutant);
// Every mutant, kNone first.
inline std::span<const MutantInfo> hugetlb_mutants() {
  return mutant_catalogue(Mutant::kNone).all();
}
// Whether only mid-op events expose `m`.
inline bool interleaving_only(Mutant m) { return mutant_catalogue(m).interleaving_only(m); }

}  // namespace ptediff::hugetlb

#endif  // PTEDIFF_SUBJECTS_HUGETLB_MUTANTS_H_
