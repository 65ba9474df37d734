/* ptediff kernel shim: the kernel basics the extracted kernel code is
 * written against.
 *
 * Types (pte_t, pmd_t, pud_t, p4d_t, pgd_t and pgprot_t as one-member
 * structs of a 64-bit value, the layout include/ptediff/pte.h uses for its
 * plain pte_t), the tree's capabilities (kshim_caps.h), compiler and
 * config helpers, the translation-granule geometry, warnings, vm_area_struct
 * with its hstate, and struct page / folio as fake vmemmap addresses over the machine's
 * folio_of(). Our own code, written to the kernel's names.
 *
 * The geometry comes in two forms. By default it is runtime values of the
 * machine of the current call (one library serves the 4K, 16K and 64K
 * granules: contpte.c). With KSHIM_PAGE_SHIFT (12, 14 or 16) defined it is
 * the compile-time constants the kernel has, for code that switches on the
 * sizes (hugetlbpage.c), compiled once per granule.
 */
#ifndef PTEDIFF_KSHIM_TYPES_H_
#define PTEDIFF_KSHIM_TYPES_H_

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kshim/bridge.h"

/* What the tree's arm64 code defines and with which parameter lists: the
 * capability probes of kernel/probe.sh, written next to the extracted files
 * (kshim_caps.h, build folder). The shim's choices between the shapes of
 * different trees test these, never a version. */
#include "kshim_caps.h"

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
typedef u64 pteval_t;
typedef u64 phys_addr_t;
typedef unsigned long vm_flags_t;

typedef struct {
  pteval_t pte;
} pte_t;
typedef struct {
  u64 pmd;
} pmd_t;
typedef struct {
  u64 pud;
} pud_t;
typedef struct {
  u64 p4d;
} p4d_t;
typedef struct {
  u64 pgd;
} pgd_t;
typedef struct {
  pteval_t pgprot;
} pgprot_t;
_Static_assert(sizeof(pte_t) == 8 && sizeof(pmd_t) == 8 && sizeof(pud_t) == 8,
               "a kernel entry is one 64-bit descriptor");

#define pte_val(x) ((x).pte)
#define pmd_val(x) ((x).pmd)
#define pud_val(x) ((x).pud)
#define p4d_val(x) ((x).p4d)
#define pgd_val(x) ((x).pgd)
#define __pte(x) ((pte_t){(x)})
#define __pmd(x) ((pmd_t){(x)})
#define __pud(x) ((pud_t){(x)})
#define __p4d(x) ((p4d_t){(x)})
#define __pgd(x) ((pgd_t){(x)})
#define pgprot_val(x) ((x).pgprot)
#define __pgprot(x) ((pgprot_t){(x)})
#define pmd_pte(pmd) __pte(pmd_val(pmd))
#define pte_pmd(pte) __pmd(pte_val(pte))
#define pud_pte(pud) __pte(pud_val(pud))
#define pte_pud(pte) __pud(pte_val(pte))

/* include/linux/compiler*.h, init.h, kconfig.h, build_bug.h, printk.h */
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#undef __always_inline /* glibc's <sys/cdefs.h> has one too */
#define __always_inline inline __attribute__((__always_inline__))
#define __always_unused __attribute__((__unused__))
#define __force
#define __init
/* An initcall is never run (the harness registers no hstates): the function
 * is only referenced, so it compiles and stays unused. */
#define arch_initcall(fn) \
  static int (*const kshim_initcall_##fn)(void) __attribute__((__unused__)) = fn
#define BUILD_BUG_ON(cond) ((void)sizeof(char[1 - 2 * !!(cond)]))
/* IS_ENABLED(CONFIG_X): only the options the extracted code tests. arm64
 * has no CONFIG_HIGHPTE. */
#define IS_ENABLED(option) KSHIM_CONFIG_##option
#define KSHIM_CONFIG_CONFIG_HIGHPTE 0
/* printk: a log line, nothing the harness acts on. */
#define pr_warn(...) ((void)0)

/* include/linux/align.h, math.h, sizes.h: power-of-two alignment. */
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define ALIGN(x, a) ALIGN_DOWN((x) + ((__typeof__(x))(a)-1), (a))
#define PTR_ALIGN_DOWN(p, a) ((__typeof__(p))ALIGN_DOWN((unsigned long)(p), (a)))
#define round_down(x, y) ALIGN_DOWN((x), (y))
#define round_up(x, y) ALIGN((x), (y))
#define SZ_4K 0x1000UL

/* arch/arm64/include/asm/page-def.h, pgtable-hwdef.h: the granule's
 * geometry, 48-bit VAs; the values are ptediff_geometry_of()'s
 * (include/ptediff/pte.h). */
#if !defined(KSHIM_PAGE_SHIFT)
/* Runtime: read from the machine of the current call (int where the
 * kernel's is). */
#define PAGE_SHIFT ((int)kshim_geo.page_shift)
#define PTRS_PER_PTE ((int)kshim_geo.ptrs_per_pte)
#define KSHIM_CONT_PTE_BITS __builtin_ctz(kshim_geo.cont_ptes)
#define PMD_SHIFT ((int)kshim_geo.pmd_shift)
#define KSHIM_CONT_PMD_BITS __builtin_ctz(kshim_geo.cont_pmds)
#define KSHIM_PA52 (kshim_geo.pa_bits == 52)
#elif KSHIM_PAGE_SHIFT == 12
#define PAGE_SHIFT 12
#define PTRS_PER_PTE 512
#define KSHIM_CONT_PTE_BITS 4
#define PMD_SHIFT 21
#define KSHIM_CONT_PMD_BITS 4
#define KSHIM_PA52 0
#elif KSHIM_PAGE_SHIFT == 14
#define PAGE_SHIFT 14
#define PTRS_PER_PTE 2048
#define KSHIM_CONT_PTE_BITS 7
#define PMD_SHIFT 25
#define KSHIM_CONT_PMD_BITS 5
#define KSHIM_PA52 0
#elif KSHIM_PAGE_SHIFT == 16
#define PAGE_SHIFT 16
#define PTRS_PER_PTE 8192
#define KSHIM_CONT_PTE_BITS 5
#define PMD_SHIFT 29
#define KSHIM_CONT_PMD_BITS 5
#define KSHIM_PA52 1
#else
#error "KSHIM_PAGE_SHIFT must be 12, 14 or 16 (or undefined: the machine's granule)"
#endif
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define CONT_PTES (1 << KSHIM_CONT_PTE_BITS)
#define CONT_PTE_SHIFT (KSHIM_CONT_PTE_BITS + PAGE_SHIFT)
#define CONT_PTE_SIZE (CONT_PTES * PAGE_SIZE)
#define CONT_PTE_MASK (~(CONT_PTE_SIZE - 1))
#define PMD_SIZE (1UL << PMD_SHIFT)
#define PMD_MASK (~(PMD_SIZE - 1))
#define CONT_PMDS (1 << KSHIM_CONT_PMD_BITS)
#define CONT_PMD_SHIFT (KSHIM_CONT_PMD_BITS + PMD_SHIFT)
#define CONT_PMD_SIZE (CONT_PMDS * PMD_SIZE)
#define CONT_PMD_MASK (~(CONT_PMD_SIZE - 1))
#define PUD_SHIFT (PMD_SHIFT + PAGE_SHIFT - 3)
#define PUD_SIZE (1UL << PUD_SHIFT)
/* 4 levels with 4K and 16K pages, 3 with 64K (the PUD folded). */
#define PGDIR_SHIFT (PAGE_SHIFT == 16 ? PUD_SHIFT : PUD_SHIFT + PAGE_SHIFT - 3)
#define PGDIR_SIZE (1UL << PGDIR_SHIFT)
#define HUGE_MAX_HSTATE 4

/* include/asm-generic/bug.h, include/linux/mmdebug.h: a warning that fires
 * is reported to the harness as a contract error (the kernel would splat and
 * go on; so does the shim). */
#define WARN_ON(cond)                                                  \
  ({                                                                   \
    bool kshim_warn_c = !!(cond);                                      \
    if (unlikely(kshim_warn_c)) kshim_warn(__FILE__, __LINE__, #cond); \
    kshim_warn_c;                                                      \
  })
#define WARN_ON_ONCE(cond) WARN_ON(cond)
#define VM_WARN_ON(cond) ((void)WARN_ON(cond))
#define VM_WARN_ON_ONCE(cond) ((void)WARN_ON(cond))

/* include/linux/hugetlb.h's hstate, reduced to its size. */
struct hstate {
  unsigned long size;
};

/* include/linux/mm_types.h: the vma as the calls need it. hstate_vma()
 * reads kshim_h (hstate_file(vma->vm_file) in the kernel): the huge page
 * size the call was given, or the VMA's (init's hsize=); unused by code that
 * maps no huge pages. */
struct vm_area_struct {
  struct mm_struct *vm_mm;
  unsigned long vm_flags;
  struct hstate kshim_h;
};
#define TLB_FLUSH_VMA(mm, flags) \
  { .vm_mm = (mm), .vm_flags = (flags) }

typedef unsigned int cydp_t;
#define CYDP_CLEAR_YOUNG ((__force cydp_t)0x01)
#define CYDP_CLEAR_DIRTY ((__force cydp_t)0x02)

/* struct page / struct folio: never dereferenced. A page pointer is a fake
 * address, page_base + pfn * sizeof(struct page) (the vmemmap model), and a
 * folio is its first page, so `page - &folio->page` is the page's index in
 * its folio exactly as in the kernel. */
struct page {
  unsigned long flags;
};
struct folio {
  struct page page;
};
#define KSHIM_PAGE_BASE ((uintptr_t)1 << 60)

static inline struct page *pfn_to_page(unsigned long pfn) {
  return (struct page *)(KSHIM_PAGE_BASE + pfn * sizeof(struct page));
}
static inline unsigned long page_to_pfn(const struct page *page) {
  return ((uintptr_t)page - KSHIM_PAGE_BASE) / sizeof(struct page);
}
/* page_folio(): the folio the machine says the pfn belongs to. */
static inline struct folio *page_folio(const struct page *page) {
  uint64_t start = 0, nr = 0;
  kshim_folio_of(page_to_pfn(page), &start, &nr);
  return (struct folio *)pfn_to_page(start);
}
static inline unsigned long folio_pfn(const struct folio *folio) {
  return page_to_pfn(&folio->page);
}
static inline long folio_nr_pages(const struct folio *folio) {
  uint64_t start = 0, nr = 0;
  kshim_folio_of(folio_pfn(folio), &start, &nr);
  return (long)nr;
}
/* page_size(): PAGE_SIZE << compound_order(page). The only pages asked are
 * those a hugetlb entry maps, which belong to a folio of the VMA's huge page
 * size. */
static inline unsigned long page_size(struct page *page) { return kshim_geo.hsize; }

/* The lock a *_lockptr() names: a machine lock handle (mmu/locks.h), never
 * dereferenced. */
typedef struct kshim_spinlock spinlock_t;

#endif /* PTEDIFF_KSHIM_TYPES_H_ */
