// ptediff: the built-in backends, chosen outside the engine.
//
// The engine (engine/) is handed its backends through RunOptions and
// includes no backend. Callers that run the built-in reference as R and the
// built-in contpte backend as O get them here. Header-only, so that every
// build of the sources (libraries, fuzz targets, OSS-Fuzz) links the
// backends it already compiles (CMake target ptediff_builtin).
#ifndef PTEDIFF_SUBJECTS_CONTPTE_BACKENDS_H_
#define PTEDIFF_SUBJECTS_CONTPTE_BACKENDS_H_

#include <string>

#include "subjects/contpte/executor.h"
#include "subjects/contpte/optimized.h"
#include "subjects/contpte/reference.h"

namespace ptediff {

// `o` with every backend it leaves unset filled: R the built-in reference,
// O the built-in contpte backend (which takes the header's mutant). Set an
// external O before calling this.
inline RunOptions with_builtin_backends(RunOptions o = {}) {
  if (o.ref == nullptr) o.ref = ptediff_reference_backend();
  if (o.opt == nullptr) {
    o.opt = ptediff_optimized_backend();
    o.opt_takes_header_mutant = true;
  }
  return o;
}

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_BACKENDS_H_
