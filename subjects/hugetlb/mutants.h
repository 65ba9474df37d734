// ptediff hugetlb: the injectable bugs of the optimized backend (mutants.def).
#ifndef PTEDIFF_SUBJECTS_HUGETLB_MUTANTS_H_
#define PTEDIFF_SUBJECTS_HUGETLB_MUTANTS_H_

#include <cstdint>
#include <span>
#include <string_view>

namespace ptediff::hugetlb {

// kNone first, then one per row of mutants.def.
enum class Mutant : uint8_t {
  kNone,
#define PTEDIFF_HT_MUTANT(e, name, what, source) e,
#include "subjects/hugetlb/mutants.def"
#undef PTEDIFF_HT_MUTANT
  kCount,
};

struct MutantInfo {
  Mutant id;
  const char* name;
  const char* what;
  const char* source;  // the upstream commit or text whose behaviour it breaks
};
// Every mutant, kNone first.
std::span<const MutantInfo> hugetlb_mutants();
// Resolves a mutant name ("none" included); false when unknown.
bool find_mutant(std::string_view name, Mutant* out);
// Whether only mid-op events expose `m` (docs/DESIGN.md §10.4.1): it replaces
// an atomic primitive by a sequence that behaves the same single-threaded.
bool interleaving_only(Mutant m);

}  // namespace ptediff::hugetlb

#endif  // PTEDIFF_SUBJECTS_HUGETLB_MUTANTS_H_
