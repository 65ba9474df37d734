/* ptediff kernel linear-map shim: the kernel world's side of the v3 backend
 * (klm/entries.h), compiled in one unit with the extracted code (most of
 * mmu.c's block is static): each entry makes the call core code makes, on
 * the kernel mm of the current call (kernel/common/machine.c). The table
 * pages of the run (klm/kernel.h) are kept here too.
 */
#include <stdlib.h>

#include "klm/kernel.h"

_Thread_local struct klm_knobs klm_knobs;
char _stext[1], __init_begin[1];
/* The secondary CPUs' wait loop (arch/arm64/mm/proc.S) linear_map_split_to_ptes()
 * names: no secondary CPU runs here. */
void wait_linear_map_split_to_ptes(void) {}
/* mmu.c's lock of the fixmap slots (above the extracted block). */
static DEFINE_MUTEX(fixmap_lock);

/* Extracted verbatim (build folder). */
#include "mmu_split.c"
#include "pageattr.c"
#include "pagewalk.c"

/* ---- Table pages (klm/kernel.h). ---- */

/* One table page: its memory and, once installed, the fake pointer of the
 * machine entry its first entry stands for. Open addressing by address. */
struct klm_page {
  u64 *mem;
  uintptr_t alias;
};
#define KLM_MAX_PAGES 16384 /* a power of two above any window's tables */
static _Thread_local struct klm_page klm_pages[KLM_MAX_PAGES];
static _Thread_local unsigned klm_nr_pages;
/* The entries' poison: what a page the kernel did not fill holds. */
#define KLM_POISON 0x5a5a5a5a5a5a5a5aULL

static struct klm_page *klm_slot(uintptr_t page) {
  size_t i = (page >> 12) & (KLM_MAX_PAGES - 1);
  while (klm_pages[i].mem != NULL && (uintptr_t)klm_pages[i].mem != page)
    i = (i + 1) & (KLM_MAX_PAGES - 1);
  return &klm_pages[i];
}

struct ptdesc *klm_table_alloc(enum pgtable_level level) {
  const unsigned depth = level == PGTABLE_LEVEL_PTE ? 3 : level == PGTABLE_LEVEL_PMD ? 2 : 1;
  if (klm_knobs.alloc_failing & (1u << depth)) return NULL;
  if (klm_nr_pages >= KLM_MAX_PAGES / 2) {
    kshim_warn(__FILE__, __LINE__, "linear-map shim: out of table pages");
    return NULL;
  }
  u64 *mem = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
  if (mem == NULL) return NULL;
  for (int i = 0; i < PTRS_PER_PTE; i++) mem[i] = KLM_POISON;
  *klm_slot((uintptr_t)mem) = (struct klm_page){mem, 0};
  klm_nr_pages++;
  return (struct ptdesc *)mem;
}

void klm_table_install(uintptr_t entry, phys_addr_t table) {
  struct klm_page *pg = klm_slot((uintptr_t)table);
  entry = klm_fake((const void *)entry); /* an entry of a page installed before */
  if (pg->mem == NULL || pg->alias != 0 || ((uint64_t)entry >> KSHIM_SLOT_SHIFT) == 0) {
    kshim_warn(__FILE__, __LINE__,
               "linear-map shim: populate of a page that is no free table page, or not into a "
               "table entry");
    return;
  }
  kshim_write(entry, PMD_TYPE_TABLE);
  const int level = kshim_ptr_level(entry) + 1;
  const uintptr_t first = kshim_ptr_encode(kshim_ptr_slot(entry), level, kshim_ptr_va(entry));
  /* The machine's fresh table below a table descriptor: PTEs none, PMDs
   * table descriptors (docs/DESIGN.md §2.3). Every entry of the page that
   * differs from it is written; a PMD entry beyond the window (16K, 64K)
   * cannot differ (the kernel never splits a PUD there). */
  const u64 fresh = level == KSHIM_LEVEL_PTE ? 0 : PMD_TYPE_TABLE;
  const int entries = level == KSHIM_LEVEL_PTE ? PTRS_PER_PTE : PTRS_PER_PMD;
  for (int i = 0; i < entries; i++) {
    if (pg->mem[i] != fresh) kshim_write(first + 8 * (uintptr_t)i, pg->mem[i]);
  }
  pg->alias = first;
}

uintptr_t kshim_table_alias(uintptr_t p) {
  if (kshim_geo.page_shift == 0 || klm_nr_pages == 0) return 0;
  const uintptr_t page = p & ~(uintptr_t)(PAGE_SIZE - 1);
  const struct klm_page *pg = klm_slot(page);
  return pg->mem != NULL && pg->alias != 0 ? pg->alias + (p - page) : 0;
}

void klm_release_tables(void) {
  for (size_t i = 0; i < KLM_MAX_PAGES; i++) free(klm_pages[i].mem);
  memset(klm_pages, 0, sizeof(klm_pages));
  klm_nr_pages = 0;
}

/* ---- The entries. ---- */

/* The run's rodata= for the code that reads pageattr.c's rodata_full;
 * `boot`: whether the call is a boot-time mapping (capabilities not final). */
static void klm_begin(bool boot) {
  rodata_full = klm_knobs.rodata_full;
  klm_knobs.booted |= !boot;
  klm_knobs.caps_finalized = !boot;
}

/* Before any other call, map_mem() at boot (capabilities not final yet):
 * whether the linear map relies on BBML2, the flags force_pte_mapping()
 * adds, then __create_pgd_mapping() of the bank; the page allocator's
 * allocator (pgd_pgtable_alloc_init_mm: -ENOMEM on failure) stands for
 * memblock's, which panics instead. After one, arch_add_memory() (memory
 * hotplug, capabilities final): the flags force_pte_mapping() adds then. */
int klm_create_pgd_mapping(uint64_t virt, uint64_t phys, uint64_t size, uint32_t flags) {
  klm_begin(!klm_knobs.booted);
  int f = NO_EXEC_MAPPINGS | (int)(flags & (NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS));
  if (!klm_knobs.booted) linear_map_requires_bbml3 = !force_pte_mapping() && can_set_direct_map();
  if (force_pte_mapping()) f |= NO_BLOCK_MAPPINGS | NO_CONT_MAPPINGS;
  return __create_pgd_mapping(swapper_pg_dir, phys, virt, size, KLM_PAGE_KERNEL,
                              pgd_pgtable_alloc_init_mm, f);
}

int klm_split_kernel_leaf_mapping(uint64_t start, uint64_t end) {
  klm_begin(false);
  return split_kernel_leaf_mapping(start, end);
}

/* set_memory_<which>() where it reaches the linear map:
 * __change_memory_common() with the masks set_memory_ro(), _rw(), _x() and
 * _nx() pass (pageattr.c), or set_memory_valid(). */
int klm_set_memory(int which, uint64_t addr, int numpages, int enable) {
  static const pteval_t set[] = {PTE_RDONLY, PTE_WRITE, PTE_MAYBE_GP, PTE_PXN};
  static const pteval_t clear[] = {PTE_WRITE, PTE_RDONLY, PTE_PXN, PTE_MAYBE_GP};
  klm_begin(false);
  if (which == 4) return set_memory_valid(addr, numpages, enable);
  if (which < 0 || which > 3) return -EINVAL;
  return __change_memory_common(addr, PAGE_SIZE * numpages, __pgprot(set[which]),
                                __pgprot(clear[which]));
}

/* linear_map_maybe_split_to_ptes() once a late CPU lacks BBML2, and what
 * linear_map_split_to_ptes() does on the boot CPU: range_split_to_ptes() of
 * the range (the harness's window holds no kernel image alias to keep),
 * then flush_tlb_kernel_range(). The kernel panics when a split fails; the
 * entry returns the error. */
int klm_linear_map_split_to_ptes(uint64_t start, uint64_t end) {
  klm_begin(false);
  klm_knobs.system_bbml2 = false;
  if (!linear_map_requires_bbml3 || system_supports_bbml3()) return 0;
  const int ret = range_split_to_ptes(start, end, GFP_ATOMIC);
  flush_tlb_kernel_range(start, end);
  return ret;
}
