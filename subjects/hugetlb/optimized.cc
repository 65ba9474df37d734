// ptediff hugetlb: the optimized backend (O), arm64's hugetlbpage.c.
//
// Each function follows its arch/arm64/mm/hugetlbpage.c (6.12, with the
// fixes of 49c87f767774 and eed6bfa8b282) namesake over machine v2: the
// kernel's `ptep` is (addr, level), and `ptep++` is the next entry of the
// same level, pgsize further. Contiguous sizes (CONT_PTE, CONT_PMD) are
// changed with break-before-make: the whole range is cleared and flushed
// before any entry is rewritten (ARM DDI 0487, "Misprogramming of the
// Contiguous bit"). Named mutants (mutants.def) inject the bugs the gate
// must catch; each is marked where it applies.
#include <memory>

#include "mmu/locks.h"
#include "ptediff/backend_v2.h"
#include "subjects/hugetlb/hw.h"
#include "subjects/hugetlb/mutants.h"

namespace ptediff::hugetlb {
namespace {

struct OptState {
  uint64_t hsize = 0;  // the VMA's huge_page_size (hstate_vma)
  Mutant mutant = Mutant::kNone;
};

OptState& state(const ptediff_machine* m) { return *static_cast<OptState*>(m->backend_priv); }
bool mutant(const ptediff_machine* m, Mutant x) { return state(m).mutant == x; }

uint64_t page_size(const ptediff_machine* m) { return 1ULL << m->geo.page_shift; }
uint64_t pmd_size(const ptediff_machine* m) { return 1ULL << m->geo.pmd_shift; }
uint64_t cont_pte_size(const ptediff_machine* m) { return m->geo.cont_ptes * page_size(m); }
uint64_t cont_pmd_size(const ptediff_machine* m) { return m->geo.cont_pmds * pmd_size(m); }

// find_num_contig: the entries and their size for a contiguous `ptep`: a
// PMD pointer means CONT_PMDS of PMD_SIZE, anything else CONT_PTES pages.
uint32_t find_num_contig(const ptediff_machine* m, int level, uint64_t* pgsize) {
  if (level == kPmdLevel) {
    *pgsize = pmd_size(m);
    // Mutant cont-pmd-num-contig: the PTE count for a PMD range.
    return mutant(m, Mutant::kContPmdNumContig) ? m->geo.cont_ptes : m->geo.cont_pmds;
  }
  *pgsize = page_size(m);
  return m->geo.cont_ptes;
}

// num_contig_ptes: the same from a huge page size.
uint32_t num_contig_ptes(const ptediff_machine* m, uint64_t size, uint64_t* pgsize) {
  *pgsize = size;
  if (size == cont_pmd_size(m)) {
    *pgsize = pmd_size(m);
    return mutant(m, Mutant::kContPmdNumContig) ? m->geo.cont_ptes : m->geo.cont_pmds;
  }
  if (size == cont_pte_size(m)) {
    *pgsize = page_size(m);
    return m->geo.cont_ptes;
  }
  return 1;
}

// One entry of a break: __ptep_get_and_clear, an exchange, so a hardware
// access/dirty update lands either before it (and is returned) or on the
// cleared entry (and faults). `plain` (mutants *-read-then-clear): a read
// and a plain store of 0, the same single-threaded, but an update between
// the two is lost.
pte_t take_entry(const Hw& hw, uint64_t addr, int level, bool plain) {
  if (!plain) return hw.get_and_clear(addr, level);
  const pte_t pte = hw.get(addr, level);
  hw.set(addr, level, 0);
  return pte;
}

// get_clear_contig: the break step. Clears every entry and gathers
// young/dirty into the first one's value when it is present ("If HW_AFDBM is
// enabled, then the HW could turn on the dirty or accessed bit for any page
// in the set, so check them all").
pte_t get_clear_contig(const Hw& hw, uint64_t addr, int level, uint64_t pgsize, uint32_t n,
                       bool plain = false) {
  pte_t pte = take_entry(hw, addr, level, plain);
  const bool present = pte_present(pte);
  while (--n) {
    addr += pgsize;
    const pte_t tmp = take_entry(hw, addr, level, plain);
    if (present) {
      if (pte_dirty(tmp)) pte = pte_mkdirty(pte);
      if (pte_young(tmp)) pte = pte_mkyoung(pte);
    }
  }
  return pte;
}

// get_clear_contig_flush: the break step and the TLB invalidation of the
// range (flush_tlb_range: page stride, level unknown).
pte_t get_clear_contig_flush(const Hw& hw, uint64_t addr, int level, uint64_t pgsize, uint32_t n,
                             bool plain = false) {
  const pte_t pte = get_clear_contig(hw, addr, level, pgsize, n, plain);
  hw.flush_range(addr, addr + pgsize * n, hw.page_size(), kTtlUnknown);
  return pte;
}

// Writes n entries from pfn with `prot` (the make step).
void set_contig(const Hw& hw, uint64_t addr, int level, uint64_t pgsize, uint32_t n, pte_t pte) {
  const uint64_t dpfn = pgsize >> hw.m->geo.page_shift;
  uint64_t pfn = pte_pfn(&hw.m->geo, pte);
  const pte_t prot = pte_pgprot(&hw.m->geo, pte);
  for (uint32_t i = 0; i < n; ++i, addr += pgsize, pfn += dpfn) {
    hw.set(addr, level, pfn_pte(&hw.m->geo, pfn, prot));
  }
}

int opt_huge_pte_offset(const ptediff_machine* m, ptediff_mm*, uint64_t, uint64_t sz) {
  if (sz == pud_size(m->geo)) return kPudLevel;
  if (sz == pmd_size(m) || sz == cont_pmd_size(m)) return kPmdLevel;
  return sz == cont_pte_size(m) ? kPteLevel : 0;
}

pte_t opt_arch_make_huge_pte(const ptediff_machine* m, ptediff_mm*, pte_t entry, uint64_t sz) {
  entry = pte_mkhuge(entry);
  if (sz == cont_pte_size(m)) return pte_mkcont(entry);
  if (sz == cont_pmd_size(m)) return entry | PTE_CONT;  // pmd_mkcont
  return entry;
}

// set_huge_pte_at: non-present values go to every entry as they are; a
// present contiguous one is installed after clear_flush of the range.
void opt_set_huge_pte_at(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, int level,
                         pte_t pte, uint64_t sz) {
  const Hw hw{m, mm};
  uint64_t pgsize;
  const uint32_t n = num_contig_ptes(m, sz, &pgsize);
  if (!pte_present(pte)) {
    for (uint32_t i = 0; i < n; ++i, addr += pgsize) hw.set(addr, level, pte);
    return;
  }
  if (!pte_cont(pte)) {
    hw.set(addr, level, pte);
    return;
  }
  for (uint32_t i = 0; i < n; ++i) hw.get_and_clear(addr + i * pgsize, level);  // clear_flush
  hw.flush_range(addr, addr + n * pgsize, hw.page_size(), kTtlUnknown);
  set_contig(hw, addr, level, pgsize, n, pte);
}

// huge_ptep_get: the first entry, with young/dirty gathered over a present
// contiguous range.
pte_t opt_huge_ptep_get(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, int level) {
  const Hw hw{m, mm};
  pte_t orig = hw.get(addr, level);
  if (!pte_present(orig) || !pte_cont(orig)) return orig;
  uint64_t pgsize;
  const uint32_t n = num_contig_ptes(m, state(m).hsize, &pgsize);  // page_size(pte_page())
  for (uint32_t i = 0; i < n; ++i, addr += pgsize) {
    const pte_t pte = hw.get(addr, level);
    if (pte_dirty(pte)) orig = pte_mkdirty(orig);
    if (pte_young(pte)) orig = pte_mkyoung(orig);
  }
  return orig;
}

void opt_huge_pte_clear(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, int level,
                        uint64_t sz) {
  const Hw hw{m, mm};
  uint64_t pgsize;
  const uint32_t n = num_contig_ptes(m, sz, &pgsize);
  for (uint32_t i = 0; i < n; ++i, addr += pgsize) hw.set(addr, level, 0);
}

// huge_ptep_get_and_clear: the range is sized by `sz`, never by the entry,
// which may be non-present (49c87f767774: move_huge_pte meets migration
// entries and markers).
pte_t opt_huge_ptep_get_and_clear(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr,
                                  int level, uint64_t sz) {
  const Hw hw{m, mm};
  uint64_t pgsize;
  if (mutant(m, Mutant::kGetClearNonpresent)) {
    // Before the fix: a non-CONT entry (a non-present one included) is one entry.
    if (!pte_cont(hw.get(addr, level))) return hw.get_and_clear(addr, level);
    const uint32_t n = find_num_contig(m, level, &pgsize);
    return get_clear_contig(hw, addr, level, pgsize, n);
  }
  const uint32_t n = num_contig_ptes(m, sz, &pgsize);
  return get_clear_contig(hw, addr, level, pgsize, n);
}

// __cont_access_flags_changed: write permission on the first entry, dirty
// and young on every one.
bool cont_access_flags_changed(const Hw& hw, uint64_t addr, int level, uint64_t pgsize, uint32_t n,
                               pte_t pte) {
  if (pte_write(pte) != pte_write(hw.get(addr, level))) return true;
  for (uint32_t i = 0; i < n; ++i) {
    const pte_t orig = hw.get(addr + i * pgsize, level);
    if (pte_dirty(pte) != pte_dirty(orig) || pte_young(pte) != pte_young(orig)) return true;
  }
  return false;
}

int opt_huge_ptep_set_access_flags(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr,
                                   int level, pte_t pte, int dirty) {
  const Hw hw{m, mm};
  if (!pte_cont(pte)) return hw.set_access_flags(addr, level, pte, dirty);
  uint64_t pgsize;
  const uint32_t n = find_num_contig(m, level, &pgsize);
  if (!cont_access_flags_changed(hw, addr, level, pgsize, n, pte)) return 0;
  // Mutant huge-access-flags-read-then-clear: the break from plain accesses.
  const pte_t orig = get_clear_contig_flush(hw, addr, level, pgsize, n,
                                            mutant(m, Mutant::kAccessFlagsReadThenClear));
  // Keep the dirty and young state the break gathered (mutant
  // access-flags-drop-dirty forgets the dirty half).
  if (pte_dirty(orig) && !mutant(m, Mutant::kAccessFlagsDropDirty)) pte = pte_mkdirty(pte);
  if (pte_young(orig)) pte = pte_mkyoung(pte);
  set_contig(hw, addr, level, pgsize, n, pte);
  return 1;
}

void opt_huge_ptep_set_wrprotect(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr,
                                 int level) {
  const Hw hw{m, mm};
  // Mutant wrprotect-one-entry: a contiguous range handled as one entry.
  if (!pte_cont(hw.get(addr, level)) || mutant(m, Mutant::kWrprotectOneEntry)) {
    hw.set_wrprotect(addr, level);
    return;
  }
  uint64_t pgsize;
  const uint32_t n = find_num_contig(m, level, &pgsize);
  // Mutant huge-wrprotect-read-then-clear: the break from plain accesses.
  const pte_t pte = pte_wrprotect(get_clear_contig_flush(
      hw, addr, level, pgsize, n, mutant(m, Mutant::kWrprotectReadThenClear)));
  set_contig(hw, addr, level, pgsize, n, pte);
}

// huge_ptep_clear_flush: a single entry goes through ptep_clear_flush
// (flush_tlb_page when it was accessible), a range through
// get_clear_contig_flush.
pte_t opt_huge_ptep_clear_flush(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr,
                                int level) {
  const Hw hw{m, mm};
  if (!pte_cont(hw.get(addr, level))) {
    const pte_t pte = hw.get_and_clear(addr, level);
    if (pte_valid(pte)) hw.flush_page(addr);
    return pte;
  }
  uint64_t pgsize;
  const uint32_t n = find_num_contig(m, level, &pgsize);
  return get_clear_contig_flush(hw, addr, level, pgsize, n);
}

// huge_ptep_modify_prot_start / commit (erratum 2645198 not modelled).
pte_t opt_huge_ptep_modify_prot_start(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr,
                                      int level, uint64_t sz) {
  return opt_huge_ptep_get_and_clear(m, mm, addr, level, sz);
}
void opt_huge_ptep_modify_prot_commit(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr,
                                      int level, pte_t, pte_t pte, uint64_t sz) {
  opt_set_huge_pte_at(m, mm, addr, level, pte, sz);
}

// flush_hugetlb_tlb_range: the stride and level hint of the hstate's
// entries (eed6bfa8b282: contiguous sizes at their own level; an unknown
// size gets TLBI_TTL_UNKNOWN, never 0, which LPA2 reads as level 0).
void opt_flush_hugetlb_tlb_range(const ptediff_machine* m, ptediff_mm* mm, uint64_t start,
                                 uint64_t end, uint64_t sz) {
  const Hw hw{m, mm};
  if (mutant(m, Mutant::kFlushLevelZero)) {  // 6.12 as released
    if (sz == pmd_size(m)) return hw.flush_range(start, end, sz, kPmdLevel);
    if (sz == pud_size(m->geo)) return hw.flush_range(start, end, sz, kPudLevel);
    return hw.flush_range(start, end, page_size(m), 0);
  }
  if (sz == pud_size(m->geo)) return hw.flush_range(start, end, sz, kPudLevel);
  if (sz == pmd_size(m) || sz == cont_pmd_size(m)) {
    return hw.flush_range(start, end, pmd_size(m), kPmdLevel);
  }
  if (sz == cont_pte_size(m)) return hw.flush_range(start, end, page_size(m), kPteLevel);
  hw.flush_range(start, end, page_size(m), kTtlUnknown);
}

// huge_pte_lockptr (include/linux/hugetlb.h since "mm/hugetlb: fix hugetlb
// vs. core-mm PT locking"): the lock core-mm's walkers take for the same
// entries: PUD sizes the mm's page_table_lock (pud_lockptr), PMD sizes the
// PMD table's split lock, smaller sizes the PTE table's own split lock.
uint64_t opt_huge_pte_lockptr(const ptediff_machine* m, ptediff_mm* mm, uint64_t addr, int level,
                              uint64_t sz) {
  if (sz >= pud_size(m->geo)) return m->mm_lock(m, mm);
  if (mutant(m, Mutant::kLockContPteMm) && sz != pmd_size(m)) {
    return m->mm_lock(m, mm);  // before the fix: PMD_SIZE split, the rest mm-wide
  }
  if (sz >= pmd_size(m)) return m->ptlock_ptr(m, m->ptep_of(m, mm, addr, level));
  if (mutant(m, Mutant::kLockTemporaryMapping)) {
    return m->ptlock_ptr(m, m->pte_offset_map(m, mm, addr));  // virt_to_ptdesc of a kmap address
  }
  return m->ptlock_ptr(m, m->ptep_of(m, mm, addr, level));
}

int opt_init(ptediff_machine* m, const char* options) {
  BackendOptions o;
  if (!parse_backend_options(m, options, &o)) return 1;
  auto st = std::make_unique<OptState>();
  st->hsize = o.hsize;
  if (!find_mutant(o.mutant, &st->mutant)) {
    m->contract_error(m, "unknown hugetlb mutant");
    return 1;
  }
  m->backend_priv = st.release();
  return 0;
}

void opt_fini(ptediff_machine* m) {
  delete static_cast<OptState*>(m->backend_priv);
  m->backend_priv = nullptr;
}

const ptediff_backend_v2 kOptimized = {
    .abi_version = PTEDIFF_ABI_VERSION_V2,
    .name = "hugetlb-arm64",
    .init = opt_init,
    .fini = opt_fini,
#define PTEDIFF_HUGETLB_API(ret, name, params, args) .name = opt_##name,
#include "ptediff/hugetlb_api.def"
#undef PTEDIFF_HUGETLB_API
};

}  // namespace

const ptediff_backend_v2* hugetlb_optimized_backend() { return &kOptimized; }

}  // namespace ptediff::hugetlb
