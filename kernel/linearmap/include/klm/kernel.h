/* ptediff kernel linear-map shim: the kernel world the extracted linear-map
 * code (kernel/linearmap/extract.sh: mmu_split.c, pageattr.c, pagewalk.c)
 * is compiled against. Our own code, written to the kernel's names.
 *
 * The common arch layer (kshim/pgtable.h: descriptor bits, fake table
 * pointers carrying (mm, level, va), one machine primitive per entry access,
 * the TLB flushes of asm/tlbflush.h), then what the linear-map code needs
 * beyond it: the kernel mm's walk (pgd_offset_k ... pte_offset_kernel), the
 * upper-level accessors (pmdp_get, set_pmd, ...), table pages, the
 * capabilities and command-line knobs force_pte_mapping() reads (klm_knobs,
 * set per call by the entries, shim/entry.c), and the mm_walk types of
 * include/linux/pagewalk.h. Everything runs on one CPU with every lock
 * uncontended, as the harness's sequential runs do.
 *
 * Table pages: pagetable_alloc() hands out real memory (never a fake
 * pointer), filled with a poison pattern (the kernel's pages are not
 * zeroed: "Page is zeroed by init_clear_pgtable()"); the kernel fills such a
 * page through its address before it installs it. __pmd_populate() and
 * __pud_populate() install one: the entry gets the machine's table
 * descriptor (3), then every entry of the page that is not none is written
 * to the machine, in order; from then on an access through the page's
 * address is an access to the machine's entry (kshim_table_alias). A
 * depth the run's set_alloc_failures names fails (NULL: -ENOMEM).
 */
#ifndef PTEDIFF_KLM_KERNEL_H_
#define PTEDIFF_KLM_KERNEL_H_

#include "kshim/pgtable.h"

/* ---- The run's knobs and capabilities (shim/entry.c sets them). ---- */

#include "klm/entries.h"

/* BBML2 without conflict aborts, under the names the tree uses (bbml3 since
 * the rename; kshim/pgtable.h's machine-feature versions do not apply: the
 * linear map's machine has no feature bits). */
#undef system_supports_bbml2_noabort
#define system_supports_bbml2_noabort() (klm_knobs.system_bbml2)
#define system_supports_bbml3() (klm_knobs.system_bbml2)
#define cpu_supports_bbml2_noabort() (klm_knobs.cpu_bbml2)
#define cpu_supports_bbml3() (klm_knobs.cpu_bbml2)
#define system_capabilities_finalized() (klm_knobs.caps_finalized)
#define debug_pagealloc_enabled() (klm_knobs.debug_pagealloc)
#define arm64_kfence_can_set_direct_map() (klm_knobs.kfence)
#define is_realm_world() (klm_knobs.realm)
/* mmu.c's __create_pgd_mapping() flags (defined above the extracted block). */
#define NO_BLOCK_MAPPINGS (1 << 0)
#define NO_CONT_MAPPINGS (1 << 1)
#define NO_EXEC_MAPPINGS (1 << 2)
/* No address is in the KFENCE pool (the harness's window holds none). */
#define is_kfence_address(addr) false
/* The page allocator is up and only the boot CPU runs a split (the others
 * are parked or trusted to have BBML2). */
#define page_alloc_available true
#define num_online_cpus() 1
#define smp_processor_id() 0

/* ---- Compiler, locking, errors (one CPU, nothing contended). ---- */

#define __maybe_unused __attribute__((__unused__))
#define __ro_after_init
#define __section(s)
#define noinstr
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#define early_param(name, fn)
#define ENOMEM 12
#define EINVAL 22
#define EBUSY 16
#define BUG_ON(cond) ((void)WARN_ON(cond))
#define WARN(cond, ...) WARN_ON(cond)
#define panic(...) kshim_warn(__FILE__, __LINE__, "panic")
struct mutex {
  int unused;
};
#define DEFINE_MUTEX(name) struct mutex name
#define mutex_lock(m) ((void)(m))
#define mutex_unlock(m) ((void)(m))
#define DEFINE_SPINLOCK(name) int name
#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define WRITE_ONCE(x, v) ((x) = (v))
#define lazy_mmu_mode_enable() ((void)0)
#define lazy_mmu_mode_disable() ((void)0)
#define __ffs(x) ((unsigned long)__builtin_ctzl(x))
#define PAGE_ALIGN(x) ALIGN((x), PAGE_SIZE)
#define PAGE_ALIGNED(x) (((unsigned long)(x) & (PAGE_SIZE - 1)) == 0)
#define kasan_reset_tag(p) (p)
typedef unsigned int gfp_t;
#define GFP_PGTABLE_KERNEL ((gfp_t)1)
#define GFP_ATOMIC ((gfp_t)2)
#define __GFP_ZERO ((gfp_t)4)
typedef u64 ptval_t;
typedef u64 pmdval_t;
typedef u64 pudval_t;
typedef u64 p4dval_t;
typedef u64 pgdval_t;
#define INVALID_PHYS_ADDR (~(phys_addr_t)0)

/* ---- Descriptor bits beyond kshim/pgtable.h (pgtable-hwdef.h, -prot.h). ---- */

#define PTE_PXN ((pteval_t)1 << 53)
#define PTE_SHARED ((pteval_t)3 << 8)
#define PTE_ATTRINDX(t) ((pteval_t)(t) << 2)
#define PTE_ATTRINDX_MASK ((pteval_t)7 << 2)
#define MT_NORMAL 0
#define MT_NORMAL_TAGGED 1
#define PTE_SWBITS_MASK ((pteval_t)0x1ff << 55)
#define PTE_TYPE_MASK ((pteval_t)3)
/* Not a KPTI kernel, no BTI guarded pages: the maybe-bits are clear. */
#define PTE_MAYBE_NG 0
#define PTE_MAYBE_GP 0
#define PTE_PRESENT_VALID_KERNEL (PTE_VALID | PTE_MAYBE_NG)
#define PROT_NS_SHARED 0
#define PMD_SECT_PXN ((pmdval_t)1 << 53)
#define PMD_TABLE_PXN ((pmdval_t)1 << 59)
#define PMD_TABLE_UXN ((pmdval_t)1 << 60)
#define PMD_TABLE_AF ((pmdval_t)1 << 10)
#define PUD_TABLE_PXN PMD_TABLE_PXN
#define PUD_TABLE_UXN PMD_TABLE_UXN
#define PUD_TABLE_AF PMD_TABLE_AF
#define P4D_TYPE_TABLE PMD_TYPE_TABLE
#define P4D_TABLE_PXN PMD_TABLE_PXN
#define P4D_TABLE_UXN PMD_TABLE_UXN
#define P4D_TABLE_AF PMD_TABLE_AF
#define PGD_TYPE_TABLE PMD_TYPE_TABLE
#define PGD_TABLE_PXN PMD_TABLE_PXN
#define PGD_TABLE_UXN PMD_TABLE_UXN
#define PGD_TABLE_AF PMD_TABLE_AF
/* The linear map's PAGE_KERNEL, as the linear-map subject maps it
 * (subjects/linearmap/geometry.h kPageKernel): valid page, AF, inner
 * shareable, normal memory, writable and dirty, never executable. */
#define KLM_PAGE_KERNEL                                                                      \
  __pgprot(PTE_TYPE_PAGE | PTE_AF | PTE_SHARED | PTE_WRITE | PTE_DIRTY | PTE_PXN | PTE_UXN | \
           PTE_ATTRINDX(MT_NORMAL))

/* ---- Geometry of the kernel tables (48-bit VAs). ---- */

#define PUD_MASK (~(PUD_SIZE - 1))
#define P4D_SIZE PGDIR_SIZE
#define PTRS_PER_PMD PTRS_PER_PTE
#define PTRS_PER_PUD (PAGE_SHIFT == 16 ? 1 : PTRS_PER_PTE)
#define PTRS_PER_P4D 1
#define PTRS_PER_PGD (1 << (48 - PGDIR_SHIFT))
#define pte_index(addr) (((addr) >> PAGE_SHIFT) & (PTRS_PER_PTE - 1))
#define pmd_index(addr) (((addr) >> PMD_SHIFT) & (PTRS_PER_PMD - 1))
#define pud_index(addr) (((addr) >> PUD_SHIFT) & (PTRS_PER_PUD - 1))
#define p4d_index(addr) 0
#define pgd_index(addr) (((addr) >> PGDIR_SHIFT) & (PTRS_PER_PGD - 1))
/* The end of addr's entry of size `size`, or end if that comes first. */
static inline unsigned long klm_addr_end(unsigned long addr, unsigned long end,
                                         unsigned long size) {
  const unsigned long boundary = (addr + size) & ~(size - 1);
  return boundary - 1 < end - 1 ? boundary : end;
}
#define pgd_addr_end(addr, end) klm_addr_end((addr), (end), PGDIR_SIZE)
#define p4d_addr_end(addr, end) klm_addr_end((addr), (end), P4D_SIZE)
#define pud_addr_end(addr, end) klm_addr_end((addr), (end), PUD_SIZE)
#define pmd_addr_end(addr, end) klm_addr_end((addr), (end), PMD_SIZE)
#define pmd_cont_addr_end(addr, end) klm_addr_end((addr), (end), CONT_PMD_SIZE)
/* The harness's window of the linear map, from 0: the user half of the
 * address space never comes into a kernel walk of it. */
#define TASK_SIZE 0UL

#include "klm/pagewalk.h"
#include "klm/tables.h"

/* ---- pageattr.c's world besides the tables. ---- */

/* No address of the harness's window is in a vmalloc area: set_memory_*()
 * reach the linear map through __change_memory_common() (the entries). */
struct vm_struct {
  void *addr;
  unsigned long size;
  unsigned long flags;
  struct page **pages;
};
#define VM_ALLOC 0x2UL
#define VM_ALLOW_HUGE_VMAP 0x400UL
#define find_vm_area(addr) ((struct vm_struct *)NULL)
#define vm_unmap_aliases() ((void)0)
/* The linear map is the window from 0: a page's address is its pfn's. */
#define page_address(page) ((void *)(uintptr_t)(page_to_pfn(page) << PAGE_SHIFT))
#define __is_lm_address(addr) true
#define __virt_to_phys(addr) ((phys_addr_t)(addr))
/* Realm guests' RSI calls: the harness runs no realm (realm=1 only forces
 * page mappings). */
#define rsi_set_memory_range_protected(start, end) 0
#define rsi_set_memory_range_shared(start, end) 0
struct arm64_mem_crypt_ops {
  int (*encrypt)(unsigned long addr, int numpages);
  int (*decrypt)(unsigned long addr, int numpages);
};
#define arm64_mem_crypt_ops_register(ops) 0
bool can_set_direct_map(void);
extern bool rodata_full;
int set_memory_valid(unsigned long addr, int numpages, int enable);
int split_kernel_leaf_mapping(unsigned long start, unsigned long end);

/* ---- mmu.c's boot-time world (linear_map_split_to_ptes() compiles; the
 * entries repaint the window themselves, shim/entry.c). ---- */

extern char _stext[], __init_begin[];
#define lm_alias(sym) ((void *)(sym))
#define vabits_actual 48
#define _PAGE_OFFSET(va) 0UL
#define PAGE_END 0UL
#define smp_cond_load_acquire(ptr, cond) ((void)0)
#define cpu_install_idmap() ((void)0)
#define cpu_uninstall_idmap() ((void)0)
#define __pa_symbol(sym) ((phys_addr_t)(uintptr_t)(sym))

#endif /* PTEDIFF_KLM_KERNEL_H_ */
