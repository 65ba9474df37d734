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
static_assert(std::size(kMutants) == static_cast<size_t>(Mutant::kCount), "one row per mutant");

// The mutants only mid-op events expose: each replaces an atomic primitive
// by a sequence that behaves the same single-threaded.
constexpr Mutant kInterleavingOnly[] = {Mutant::kWrprotectReadThenClear,
                                        Mutant::kAccessFlagsReadThenClear};

constexpr MutantCatalogue<Mutant> kCatalogue(kMutants, kInterleavingOnly);

}  // namespace

const MutantCatalogue<Mutant>& mutant_catalogue(Mutant) { return kCatalogue; }

}  // namespace ptediff::hugetlb
