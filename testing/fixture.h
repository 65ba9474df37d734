// ptediff: the unit-test fixtures of mmu/, reference/ and optimized/: a
// machine per granule with hand-built user entries and decoders of its
// primitive log (MachineFixture), and the same with a backend bound to it
// (BackendFixture): the reference, the optimized one with its options
// (profile, mutant) or an external one. The conformance tests use
// BackendFixture too.
#ifndef PTEDIFF_TESTING_FIXTURE_H_
#define PTEDIFF_TESTING_FIXTURE_H_

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "subjects/contpte/api.h"
#include "mmu/folio.h"
#include "mmu/machine.h"
#include "ptediff/backend.h"
#include "ptediff/pte.h"

namespace ptediff {

// ---------------------------------------------------------------- granules

inline constexpr ptediff_granule kAllGranules[] = {PTEDIFF_GRANULE_4K, PTEDIFF_GRANULE_16K,
                                                   PTEDIFF_GRANULE_64K};

// "4K" / "16K" / "64K": the test-name suffix of a granule parameter.
std::string GranuleName(const ::testing::TestParamInfo<ptediff_granule>& info);

// ---------------------------------------------------------------- entries

// Protections of a user page (AttrIndx 0, inner shareable, non-global, UXN).
inline constexpr pte_t kUserBase =
    PTE_VALID | PTE_TYPE_PAGE | PTE_USER | PTE_SHARED | PTE_NG | PTE_UXN;
// Read-write, young and clean (writable-clean: DBM lets the hardware dirty it).
inline constexpr pte_t kRwClean = kUserBase | PTE_AF | PTE_WRITE | PTE_RDONLY;
// Read-write, old and clean: as a fault maps it before the hardware touches it.
inline constexpr pte_t kRwOld = kRwClean & ~PTE_AF;
// The entry as the hardware leaves it after a write through a writable-clean
// entry (DBM): RDONLY cleared.
inline constexpr pte_t hw_dirty(pte_t p) { return p & ~PTE_RDONLY; }
inline constexpr pte_t kRwHwDirty = hw_dirty(kRwClean);  // young, hardware dirty
inline constexpr pte_t kRoYoung = kUserBase | PTE_AF | PTE_RDONLY;
inline constexpr uint64_t kPfn = 0x10040;  // an arbitrary low pfn

// ---------------------------------------------------------------- the log

// One flush_tlb_range call as logged.
struct Flush {
  uint64_t start, end, stride;
  bool last_level;
  int level;
  bool sync;
  bool operator==(const Flush&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Flush& f);

// ---------------------------------------------------------------- fixtures

// A fresh machine of one granule. Entries are addressed by virtual address in
// mm 0 unless another mm is named; va() and block_va() name the addresses.
// Use it as a base of a test fixture (the members are protected) or as a
// local object (through the accessors).
class MachineFixture {
 public:
  explicit MachineFixture(ptediff_granule g, uint32_t features = PTEDIFF_FEAT_HAFDBS);
  MachineFixture(const MachineFixture&) = delete;
  MachineFixture& operator=(const MachineFixture&) = delete;

  Machine& machine() { return m_; }
  const Machine& machine() const { return m_; }
  FolioMap& folios() { return folios_; }
  const ptediff_geometry& geo() const { return geo_; }
  ptediff_machine* abi() { return m_.abi(); }
  ptediff_mm* mm(uint32_t id = kUserMm) { return m_.mm(id); }

  uint64_t page() const { return ptediff_page_size(&geo_); }
  uint64_t pmd() const { return ptediff_pmd_size(&geo_); }
  uint64_t block() const { return ptediff_cont_pte_size(&geo_); }
  // Entries per contiguous block.
  uint32_t cont() const { return geo_.cont_ptes; }
  // The address of page `index`.
  uint64_t va(uint64_t index) const { return index * page(); }
  // The address of entry `i` of contiguous block `b`.
  uint64_t block_va(uint64_t b, uint64_t i = 0) const { return b * block() + i * page(); }

  // The entry mapping `pfn` with `prot`.
  pte_t entry(uint64_t pfn, pte_t prot = kRwClean) const { return pfn_pte(&geo_, pfn, prot); }
  // Writes / reads the entry at `addr` without logging.
  void poke(uint64_t addr, pte_t v, uint32_t id = kUserMm) { m_.poke(id, addr, v); }
  pte_t peek(uint64_t addr, uint32_t id = kUserMm) const { return m_.peek(id, addr); }
  // Pokes `nr` consecutive entries from `addr`, pfns from `pfn0`, prot `prot`.
  void poke_range(uint64_t addr, uint64_t pfn0, uint64_t nr, pte_t prot, uint32_t id = kUserMm);
  // Pokes a whole folded block from `addr` (CONT added to every entry).
  void poke_block(uint64_t addr, uint64_t pfn0, pte_t prot = kRwClean, uint32_t id = kUserMm) {
    poke_range(addr, pfn0, cont(), prot | PTE_CONT, id);
  }
  // A folio covering exactly one block, in low (default) or high memory.
  ptediff_folio block_folio(Placement where = Placement::kLow);
  // The entries of the block at `addr`, and how many of them have CONT.
  std::vector<pte_t> block_entries(uint64_t addr, uint32_t id = kUserMm) const;
  unsigned cont_count(uint64_t addr, uint32_t id = kUserMm) const;

  // The flush_tlb_range calls of the log (the current op), and how many
  // records of primitive `p` it holds.
  std::vector<Flush> flushes() const;
  size_t count(Prim p) const;
  // The flush flush_tlb_page / flush_tlb_page_nosync issue for `addr`, and
  // the one a contpte block operation issues for the block containing it.
  Flush page_flush(uint64_t addr, bool sync) const;
  Flush block_flush(uint64_t addr, bool sync) const;

 protected:
  ptediff_geometry geo_;
  FolioMap folios_;
  Machine m_;
};

// A machine with one backend initialised on it (`options` passed to init;
// fini, where the backend has one, on destruction). api() makes the backend's
// calls with the machine filled in.
class BackendFixture : public MachineFixture {
 public:
  BackendFixture(ptediff_granule g, const ptediff_backend* be, const char* options = "",
                 uint32_t features = PTEDIFF_FEAT_HAFDBS);
  ~BackendFixture();

  const ptediff_backend* be() const { return be_; }
  // What the backend's init returned (0 on success).
  int init_rc() const { return init_rc_; }
  Api& api() { return api_; }

 private:
  const ptediff_backend* be_;
  int init_rc_;
  Api api_;
};

}  // namespace ptediff

#endif  // PTEDIFF_TESTING_FIXTURE_H_
