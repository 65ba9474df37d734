/* ptediff kernel shim: kernel code's calls of the arch layer name their call
 * site.
 *
 * Every helper of kshim/pgtable.h and asm/tlbflush.h that issues machine
 * primitives becomes, for the code after this header (the extracted kernel
 * files), a macro that makes the caller's file, line and function the
 * current site (KSHIM_AT, kshim/bridge.h) while the helper runs: the reports
 * then say "contpte.c:71 contpte_convert" next to each primitive. Included at
 * the end of kshim/pgtable.h, so the helpers' calls among themselves (above
 * it) stay plain calls and their primitives carry the kernel line that called
 * the outermost one. A macro of the name it expands to calls the function,
 * not itself. Helpers that issue no primitive (pte_mkold, pmd_offset, ...)
 * have no site.
 */
#ifndef PTEDIFF_KSHIM_SITES_H_
#define PTEDIFF_KSHIM_SITES_H_

#include "kshim/bridge.h"

/* pgtable.h: entry access. */
#define READ_ONCE(x) KSHIM_AT(KSHIM_READ_ONCE(x))
#define try_cmpxchg(...) KSHIM_AT(kshim_try_cmpxchg(__VA_ARGS__))
#define __ptep_get(...) KSHIM_AT(__ptep_get(__VA_ARGS__))
#define __set_pte(...) KSHIM_AT(__set_pte(__VA_ARGS__))
#define __set_ptes(...) KSHIM_AT(__set_ptes(__VA_ARGS__))
#define __set_ptes_anysz(...) KSHIM_AT(__set_ptes_anysz(__VA_ARGS__))
#define __pte_clear(...) KSHIM_AT(__pte_clear(__VA_ARGS__))
#define __ptep_get_and_clear(...) KSHIM_AT(__ptep_get_and_clear(__VA_ARGS__))
#define __ptep_get_and_clear_anysz(...) KSHIM_AT(__ptep_get_and_clear_anysz(__VA_ARGS__))
#define __ptep_test_and_clear_young(...) KSHIM_AT(__ptep_test_and_clear_young(__VA_ARGS__))
#define __ptep_clear_flush_young(...) KSHIM_AT(__ptep_clear_flush_young(__VA_ARGS__))
#define ___ptep_set_wrprotect(...) KSHIM_AT(___ptep_set_wrprotect(__VA_ARGS__))
#define __ptep_set_wrprotect(...) KSHIM_AT(__ptep_set_wrprotect(__VA_ARGS__))
#define __wrprotect_ptes(...) KSHIM_AT(__wrprotect_ptes(__VA_ARGS__))
#define __clear_full_ptes(...) KSHIM_AT(__clear_full_ptes(__VA_ARGS__))
#define __get_and_clear_full_ptes(...) KSHIM_AT(__get_and_clear_full_ptes(__VA_ARGS__))
#define __clear_young_dirty_ptes(...) KSHIM_AT(__clear_young_dirty_ptes(__VA_ARGS__))
#define __ptep_set_access_flags(...) KSHIM_AT(__ptep_set_access_flags(__VA_ARGS__))
#define __ptep_set_access_flags_anysz(...) KSHIM_AT(__ptep_set_access_flags_anysz(__VA_ARGS__))

/* asm/tlbflush.h: TLB maintenance and the DSB. */
#undef kshim_dsb_ish
#define kshim_dsb_ish() KSHIM_AT(kshim_dsb())
#define flush_tlb_mm(...) KSHIM_AT(flush_tlb_mm(__VA_ARGS__))
#define __flush_tlb_range_nosync(...) KSHIM_AT(kshim_flush_tlb_range_nosync(__VA_ARGS__))
#define __flush_tlb_range(...) KSHIM_AT(__flush_tlb_range(__VA_ARGS__))
#define flush_tlb_range(...) KSHIM_AT(flush_tlb_range(__VA_ARGS__))
#define flush_tlb_page_nosync(...) KSHIM_AT(flush_tlb_page_nosync(__VA_ARGS__))
#define flush_tlb_page(...) KSHIM_AT(flush_tlb_page(__VA_ARGS__))
#define __flush_tlb_page(...) KSHIM_AT(__flush_tlb_page(__VA_ARGS__))
#define flush_tlb_kernel_range(...) KSHIM_AT(flush_tlb_kernel_range(__VA_ARGS__))
#define local_flush_tlb_contpte(...) KSHIM_AT(local_flush_tlb_contpte(__VA_ARGS__))

#endif /* PTEDIFF_KSHIM_SITES_H_ */
