// ptediff: test support shared by the mmu and backend unit tests: a machine
// per granule, hand-built user entries, and decoders for the primitive log.
#ifndef PTEDIFF_MMU_TEST_FIXTURE_H_
#define PTEDIFF_MMU_TEST_FIXTURE_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "mmu/granule_test_util.h"
#include "mmu/folio.h"
#include "mmu/machine.h"
#include "ptediff/pte.h"

namespace ptediff {

// Protections of a user page (AttrIndx 0, inner shareable, non-global, UXN).
inline constexpr pte_t kUserBase =
    PTE_VALID | PTE_TYPE_PAGE | PTE_USER | PTE_SHARED | PTE_NG | PTE_UXN;
inline constexpr pte_t kRwClean = kUserBase | PTE_AF | PTE_WRITE | PTE_RDONLY;  // young, clean
inline constexpr pte_t kRwHwDirty = kUserBase | PTE_AF | PTE_WRITE;             // hw dirty
inline constexpr pte_t kRoYoung = kUserBase | PTE_AF | PTE_RDONLY;
inline constexpr uint64_t kPfn = 0x10040;  // an arbitrary low pfn

// One flush_tlb_range call as logged.
struct Flush {
  uint64_t start, end, stride;
  bool last_level;
  int level;
  bool sync;
  bool operator==(const Flush&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Flush& f) {
  return os << "flush[" << std::hex << f.start << ", " << f.end << ") stride " << f.stride
            << std::dec << " last=" << f.last_level << " level=" << f.level << " sync=" << f.sync;
}

inline std::vector<Flush> FlushesOf(const Machine& m) {
  std::vector<Flush> out;
  for (const LogRec& r : m.log()) {
    if (r.prim == Prim::kFlushRange) {
      out.push_back({r.addr, r.end, r.stride, r.last_level, r.tlb_level, r.sync});
    }
  }
  return out;
}

inline size_t CountPrim(const Machine& m, Prim p) {
  size_t n = 0;
  for (const LogRec& r : m.log()) n += r.prim == p;
  return n;
}

// A fresh machine of one granule; entries are addressed by index in mm 0
// unless another mm is named.
class MachineFixture {
 public:
  explicit MachineFixture(ptediff_granule g, uint32_t features = PTEDIFF_FEAT_HAFDBS)
      : geo_(ptediff_geometry_of(g)), folios_(geo_), m_(geo_, features, &folios_) {}

  ptediff_machine* abi() { return m_.abi(); }
  ptediff_mm* mm(uint32_t id = kUserMm) { return m_.mm(id); }
  uint64_t page() const { return ptediff_page_size(&geo_); }
  uint64_t pmd() const { return ptediff_pmd_size(&geo_); }
  uint64_t block() const { return ptediff_cont_pte_size(&geo_); }
  uint32_t cont() const { return geo_.cont_ptes; }
  uint64_t va(uint64_t index) const { return index * page(); }
  pte_t entry(uint64_t pfn, pte_t prot) const { return pfn_pte(&geo_, pfn, prot); }
  void poke(uint64_t index, pte_t v, uint32_t id = kUserMm) { m_.poke(id, va(index), v); }
  pte_t peek(uint64_t index, uint32_t id = kUserMm) const { return m_.peek(id, va(index)); }
  // Fills block `b` with a valid+CONT mapping of pfns from `pfn`, prot `prot`.
  void poke_cont_block(uint64_t b, uint64_t pfn, pte_t prot) {
    for (uint64_t i = 0; i < cont(); ++i) poke(b * cont() + i, entry(pfn + i, prot | PTE_CONT));
  }

 protected:
  ptediff_geometry geo_;
  FolioMap folios_;
  Machine m_;
};

}  // namespace ptediff

#endif  // PTEDIFF_MMU_TEST_FIXTURE_H_
