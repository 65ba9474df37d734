/* ptediff kernel shim: the kernel basics contpte.c is written against.
 *
 * Types (pte_t and pgprot_t as one-member structs of a 64-bit value, the
 * layout include/ptediff/pte.h uses for its plain pte_t), compiler helpers,
 * the translation-granule geometry as runtime values of the current machine
 * (one .so serves 4K, 16K and 64K), vm_area_struct and the folio helpers over
 * the machine's folio_of(). Our own code, written to the kernel's names.
 */
#ifndef PTEDIFF_KSHIM_TYPES_H_
#define PTEDIFF_KSHIM_TYPES_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kshim/bridge.h"

/* include/generated/uapi/linux/version.h: the tree's VERSION.PATCHLEVEL
 * (kernel/versions.txt), passed by `ptediff kernel` and the build as
 * KVER_MAJOR / KVER_MINOR. The shim's few per-version choices test it. */
#if !defined(KVER_MAJOR) || !defined(KVER_MINOR)
#error "KVER_MAJOR and KVER_MINOR (the tree's VERSION and PATCHLEVEL) must be defined"
#endif
#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))
#define LINUX_VERSION_CODE KERNEL_VERSION(KVER_MAJOR, KVER_MINOR, 0)

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
typedef u64 pteval_t;
typedef u64 phys_addr_t;

typedef struct {
  pteval_t pte;
} pte_t;
typedef struct {
  pteval_t pgprot;
} pgprot_t;
_Static_assert(sizeof(pte_t) == 8, "a kernel pte_t is one 64-bit descriptor");

#define pte_val(x) ((x).pte)
#define __pte(x) ((pte_t){(x)})
#define pgprot_val(x) ((x).pgprot)
#define __pgprot(x) ((pgprot_t){(x)})

/* include/linux/compiler*.h */
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#undef __always_inline /* glibc's <sys/cdefs.h> has one too */
#define __always_inline inline __attribute__((__always_inline__))
#define __always_unused __attribute__((__unused__))
#define __force

/* include/linux/align.h, include/linux/math.h: power-of-two alignment. */
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define ALIGN(x, a) ALIGN_DOWN((x) + ((__typeof__(x))(a)-1), (a))
#define PTR_ALIGN_DOWN(p, a) ((__typeof__(p))ALIGN_DOWN((unsigned long)(p), (a)))
#define round_down(x, y) ALIGN_DOWN((x), (y))
#define round_up(x, y) ALIGN((x), (y))

/* arch/arm64/include/asm/page-def.h, pgtable-hwdef.h: the granule's geometry,
 * read from the machine of the current call (int where the kernel's is). */
#define PAGE_SHIFT ((int)kshim_geo.page_shift)
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PTRS_PER_PTE ((int)kshim_geo.ptrs_per_pte)
#define CONT_PTES ((int)kshim_geo.cont_ptes)
#define CONT_PTE_SIZE (CONT_PTES * PAGE_SIZE)
#define CONT_PTE_MASK (~(CONT_PTE_SIZE - 1))

/* include/asm-generic/bug.h, include/linux/mmdebug.h: a warning that fires
 * is reported to the harness as a contract error (the kernel would splat and
 * go on; so does the shim). */
#define WARN_ON_ONCE(cond)                                             \
  ({                                                                   \
    bool kshim_warn_c = !!(cond);                                      \
    if (unlikely(kshim_warn_c)) kshim_warn(__FILE__, __LINE__, #cond); \
    kshim_warn_c;                                                      \
  })
#define WARN_ON(cond) WARN_ON_ONCE(cond)
#define VM_WARN_ON(cond) ((void)WARN_ON_ONCE(cond))
#define VM_WARN_ON_ONCE(cond) ((void)WARN_ON_ONCE(cond))

/* include/linux/mm_types.h */
struct vm_area_struct {
  struct mm_struct *vm_mm;
  unsigned long vm_flags;
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

#endif /* PTEDIFF_KSHIM_TYPES_H_ */
