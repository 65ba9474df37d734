// ptediff conformance: the stateful differential property (rapidcheck).
//
// The model is the op list so far; each command appends one generated op, runs
// the whole program on the reference (R, the model's meaning) and the backend
// under test (O), and fails on any divergence, so the envelope is the check.
// On failure rapidcheck shrinks the op list and the failure message carries
// the shrunk counterexample as .repro text (the effective program).
#ifndef PTEDIFF_SUBJECTS_CONTPTE_PROPERTY_UTIL_H_
#define PTEDIFF_SUBJECTS_CONTPTE_PROPERTY_UTIL_H_

#include <rapidcheck.h>

#include <cstdint>
#include <string>

#include "ptediff/backend.h"
#include "subjects/contpte/program.h"

namespace ptediff {

// Ops of every kind with operands in range for the granule, biased toward
// the first few blocks of the window and block-sized folios and batches so
// that ops interact. (Inside the stateful property, each op is further
// biased by the ops before it: the same mm and pages, the page after a
// range, a kind that typically follows the previous one.)
rc::Gen<Op> gen_op(ptediff_granule granule);

struct StatefulConfig {
  Header header;                         // granule, features, profile, mutant
  const ptediff_backend* opt = nullptr;  // O (nullptr: the optimized backend)
  uint64_t seed = 1;
  int max_success = 200;  // test cases (op lists)
  int max_size = 40;      // the longest op list is max_size + 1
  bool shrink = true;
  // Biased to deferred flushes: blocks are cached whole (tlb_fill block=1),
  // then cleaned, cleared or write-protected by calls whose flush is their
  // caller's, then walked, unfolded or mapped again, with mid-op accesses
  // and walks through the stale translations (gen_deferred_kind).
  bool deferred_flush = false;
};

struct StatefulOutcome {
  bool passed = false;
  int successes = 0;    // test cases that passed (before the failing one)
  std::string message;  // rapidcheck's failure report (includes the repro)
};

// Runs the stateful property with a fixed seed and budget. RC_PARAMS, when
// set, overrides the keys it names (max_success=N for a longer local run,
// seed, max_size, noshrink).
StatefulOutcome check_stateful(const StatefulConfig& c);

// The header a mutant needs to be observable: 64K for pa52-advance, no
// hardware DBM for access-flags-no-tlbi, BBML2 off for convert-no-flush
// (and everything else on the 4K default with FEAT_HAFDBS).
Header header_for_mutant(const std::string& mutant);

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_PROPERTY_UTIL_H_
