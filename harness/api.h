// ptediff: one backend bound to one machine.
//
// `Api` is what the core-mm flows are written against: the page-table API of
// docs/DESIGN.md §3.2 with the machine and mm arguments filled in, so a flow
// reads like the mm/ code it models. It adds nothing: every call goes straight
// to the backend's C function table.
#ifndef PTEDIFF_HARNESS_API_H_
#define PTEDIFF_HARNESS_API_H_

#include <cstdint>

#include "mmu/machine.h"
#include "ptediff/backend.h"

namespace ptediff {

class Api {
 public:
  Api(Machine& m, const ptediff_backend& b) : m_(m), b_(b) {}

  Machine& machine() { return m_; }
  const ptediff_geometry& geo() const { return m_.geo(); }
  uint64_t page_size() const { return 1ULL << m_.geo().page_shift; }

  pte_t ptep_get(uint32_t mm, uint64_t va) { return b_.ptep_get(abi(), mmp(mm), va); }
  pte_t ptep_get_lockless(uint32_t mm, uint64_t va) {
    return b_.ptep_get_lockless(abi(), mmp(mm), va);
  }
  void set_ptes(uint32_t mm, uint64_t va, pte_t pte, unsigned nr) {
    b_.set_ptes(abi(), mmp(mm), va, pte, nr);
  }
  void pte_clear(uint32_t mm, uint64_t va) { b_.pte_clear(abi(), mmp(mm), va); }
  pte_t ptep_get_and_clear(uint32_t mm, uint64_t va) {
    return b_.ptep_get_and_clear(abi(), mmp(mm), va);
  }
  pte_t ptep_clear_flush(uint32_t mm, uint64_t va) {
    return b_.ptep_clear_flush(abi(), mmp(mm), va);
  }
  int ptep_test_and_clear_young(uint32_t mm, uint64_t va) {
    return b_.ptep_test_and_clear_young(abi(), mmp(mm), va);
  }
  int ptep_clear_flush_young(uint32_t mm, uint64_t va) {
    return b_.ptep_clear_flush_young(abi(), mmp(mm), va);
  }
  void ptep_set_wrprotect(uint32_t mm, uint64_t va) {
    b_.ptep_set_wrprotect(abi(), mmp(mm), va);
  }
  void wrprotect_ptes(uint32_t mm, uint64_t va, unsigned nr) {
    b_.wrprotect_ptes(abi(), mmp(mm), va, nr);
  }
  int ptep_set_access_flags(uint32_t mm, uint64_t va, pte_t entry, int dirty) {
    return b_.ptep_set_access_flags(abi(), mmp(mm), va, entry, dirty);
  }
  void clear_full_ptes(uint32_t mm, uint64_t va, unsigned nr, int full) {
    b_.clear_full_ptes(abi(), mmp(mm), va, nr, full);
  }
  pte_t get_and_clear_full_ptes(uint32_t mm, uint64_t va, unsigned nr, int full) {
    return b_.get_and_clear_full_ptes(abi(), mmp(mm), va, nr, full);
  }
  void clear_young_dirty_ptes(uint32_t mm, uint64_t va, unsigned nr, unsigned flags) {
    b_.clear_young_dirty_ptes(abi(), mmp(mm), va, nr, flags);
  }
  pte_t ptep_modify_prot_start(uint32_t mm, uint64_t va) {
    return b_.ptep_modify_prot_start(abi(), mmp(mm), va);
  }
  void ptep_modify_prot_commit(uint32_t mm, uint64_t va, pte_t old_pte, pte_t pte) {
    b_.ptep_modify_prot_commit(abi(), mmp(mm), va, old_pte, pte);
  }
  unsigned pte_batch_hint(uint32_t mm, uint64_t va, pte_t pte) {
    return b_.pte_batch_hint(abi(), mmp(mm), va, pte);
  }
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

#endif  // PTEDIFF_HARNESS_API_H_
