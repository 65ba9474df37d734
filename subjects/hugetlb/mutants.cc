// ptediff hugetlb: the mutant catalogue (mutants.h).
#include "subjects/hugetlb/mutants.h"

namespace ptediff::hugetlb {
namespace {

constexpr MutantInfo kMutants[] = {
    {Mutant::kNone, "none", "the backend as written", ""},
#define PTEDIFF_HT_MUTANT(e, name, what, source) {Mutant::e, name, what, source},
#include "subjects/hugetlb/mutants.def"
#undef PTEDIFF_HT_MUTANT
};

// The mutants interleaving_only() names.
constexpr Mutant kInterleavingOnly[] = {Mutant::kWrprotectReadThenClear,
                                        Mutant::kAccessFlagsReadThenClear};

}  // namespace

bool interleaving_only(Mutant m) {
  for (const Mutant x : kInterleavingOnly) {
    if (x == m) return true;
  }
  return false;
}

std::span<const MutantInfo> hugetlb_mutants() { return kMutants; }

bool find_mutant(std::string_view name, Mutant* out) {
  for (const MutantInfo& m : kMutants) {
    if (name == m.name) {
      *out = m.id;
      return true;
    }
  }
  return false;
}

}  // namespace ptediff::hugetlb
