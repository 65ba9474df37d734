// ptediff optimized backend: per-run configuration (profile and mutant).
//
// A ContpteConfig lives in ptediff_machine::backend_priv for the lifetime of
// one run, so two machines in one process can run different configurations
// and nothing survives from one fuzz input to the next.
#ifndef PTEDIFF_SUBJECTS_CONTPTE_CONFIG_H_
#define PTEDIFF_SUBJECTS_CONTPTE_CONFIG_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace ptediff {

// How much of the contpte series is enabled, in the order it was merged.
enum class ContptePolicy : uint8_t {
  kBasic,  // contpte core only: no batch helpers, no pte_batch_hint, no automatic fold
  kBatch,  // + wrprotect_ptes / [get_and_]clear_full_ptes / clear_young_dirty_ptes, pte_batch_hint
  kFold,   // + contpte_try_fold on single-entry set_ptes (the default)
};

// The named fault injections (mutants.def), kNone first.
enum class Mutant : uint8_t {
  kNone = 0,
#define PTEDIFF_MUTANT(e, name, what, source) e,
#include "subjects/contpte/mutants.def"
#undef PTEDIFF_MUTANT
};

struct ContpteConfig {
  ContptePolicy profile = ContptePolicy::kFold;
  Mutant mutant = Mutant::kNone;

  bool batch() const { return profile != ContptePolicy::kBasic; }
  bool fold() const { return profile == ContptePolicy::kFold; }
  // One predictable compare: a mutant that is off costs nothing more.
  bool mutant_is(Mutant m) const { return mutant == m; }
};

// Parses the init options ("profile=... mutant=..."; NULL or empty gives the
// defaults). Unknown keys or values are an InvalidArgument error.
absl::StatusOr<ContpteConfig> parse_contpte_options(const char* options);

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_CONFIG_H_
