// ptediff hugetlb: the arm64 hugetlb backend as an external v2 backend
// library (libptediff_hugetlb_arm64.so), the way another implementation of
// the hugetlb API plugs into `ptediff run --backend` (backend_v2.h).
#include "subjects/hugetlb/flows.h"  // hugetlb_optimized_backend
#include "ptediff/backend_v2.h"

extern "C" const ptediff_backend_v2* ptediff_backend_v2_get(void) {
  return ptediff::hugetlb::hugetlb_optimized_backend();
}
