/* ptediff kernel callers: the cut mm/ functions of a tree and the kernel
 * world's entries into them (kc/bridge.h).
 *
 * The cuts (kernel/callers/extract.sh: internal_cut.h, util_cut.h,
 * memory_cut.h, in the build folder) are included verbatim after the stub
 * headers. Each entry builds what the kernel's caller would hold: the vmas
 * of kc/mm.h's mapping (copy_pte_range's src_vma/dst_vma, zap_pte_range's
 * vma), a prealloc of NULL, the rss vector, and the mmu_gather with
 * unmap_vmas()' zap_details.
 */
#include "kc/mm.h"

/* The cut code, in the order the tree defines it. */
// clang-format off
#include "internal_cut.h"
#include "util_cut.h"
#include "memory_cut.h"
// clang-format on

const struct vm_operations_struct kc_file_vm_ops = {0};

static pte_t *kc_ptep(uint64_t slot, uint64_t addr) {
  return (pte_t *)kshim_ptr_encode(slot, KSHIM_LEVEL_PTE, addr);
}

static struct vm_area_struct kc_vma(struct mm_struct *mm) {
  return (struct vm_area_struct){.vm_mm = mm,
                                 .vm_start = 0,
                                 .vm_end = kshim_va_limit(PAGE_SHIFT),
                                 .vm_flags = KC_VMA_FLAGS,
                                 .vm_ops = &kc_file_vm_ops};
}

static void kc_add_rss(const int *rss) {
  for (int i = 0; i < NR_MM_COUNTERS; i++) kc_acct_cur->rss[i] += rss[i];
}

int kc_copy_present_ptes(uint64_t addr, uint64_t pte, int max_nr) {
#if KC_FLOW_FORK
  struct mm_struct src_mm = {.slot = 0}, dst_mm = {.slot = 1};
  struct vm_area_struct src_vma = kc_vma(&src_mm), dst_vma = kc_vma(&dst_mm);
  struct folio *prealloc = NULL;
  int rss[NR_MM_COUNTERS] = {0};
  const int nr = copy_present_ptes(&dst_vma, &src_vma, kc_ptep(1, addr), kc_ptep(0, addr),
                                   __pte(pte), addr, max_nr, rss, &prealloc);
  kc_add_rss(rss);
  return nr;
#else
  return 0;
#endif
}

int kc_zap_present_ptes(uint64_t addr, uint64_t pte, unsigned max_nr, struct kc_gather *g) {
#if KC_FLOW_ZAP
  struct mm_struct mm = {.slot = 0};
  struct vm_area_struct vma = kc_vma(&mm);
  struct mmu_gather tlb = {.mm = &mm, .fullmm = g->fullmm, .g = g};
  struct zap_details details = {.even_cows = true, .zap_flags = ZAP_FLAG_DROP_MARKER};
  int rss[NR_MM_COUNTERS] = {0};
#if KC_ZAP_SHAPE == 2
  bool any_skipped = false;
  const int nr = zap_present_ptes(&tlb, &vma, kc_ptep(0, addr), __pte(pte), max_nr, addr, &details,
                                  rss, &g->force_flush, &g->force_break, &any_skipped);
#else
  const int nr = zap_present_ptes(&tlb, &vma, kc_ptep(0, addr), __pte(pte), max_nr, addr, &details,
                                  rss, &g->force_flush, &g->force_break);
#endif
  g->delayed_rmap |= tlb.delayed_rmap;
  /* zap_pte_range: add_mm_rss_vec(mm, rss). */
  kc_add_rss(rss);
  return nr;
#else
  return 0;
#endif
}

/* The Kconfig answers of kc/mm.h, through the very IS_ENABLED() the cut
 * code reads. */
int kc_config(const char *symbol) {
#define KC_ANSWER(sym) \
  if (__builtin_strcmp(symbol, #sym) == 0) return IS_ENABLED(sym);
  KC_ANSWER(CONFIG_ARCH_HAS_PTE_SPECIAL)
  KC_ANSWER(CONFIG_SMP)
  KC_ANSWER(CONFIG_MEM_SOFT_DIRTY)
  KC_ANSWER(CONFIG_HAVE_ARCH_USERFAULTFD_WP)
  KC_ANSWER(CONFIG_PTE_MARKER_UFFD_WP)
  KC_ANSWER(CONFIG_ARCH_HAS_PTE_DEVMAP)
#undef KC_ANSWER
  return -1;
}
