/* ptediff kernel hugetlb shim: the kernel basics hugetlbpage.c is written
 * against.
 *
 * Types (pte_t, pmd_t, pud_t, p4d_t, pgd_t and pgprot_t as one-member
 * structs of a 64-bit value), compiler and config helpers, the geometry of
 * one granule as compile-time constants, vm_area_struct with its hstate,
 * and struct page as a fake vmemmap address. Our own code, written to the
 * kernel's names.
 */
#ifndef PTEDIFF_KHS_TYPES_H_
#define PTEDIFF_KHS_TYPES_H_

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "khs/bridge.h"

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

/* include/linux/compiler*.h, init.h, kconfig.h, build_bug.h */
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
  static int (*const khs_initcall_##fn)(void) __attribute__((__unused__)) = fn
#define BUILD_BUG_ON(cond) ((void)sizeof(char[1 - 2 * !!(cond)]))
/* IS_ENABLED(CONFIG_X): only the options the extracted code tests. arm64
 * has no CONFIG_HIGHPTE. */
#define IS_ENABLED(option) KHS_CONFIG_##option
#define KHS_CONFIG_CONFIG_HIGHPTE 0
/* printk: a log line, nothing the harness acts on. */
#define pr_warn(...) ((void)0)

/* include/linux/align.h, math.h, sizes.h */
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define ALIGN(x, a) ALIGN_DOWN((x) + ((__typeof__(x))(a)-1), (a))
#define round_down(x, y) ALIGN_DOWN((x), (y))
#define round_up(x, y) ALIGN((x), (y))
#define SZ_4K 0x1000UL

/* arch/arm64/include/asm/page-def.h, pgtable-hwdef.h: the granule's
 * geometry as the compile-time constants the kernel has (hugetlbpage.c
 * switches on the sizes). The kernel world is compiled once per granule,
 * KHS_PAGE_SHIFT 12, 14 or 16 (khs/rename.h keeps the three copies apart);
 * the values are ptediff_geometry_of()'s (include/ptediff/pte.h), 48-bit VAs. */
#if !defined(KHS_PAGE_SHIFT)
#error "KHS_PAGE_SHIFT (12, 14 or 16) must be defined"
#elif KHS_PAGE_SHIFT == 12
#define KHS_PTRS_PER_PTE 512
#define KHS_CONT_PTE_SHIFT 4
#define KHS_PMD_SHIFT 21
#define KHS_CONT_PMD_SHIFT 4
#define KHS_PA_BITS 48
#elif KHS_PAGE_SHIFT == 14
#define KHS_PTRS_PER_PTE 2048
#define KHS_CONT_PTE_SHIFT 7
#define KHS_PMD_SHIFT 25
#define KHS_CONT_PMD_SHIFT 5
#define KHS_PA_BITS 48
#elif KHS_PAGE_SHIFT == 16
#define KHS_PTRS_PER_PTE 8192
#define KHS_CONT_PTE_SHIFT 5
#define KHS_PMD_SHIFT 29
#define KHS_CONT_PMD_SHIFT 5
#define KHS_PA_BITS 52
#else
#error "KHS_PAGE_SHIFT must be 12, 14 or 16"
#endif
#define PAGE_SHIFT KHS_PAGE_SHIFT
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PTRS_PER_PTE KHS_PTRS_PER_PTE
#define CONT_PTES (1 << KHS_CONT_PTE_SHIFT)
#define CONT_PTE_SHIFT (KHS_CONT_PTE_SHIFT + PAGE_SHIFT)
#define CONT_PTE_SIZE (CONT_PTES * PAGE_SIZE)
#define CONT_PTE_MASK (~(CONT_PTE_SIZE - 1))
#define PMD_SHIFT KHS_PMD_SHIFT
#define PMD_SIZE (1UL << PMD_SHIFT)
#define PMD_MASK (~(PMD_SIZE - 1))
#define CONT_PMDS (1 << KHS_CONT_PMD_SHIFT)
#define CONT_PMD_SHIFT (KHS_CONT_PMD_SHIFT + PMD_SHIFT)
#define CONT_PMD_SIZE (CONT_PMDS * PMD_SIZE)
#define CONT_PMD_MASK (~(CONT_PMD_SIZE - 1))
#define PUD_SHIFT (PMD_SHIFT + PAGE_SHIFT - 3)
#define PUD_SIZE (1UL << PUD_SHIFT)
/* 4 levels with 4K and 16K pages, 3 with 64K (the PUD folded). */
#define PGDIR_SHIFT (PAGE_SHIFT == 16 ? PUD_SHIFT : PUD_SHIFT + PAGE_SHIFT - 3)
#define PGDIR_SIZE (1UL << PGDIR_SHIFT)
#define HUGE_MAX_HSTATE 4

/* include/asm-generic/bug.h, include/linux/mmdebug.h: a warning that fires
 * is reported to the harness as a contract error. */
#define WARN_ON(cond)                                              \
  ({                                                               \
    bool khs_warn_c = !!(cond);                                    \
    if (unlikely(khs_warn_c)) khs_warn(__FILE__, __LINE__, #cond); \
    khs_warn_c;                                                    \
  })
#define WARN_ON_ONCE(cond) WARN_ON(cond)
#define VM_WARN_ON(cond) ((void)WARN_ON(cond))

/* include/linux/hugetlb.h's hstate, reduced to its size. */
struct hstate {
  unsigned long size;
};

/* include/linux/mm_types.h: the vma as the calls need it. hstate_vma()
 * reads khs_h (hstate_file(vma->vm_file) in the kernel): the size the call
 * was given, or the VMA's (init's hsize=). */
struct vm_area_struct {
  struct mm_struct *vm_mm;
  unsigned long vm_flags;
  struct hstate khs_h;
};
#define TLB_FLUSH_VMA(mm, flags) \
  { .vm_mm = (mm), .vm_flags = (flags) }

/* struct page: never dereferenced. A page pointer is a fake vmemmap
 * address, page_base + pfn * sizeof(struct page). */
struct page {
  unsigned long flags;
};
#define KHS_PAGE_BASE ((uintptr_t)1 << 60)
static inline struct page *pfn_to_page(unsigned long pfn) {
  return (struct page *)(KHS_PAGE_BASE + pfn * sizeof(struct page));
}
/* page_size(): PAGE_SIZE << compound_order(page). Every page a hugetlb
 * entry maps belongs to a folio of the VMA's huge page size. */
static inline unsigned long page_size(struct page *page) { return khs_geo.hsize; }

/* The lock a *_lockptr() names: a machine lock handle (mmu/locks.h), never
 * dereferenced. */
typedef struct khs_spinlock spinlock_t;

#endif /* PTEDIFF_KHS_TYPES_H_ */
