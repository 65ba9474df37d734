// ptediff: one backend bound to one machine.
//
// `Api` is what the core-mm flows are written against: the page-table API of
// docs/DESIGN.md §3.2 with the machine and mm arguments filled in, so a flow
// reads like the mm/ code it models. It adds nothing: every call goes straight
// to the backend's C function table.
#ifndef PTEDIFF_SUBJECTS_CONTPTE_API_H_
#define PTEDIFF_SUBJECTS_CONTPTE_API_H_

#include <cstdint>

#include "mmu/machine.h"
#include "ptediff/backend.h"

namespace ptediff {

class Api {
 public:
  Api(Machine& m, const ptediff_backend& b) : m_(m), b_(b) {}

  Machine& machine() { return m_; }
  const ptediff_geometry& geo() const { return m_.geo(); }
  const ptediff_backend& backend() const { return b_; }
  uint64_t page_size() const { return 1ULL << m_.geo().page_shift; }

  // One wrapper per row of backend_api.def: NAME(mm, PARAMS...).
#define PTEDIFF_API(ret, name, params, args)              \
  ret name(uint32_t mm, PTEDIFF_UNPAREN params) {         \
    return b_.name(abi(), mmp(mm), PTEDIFF_UNPAREN args); \
  }
#include "ptediff/backend_api.def"
#undef PTEDIFF_API

  // TLB maintenance core-mm issues itself (mmu_gather, dup_mmap, mremap).
  void flush_tlb_range(uint32_t mm, uint64_t start, uint64_t end) {
    m_.prim_flush_tlb_range(mmp(mm), start, end, page_size(), true, kPteLevel, true);
  }
  void flush_tlb_mm(uint32_t mm) { m_.prim_flush_tlb_mm(mmp(mm)); }

 private:
  ptediff_machine* abi() { return m_.abi(); }
  ptediff_mm* mmp(uint32_t id) { return m_.mm(id); }

  Machine& m_;
  const ptediff_backend& b_;
};

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_API_H_
