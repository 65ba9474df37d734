// ptediff linear map: the optimized side (O) of a run, behind the v3
// backend table.
//
// OptSide owns the kernel tables (a machine of their own) and runs each op
// as core code would, through a table of the linear-map API
// (include/ptediff/linearmap_api.def): the built-in implementation's
// (linearmap_optimized_backend) or an external backend's, the same way. It
// keeps the callers' side of each contract: an op the kernel's callers never
// make (mapping over a mapping, changing the permissions of a hole, a range
// leaving the window) returns -EINVAL without a call; fail_alloc ops arm
// the backend's allocator (set_alloc_failures) for the next op; a
// vmalloc area's aliases are one set_memory call per alias page.
#ifndef PTEDIFF_SUBJECTS_LINEARMAP_SIDE_H_
#define PTEDIFF_SUBJECTS_LINEARMAP_SIDE_H_

#include <cstdint>
#include <string>

#include "include/ptediff/backend_v3.h"
#include "subjects/linearmap/pgtable.h"
#include "subjects/linearmap/program.h"

namespace ptediff::linearmap {

class OptSide {
 public:
  // Empty tables of geometry `g`, and `backend` (nullptr: the built-in
  // one) set up with `options` (init); error() says why when it refuses them.
  OptSide(const Geometry& g, const ptediff_backend_v3* backend, const std::string& options);
  ~OptSide();
  OptSide(const OptSide&) = delete;
  OptSide& operator=(const OptSide&) = delete;

  // Why init failed ("" when it did not).
  const std::string& error() const { return error_; }
  // Runs one op and returns its error code; the op's primitives are in
  // tables().log().
  int apply(const Op& op);
  const KernelPgtable& tables() const { return pt_; }

 private:
  // set_memory_<c> of pages [page, page + nr), its contract checked.
  int set_memory(Change c, uint64_t page, uint64_t nr);
  // Whether some page of [lo, hi) is mapped.
  bool any_mapped(uint64_t lo, uint64_t hi) const;

  const Geometry& g_;
  KernelPgtable pt_;
  const ptediff_backend_v3* b_;
  ptediff_machine* m_;
  ptediff_mm* mm_;
  bool ready_ = false;  // init succeeded: fini is owed
  AllocFailures alloc_;
  std::string error_;
};

}  // namespace ptediff::linearmap

#endif  // PTEDIFF_SUBJECTS_LINEARMAP_SIDE_H_
