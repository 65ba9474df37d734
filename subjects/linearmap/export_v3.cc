// ptediff linear map: the built-in optimized implementation as an external
// v3 backend library (libptediff_linearmap_arm64.so), the way another
// implementation of the linear-map API plugs into `ptediff run --backend`
// (backend_v3.h). It runs on the harness's machine (ptediff_machine::priv),
// so it is only loaded by the ptediff build it comes from.
#include "ptediff/backend_v3.h"
#include "subjects/linearmap/optimized.h"  // linearmap_optimized_backend

extern "C" const ptediff_backend_v3* ptediff_backend_v3_get(void) {
  return ptediff::linearmap::linearmap_optimized_backend();
}
