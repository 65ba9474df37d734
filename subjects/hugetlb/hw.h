// ptediff hugetlb: the level-generic entry helpers both hugetlb backends
// build on (arm64 asm/pgtable.h and fault.c at any level).
//
// These are not under test: they are the single-entry helpers
// (__ptep_get_and_clear, __ptep_set_wrprotect, __ptep_set_access_flags,
// pte_mkhuge, pmd_mkcont) that hugetlbpage.c calls for one entry, written
// once over machine v2's level primitives.
#ifndef PTEDIFF_SUBJECTS_HUGETLB_HW_H_
#define PTEDIFF_SUBJECTS_HUGETLB_HW_H_

#include <climits>
#include <cstdint>
#include <string>

#include "ptediff/backend.h"

namespace ptediff::hugetlb {

// TLBI_TTL_UNKNOWN: no level hint, also under LPA2.
inline constexpr int kTtlUnknown = INT_MAX;

// pte_mkhuge: a block descriptor (the table bit cleared).
inline pte_t pte_mkhuge(pte_t pte) { return pte & ~(PTE_TYPE_PAGE & ~PTE_VALID); }

// One mm of one machine, with the entry primitives at a level.
struct Hw {
  const ptediff_machine* m;
  ptediff_mm* mm;

  pte_t get(uint64_t addr, int level) const { return m->read_level(m, mm, addr, level); }
  void set(uint64_t addr, int level, pte_t v) const { m->write_level(m, mm, addr, level, v); }
  pte_t get_and_clear(uint64_t addr, int level) const {
    return m->xchg_level(m, mm, addr, level, 0);
  }
  uint64_t page_size() const { return 1ULL << m->geo.page_shift; }
  // flush_tlb_range of a huge page range with a level hint (kTtlUnknown: none).
  void flush_range(uint64_t start, uint64_t end, uint64_t stride, int level) const {
    m->flush_tlb_range(m, mm, start, end, stride, false, level, true);
  }
  // flush_tlb_page: last-level TLBI of one address, no level hint.
  void flush_page(uint64_t addr) const {
    m->flush_tlb_range(m, mm, addr, addr + page_size(), page_size(), true, kTtlUnknown, true);
  }
  // __ptep_set_wrprotect: read-only, a hardware-dirty state kept in PTE_DIRTY.
  void set_wrprotect(uint64_t addr, int level) const;
  // __ptep_set_access_flags: ORs in AF/DIRTY/WRITE of `entry`, RDONLY to the
  // most permissive; flushes the page on a write fault; returns whether the
  // entry differed.
  int set_access_flags(uint64_t addr, int level, pte_t entry, int dirty) const;
};

// What a hugetlb backend is told at init: the VMA's huge page size and, for
// the optimized backend, the mutant. Parses "hsize=BYTES [mutant=NAME]";
// anything else is reported through contract_error and fails.
struct BackendOptions {
  uint64_t hsize = 0;
  std::string mutant = "none";
};
bool parse_backend_options(ptediff_machine* m, const char* options, BackendOptions* out);

}  // namespace ptediff::hugetlb

#endif  // PTEDIFF_SUBJECTS_HUGETLB_HW_H_
