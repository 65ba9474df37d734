// ptediff hugetlb: the reference backend (R), per entry.
//
// The obvious implementation of the hugetlb API the optimized backend is
// compared with. It never looks at an entry's CONT bit to learn a size: the
// VMA's huge page size (init's hsize) says how many entries a huge page has.
// Anything that replaces a present translation clears every entry of the
// huge page and flushes the whole mm's TLB before it writes; permission and
// access-flag changes that only relax or tighten one entry's bits are done
// in place, entry by entry (no output address or size changes, so no
// break-before-make is needed: ARM DDI 0487 requires it for changes of the
// output address or the contiguous bit). Its logical state of a huge page
// is the entries' values with young/dirty ORed over the range, the state
// huge_ptep_get gathers.
#include <memory>

#include "subjects/hugetlb/hstate.h"
#include "subjects/hugetlb/hw.h"
#include "mmu/locks.h"
#include "ptediff/backend_v2.h"

namespace ptediff::hugetlb {
namespace {

struct Range {
  uint32_t n = 1;       // entries of one huge page
  uint64_t pgsize = 0;  // bytes each maps
  int level = kPteLevel;
};

// The shape of a huge page of `bytes` (the architecture's four sizes).
Range range_of(const ptediff_geometry& g, uint64_t bytes) {
  const uint64_t page = 1ULL << g.page_shift, pmd = 1ULL << g.pmd_shift;
  if (bytes == pud_size(g)) return {1, bytes, kPudLevel};
  if (bytes >= pmd) return {static_cast<uint32_t>(bytes / pmd), pmd, kPmdLevel};
  return {static_cast<uint32_t>(bytes / page), page, kPteLevel};
}

Range vma_range(const ptediff_machine* m) {
  return range_of(m->geo, *static_cast<uint64_t*>(m->backend_priv));
}

// Entry i of a huge page whose first entry is `first`: a present one maps
// pfn + i * dpfn, anything else is repeated.
pte_t nth(const ptediff_machine* m, const Range& r, pte_t first, uint32_t i) {
  if (!pte_present(first)) return first;
  const uint64_t dpfn = r.pgsize >> m->geo.page_shift;
  return pfn_pte(&m->geo, pte_pfn(&m->geo, first) + i * dpfn, pte_pgprot(&m->geo, first));
}

int ref_huge_pte_offset(const ptediff_machine* m, ptediff_mm*, uint64_t, uint64_t sz) {
  return range_of(m->geo, sz).level;
}

pte_t ref_arch_make_huge_pte(const ptediff_machine* m, ptediff_mm*, pte_t entry, uint64_t sz) {
  const Range r = range_of(m->geo, sz);
  entry = pte_mkhuge(entry);
  if (r.n == 1) return entry;
  return r.level == kPteLevel ? pte_mkcont(entry) : entry | PTE_CONT;
}

pte_t ref_huge_ptep_get(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, int level) {
  const Hw hw{m, mm};
  const Range r = vma_range(m);
  pte_t pte = hw.get(addr, level);
  if (!pte_present(pte)) return pte;
  for (uint32_t i = 1; i < r.n; ++i) {
    const pte_t e = hw.get(addr + i * r.pgsize, level);
    if (pte_young(e)) pte = pte_mkyoung(pte);
    if (pte_dirty(e)) pte = pte_mkdirty(pte);
  }
  return pte;
}

pte_t ref_huge_ptep_get_and_clear(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr,
                                  int level, uint64_t sz) {
  const Hw hw{m, mm};
  const Range r = range_of(m->geo, sz);
  pte_t pte = hw.get_and_clear(addr, level);
  for (uint32_t i = 1; i < r.n; ++i) {
    const pte_t e = hw.get_and_clear(addr + i * r.pgsize, level);
    if (pte_present(pte) && pte_young(e)) pte = pte_mkyoung(pte);
    if (pte_present(pte) && pte_dirty(e)) pte = pte_mkdirty(pte);
  }
  return pte;
}

void ref_set_huge_pte_at(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, int level,
                         pte_t pte, uint64_t sz) {
  const Hw hw{m, mm};
  const Range r = range_of(m->geo, sz);
  if (pte_present(pte)) {
    ref_huge_ptep_get_and_clear(m, mm, addr, level, sz);
    m->flush_tlb_mm(m, mm);
  }
  for (uint32_t i = 0; i < r.n; ++i) hw.set(addr + i * r.pgsize, level, nth(m, r, pte, i));
}

pte_t ref_huge_ptep_clear_flush(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr,
                                int level) {
  const pte_t pte =
      ref_huge_ptep_get_and_clear(m, mm, addr, level, *static_cast<uint64_t*>(m->backend_priv));
  m->flush_tlb_mm(m, mm);
  return pte;
}

// Each entry takes the access flags and write permission of its own share
// of `pte` in place; the result reports whether any entry's write, young
// or dirty state differed from pte's (the kernel's notion of "changed").
int ref_huge_ptep_set_access_flags(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr,
                                   int level, pte_t pte, int dirty) {
  const Hw hw{m, mm};
  const Range r = vma_range(m);
  bool changed = pte_write(hw.get(addr, level)) != pte_write(pte);
  for (uint32_t i = 0; i < r.n; ++i) {
    const pte_t e = hw.get(addr + i * r.pgsize, level);
    changed |= pte_young(e) != pte_young(pte) || pte_dirty(e) != pte_dirty(pte);
  }
  if (r.n == 1) return hw.set_access_flags(addr, level, pte, dirty);
  if (!changed) return 0;
  for (uint32_t i = 0; i < r.n; ++i) {
    hw.set_access_flags(addr + i * r.pgsize, level, nth(m, r, pte, i), dirty);
  }
  return 1;
}

void ref_huge_ptep_set_wrprotect(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr,
                                 int level) {
  const Hw hw{m, mm};
  const Range r = vma_range(m);
  for (uint32_t i = 0; i < r.n; ++i) hw.set_wrprotect(addr + i * r.pgsize, level);
}

void ref_huge_pte_clear(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, int level,
                        uint64_t sz) {
  const Hw hw{m, mm};
  const Range r = range_of(m->geo, sz);
  for (uint32_t i = 0; i < r.n; ++i) hw.set(addr + i * r.pgsize, level, 0);
}

pte_t ref_huge_ptep_modify_prot_start(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr,
                                      int level, uint64_t sz) {
  return ref_huge_ptep_get_and_clear(m, mm, addr, level, sz);
}

void ref_huge_ptep_modify_prot_commit(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr,
                                      int level, pte_t, pte_t pte, uint64_t sz) {
  ref_set_huge_pte_at(m, mm, addr, level, pte, sz);
}

void ref_flush_hugetlb_tlb_range(const ptediff_machine* m, ptediff_mm* mm, uint64_t, uint64_t,
                                 uint64_t) {
  m->flush_tlb_mm(m, mm);
}

// The lock core-mm takes for the entries' table: pte_offset_map_lock's for
// a PTE, pmd_lock's for a PMD, pud_lock's (the mm's) for a PUD.
uint64_t ref_huge_pte_lockptr(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, int level,
                              uint64_t) {
  if (level == kPudLevel) return m->mm_lock(m, mm);
  return m->ptlock_ptr(m, m->ptep_of(m, mm, addr, level));
}

int ref_init(ptediff_machine* m, const char* options) {
  BackendOptions o;
  if (!parse_backend_options(m, options, &o)) return 1;
  m->backend_priv = new uint64_t(o.hsize);
  return 0;
}

void ref_fini(ptediff_machine* m) {
  delete static_cast<uint64_t*>(m->backend_priv);
  m->backend_priv = nullptr;
}

const ptediff_backend_v2 kReference = {
    .abi_version = PTEDIFF_ABI_VERSION_V2,
    .name = "hugetlb-reference",
    .init = ref_init,
    .fini = ref_fini,
#define PTEDIFF_HUGETLB_API(ret, name, params, args) .name = ref_##name,
#include "ptediff/hugetlb_api.def"
#undef PTEDIFF_HUGETLB_API
};

}  // namespace

const ptediff_backend_v2* hugetlb_reference_backend() { return &kReference; }

}  // namespace ptediff::hugetlb
