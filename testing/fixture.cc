// ptediff: the unit-test fixtures (testing/fixture.h).
#include "testing/fixture.h"

namespace ptediff {

std::string GranuleName(const ::testing::TestParamInfo<ptediff_granule>& info) {
  switch (info.param) {
    case PTEDIFF_GRANULE_4K:
      return "4K";
    case PTEDIFF_GRANULE_16K:
      return "16K";
    case PTEDIFF_GRANULE_64K:
      return "64K";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, const Flush& f) {
  return os << "flush[" << std::hex << f.start << ", " << f.end << ") stride " << f.stride
            << std::dec << " last=" << f.last_level << " level=" << f.level << " sync=" << f.sync;
}

MachineFixture::MachineFixture(ptediff_granule g, uint32_t features)
    : geo_(ptediff_geometry_of(g)), folios_(geo_), m_(geo_, features, &folios_) {}

void MachineFixture::poke_range(uint64_t addr, uint64_t pfn0, uint64_t nr, pte_t prot,
                                uint32_t id) {
  for (uint64_t i = 0; i < nr; ++i) poke(addr + i * page(), entry(pfn0 + i, prot), id);
}

ptediff_folio MachineFixture::block_folio(Placement where) {
  return folios_.alloc(__builtin_ctz(cont()), where);
}

std::vector<pte_t> MachineFixture::block_entries(uint64_t addr, uint32_t id) const {
  std::vector<pte_t> v;
  for (unsigned i = 0; i < cont(); ++i) v.push_back(peek(addr + i * page(), id));
  return v;
}

unsigned MachineFixture::cont_count(uint64_t addr, uint32_t id) const {
  unsigned k = 0;
  for (pte_t p : block_entries(addr, id)) k += pte_cont(p) ? 1 : 0;
  return k;
}

std::vector<Flush> MachineFixture::flushes() const {
  std::vector<Flush> out;
  for (const LogRec& r : m_.log()) {
    if (r.prim == Prim::kFlushRange) {
      out.push_back({r.addr, r.end, r.stride, r.last_level, r.tlb_level, r.sync});
    }
  }
  return out;
}

size_t MachineFixture::count(Prim p) const {
  size_t n = 0;
  for (const LogRec& r : m_.log()) n += r.prim == p ? 1 : 0;
  return n;
}

Flush MachineFixture::page_flush(uint64_t addr, bool sync) const {
  return {addr, addr + page(), page(), true, kPteLevel, sync};
}

Flush MachineFixture::block_flush(uint64_t addr, bool sync) const {
  const uint64_t s = addr & ~(block() - 1);
  return {s, s + block(), page(), true, kPteLevel, sync};
}

BackendFixture::BackendFixture(ptediff_granule g, const ptediff_backend* be, const char* options,
                               uint32_t features)
    : MachineFixture(g, features),
      be_(be),
      init_rc_(be->init != nullptr ? be->init(abi(), options) : 0),
      api_(m_, *be) {}

BackendFixture::~BackendFixture() {
  if (be_->fini != nullptr) be_->fini(abi());
}

}  // namespace ptediff
