/* ptediff kernel callers: the folio, rmap and mmu_gather model under the cut
 * mm/ functions (kernel world; included by kc/mm.h).
 *
 * Folios are the machine's (page_folio() of the shim: folio_of()); what the
 * callers do to them is counted in the current call's struct kc_acct
 * (kc/bridge.h): reference counts, mapcounts, rss counters, the marks zap
 * leaves (folio_mark_accessed, folio_mark_dirty), pages gathered for freeing
 * and rmap removals deferred to the TLB flush. Every folio is a page-cache
 * folio of the mapping kc/mm.h describes: folio_test_anon() is false, so
 * anon-exclusive never arises and the anon paths (folio_try_dup_anon_rmap,
 * copy_present_page) are not reached; they are declared, and warn if they
 * ever are. The mmu_gather is the harness's struct kc_gather for one zap op:
 * tlb_remove_tlb_entries() widens its range, tlb_delay_rmap() (CONFIG_SMP)
 * marks it, and the harness issues the one deferred flush.
 */
#ifndef PTEDIFF_KC_RMAP_H_
#define PTEDIFF_KC_RMAP_H_

/* include/linux/mm_types_task.h */
enum { MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES, NR_MM_COUNTERS };

/* ---- include/linux/page-flags.h, mm.h: folio state ---- */
static inline bool folio_test_large(const struct folio *folio) { return folio_nr_pages(folio) > 1; }
static inline bool folio_test_anon(const struct folio *folio) { return false; }
static inline bool folio_test_swapbacked(const struct folio *folio) { return false; }
static inline bool PageAnonExclusive(const struct page *page) { return false; }
static inline int mm_counter_file(struct folio *folio) {
  return folio_test_swapbacked(folio) ? MM_SHMEMPAGES : MM_FILEPAGES;
}
static inline int mm_counter(struct folio *folio) {
  return folio_test_anon(folio) ? MM_ANONPAGES : mm_counter_file(folio);
}
static inline void folio_ref_add(struct folio *folio, int nr) { kc_acct_cur->refcount += nr; }
static inline void folio_ref_sub(struct folio *folio, int nr) { kc_acct_cur->refcount -= nr; }
static inline void folio_get(struct folio *folio) { folio_ref_add(folio, 1); }
static inline void folio_put(struct folio *folio) { folio_ref_sub(folio, 1); }
static inline void folio_mark_accessed(struct folio *folio) { kc_acct_cur->marks |= 1; }
static inline bool folio_mark_dirty(struct folio *folio) {
  kc_acct_cur->marks |= 2;
  return true;
}
/* The mapcount the call leaves: a folio mapped by a program is mapped once
 * per entry, so the delta is all the model needs to say it never goes
 * negative within a call. */
static inline int folio_mapcount(const struct folio *folio) {
  return kc_acct_cur->mapcount < 0 ? 0 : (int)kc_acct_cur->mapcount;
}

/* ---- include/linux/rmap.h: file folios (the parameter lists changed over
 * time: 7.x passes the destination vma too) ---- */
/* __folio_rmap_sanity_checks() (the "mm/rmap: interface overhaul" series,
 * 6.8): the pages a call maps or unmaps belong to that folio,
 * VM_WARN_ON_FOLIO(page_folio(page + nr_pages - 1) != folio). A batch that
 * ran past its folio fires it. */
static inline void kc_rmap_count(const struct folio *folio, const struct page *page, int nr,
                                 int sign) {
  VM_WARN_ON(nr <= 0);
  VM_WARN_ON(page_folio(page) != folio);
  VM_WARN_ON(page_folio(page + nr - 1) != folio);
  kc_acct_cur->mapcount += sign * nr;
}
#define folio_dup_file_rmap_ptes(folio, page, nr, ...) kc_rmap_count(folio, page, nr, 1)
#define folio_dup_file_rmap_pte(folio, page, ...) kc_rmap_count(folio, page, 1, 1)
#define folio_remove_rmap_ptes(folio, page, nr, vma) kc_rmap_count(folio, page, nr, -1)
/* Anon folios never reach the callers (folio_test_anon() is false). */
#define RMAP_EXCLUSIVE 1
#define folio_try_dup_anon_rmap_ptes(folio, page, nr, ...) (kc_warn("anon rmap dup"), 0)
#define folio_try_dup_anon_rmap_pte(folio, page, ...) (kc_warn("anon rmap dup"), 0)
#define copy_mc_user_highpage(to, from, addr, vma) (kc_warn("page copy"), 0)
#define __folio_mark_uptodate(folio) kc_warn("folio_mark_uptodate")
#define folio_add_new_anon_rmap(folio, vma, addr, flags) kc_warn("new anon rmap")
#define folio_add_lru_vma(folio, vma) kc_warn("add lru")
#define mk_pte(page, prot) pfn_pte(page_to_pfn(page), prot)
#define folio_mk_pte(folio, prot) mk_pte(&(folio)->page, prot)

/* ---- mm/memory.c's neighbours: normal pages ---- */
/* The machine has no zero page; its pfns are below the PA width, and the
 * pfns of special mappings (without a memmap) carry PTE_SPECIAL. */
static inline bool is_zero_pfn(unsigned long pfn) { return false; }
static inline bool is_huge_zero_pfn(unsigned long pfn) { return false; }
static inline bool pfn_valid(unsigned long pfn) { return true; }
#define highest_memmap_pfn ((1UL << (kshim_geo.pa_bits - PAGE_SHIFT)) - 1)
#define print_bad_pte(vma, addr, pte, page) kc_warn("print_bad_pte")
#define print_bad_page_map(vma, addr, entry, size, page, level) kc_warn("print_bad_page_map")
/* KSM merges no page of the machine. */
#define ksm_might_unmap_zero_page(mm, pte) ((void)0)

/* ---- include/asm-generic/tlb.h: the mmu_gather ---- */
struct mmu_gather {
  struct mm_struct *mm;
  bool fullmm;
  bool delayed_rmap;
  struct kc_gather *g;
};
/* CONFIG_SMP: the rmap of a dirty file folio goes away after the flush. */
#define tlb_delay_rmap(tlb) (((tlb)->delayed_rmap = 1), true)
static inline void tlb_remove_tlb_entries(struct mmu_gather *tlb, pte_t *ptep, unsigned int nr,
                                          unsigned long address) {
  const uint64_t end = address + (uint64_t)nr * PAGE_SIZE;
  if (tlb->g->end == 0 || address < tlb->g->start) tlb->g->start = address;
  if (end > tlb->g->end) tlb->g->end = end;
}
#define tlb_remove_tlb_entry(tlb, ptep, address) tlb_remove_tlb_entries(tlb, ptep, 1, address)
/* The pages wait in the gather for the flush (a batch never fills: false). */
static inline bool __tlb_remove_folio_pages(struct mmu_gather *tlb, struct page *page,
                                            unsigned int nr_pages, bool delay_rmap) {
  kc_acct_cur->gathered += nr_pages;
  if (delay_rmap) kc_acct_cur->delayed += nr_pages;
  return false;
}

/* ---- include/linux/mm.h: zap_details as unmap_vmas() passes them (munmap
 * and exit: markers dropped, COW pages zapped too) ---- */
#define ZAP_FLAG_DROP_MARKER ((__force zap_flags_t)BIT(0))
typedef unsigned int zap_flags_t;
struct zap_details {
  struct folio *single_folio;
  bool even_cows;
  bool skip_cows;
  bool reclaim_pt;
  zap_flags_t zap_flags;
};
/* Reached only without ZAP_FLAG_DROP_MARKER, which the zap flow passes. */
static inline void pte_install_uffd_wp_if_needed(struct vm_area_struct *vma, unsigned long addr,
                                                 pte_t *pte, pte_t pteval) {
  kc_warn("uffd-wp marker");
}
static inline bool cond_install_uffd_wp_ptes(struct vm_area_struct *vma, unsigned long addr,
                                             pte_t *ptep, pte_t pte, unsigned long nr_ptes) {
  kc_warn("uffd-wp marker");
  return false;
}

#endif /* PTEDIFF_KC_RMAP_H_ */
