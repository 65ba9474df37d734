// ptediff optimized backend tests: a machine with the optimized backend
// initialised on it, and helpers to hand-build page-table states.
#ifndef PTEDIFF_OPTIMIZED_TEST_RIG_H_
#define PTEDIFF_OPTIMIZED_TEST_RIG_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "mmu/granule_test_util.h"
#include "mmu/folio.h"
#include "mmu/machine.h"
#include "optimized/contpte.h"
#include "ptediff/backend.h"

namespace ptediff::testing {

// A user read-write page mapping, old and clean (as a fault maps it before
// the hardware touches it: AF set by the kernel is added explicitly).
inline constexpr pte_t kProtRw =
    PTE_TYPE_PAGE | PTE_USER | PTE_SHARED | PTE_NG | PTE_WRITE | PTE_RDONLY | PTE_UXN;
// Same, accessed.
inline constexpr pte_t kProtRwYoung = kProtRw | PTE_AF;

// The entry as the hardware leaves it after a write through a writable-clean
// entry (DBM): RDONLY cleared.
inline constexpr pte_t hw_dirty(pte_t p) { return p & ~PTE_RDONLY; }

// One flush_tlb_range as recorded in the log.
struct Flush {
  uint64_t start, end, stride;
  bool sync;
  bool operator==(const Flush&) const = default;
};

inline void PrintTo(const Flush& f, std::ostream* os) {
  *os << std::hex << "{0x" << f.start << ", 0x" << f.end << ", 0x" << f.stride << ", "
      << (f.sync ? "sync" : "nosync") << "}";
}

class Rig {
 public:
  explicit Rig(ptediff_granule g, const char* options = "", uint32_t features = PTEDIFF_FEAT_HAFDBS)
      : geo(ptediff_geometry_of(g)), folios(geo), machine(geo, features, &folios) {
    be = ptediff_optimized_backend();
    init_rc = be->init(m(), options);
  }
  ~Rig() { be->fini(m()); }
  Rig(const Rig&) = delete;
  Rig& operator=(const Rig&) = delete;

  ptediff_machine* m() { return machine.abi(); }
  ptediff_mm* mm(uint32_t id = kUserMm) { return machine.mm(id); }
  uint64_t page() const { return ptediff_page_size(&geo); }
  uint64_t block() const { return ptediff_cont_pte_size(&geo); }
  unsigned n() const { return geo.cont_ptes; }
  uint64_t va(uint64_t block_index, uint64_t entry = 0) const {
    return block_index * block() + entry * page();
  }

  // The expected entry i of a block mapping `pfn0` onwards with `prot`.
  pte_t entry(uint64_t pfn0, uint64_t i, pte_t prot = kProtRwYoung) const {
    return pfn_pte(&geo, pfn0 + i, prot);
  }
  // Pokes nr consecutive entries (pfns from pfn0) without logging.
  void poke_range(uint32_t mmid, uint64_t va0, uint64_t pfn0, uint64_t nr, pte_t prot) {
    for (uint64_t i = 0; i < nr; ++i) machine.poke(mmid, va0 + i * page(), entry(pfn0, i, prot));
  }
  // Pokes a whole folded block (CONT set on every entry).
  void poke_block(uint32_t mmid, uint64_t va0, uint64_t pfn0, pte_t prot = kProtRwYoung) {
    poke_range(mmid, va0, pfn0, n(), prot | PTE_CONT);
  }
  // A folio covering exactly one block, in low (default) or high memory.
  ptediff_folio block_folio(Placement where = Placement::kLow) {
    return folios.alloc(__builtin_ctz(n()), where);
  }
  pte_t peek(uint64_t va0, uint32_t mmid = kUserMm) const { return machine.peek(mmid, va0); }
  // How many entries of the block at va0 have CONT set.
  unsigned cont_count(uint64_t va0, uint32_t mmid = kUserMm) const {
    unsigned k = 0;
    for (unsigned i = 0; i < n(); ++i) k += pte_cont(peek(va0 + i * page(), mmid)) ? 1 : 0;
    return k;
  }
  std::vector<pte_t> block_entries(uint64_t va0, uint32_t mmid = kUserMm) const {
    std::vector<pte_t> v;
    for (unsigned i = 0; i < n(); ++i) v.push_back(peek(va0 + i * page(), mmid));
    return v;
  }

  // Shorthands for the calls most tests make.
  void set_ptes(uint64_t va0, pte_t pte, unsigned nr = 1, uint32_t mmid = kUserMm) {
    be->set_ptes(m(), mm(mmid), va0, pte, nr);
  }
  pte_t ptep_get(uint64_t va0, uint32_t mmid = kUserMm) { return be->ptep_get(m(), mm(mmid), va0); }

  std::vector<Flush> flushes() const {
    std::vector<Flush> v;
    for (const LogRec& r : machine.log()) {
      if (r.prim == Prim::kFlushRange) {
        EXPECT_TRUE(r.last_level);
        EXPECT_EQ(r.tlb_level, 3);
        v.push_back({r.addr, r.end, r.stride, r.sync});
      }
    }
    return v;
  }
  size_t count(Prim p) const {
    size_t k = 0;
    for (const LogRec& r : machine.log()) k += r.prim == p ? 1 : 0;
    return k;
  }
  Flush block_flush(uint64_t va0, bool sync) const {
    const uint64_t s = va0 & ~(block() - 1);
    return {s, s + block(), page(), sync};
  }
  Flush page_flush(uint64_t va0, bool sync) const { return {va0, va0 + page(), page(), sync}; }

  ptediff_geometry geo;
  FolioMap folios;
  Machine machine;
  const ptediff_backend* be;
  int init_rc;
};

}  // namespace ptediff::testing

#endif  // PTEDIFF_OPTIMIZED_TEST_RIG_H_
