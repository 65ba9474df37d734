/* ptediff kernel hugetlb shim: one granule's copy of the kernel world.
 *
 * hugetlbpage.c is compiled once per granule (KSHIM_PAGE_SHIFT 12, 14, 16: its
 * sizes are compile-time constants it switches on) into the one library;
 * this header, forced in front of it (-include), gives each copy's external
 * functions a granule suffix so the three never meet at link time. The
 * suffix is the symbol's only (#pragma redefine_extname, GCC and Clang): in C
 * the functions keep their kernel names, so __func__, and with it the call
 * sites the reports show (kshim/sites.h), say huge_ptep_get, not
 * huge_ptep_get_12. The pragma renames the declarations after it, the
 * arch API linux/hugetlb.h declares before hugetlbpage.c defines it. The
 * list is every non-static function hugetlbpage.c defines in 6.12 with the
 * arm64 configuration of the shim (CONFIG_CMA and
 * CONFIG_ARCH_ENABLE_HUGEPAGE_MIGRATION unset); a new one in another tree
 * shows up as a duplicate symbol when the library links.
 */
#ifndef PTEDIFF_KHS_RENAME_H_
#define PTEDIFF_KHS_RENAME_H_

#define KHS_CAT2(a, b) a##_##b
#define KHS_CAT(a, b) KHS_CAT2(a, b)
#define KHS_G(name) KHS_CAT(name, KSHIM_PAGE_SHIFT)
#define KHS_STR2(x) #x
#define KHS_STR(x) KHS_STR2(x)
/* NAME's symbol is NAME_<PAGE_SHIFT>. */
#define KHS_RENAME(name) _Pragma(KHS_STR(redefine_extname name KHS_G(name)))

KHS_RENAME(huge_ptep_get)
KHS_RENAME(set_huge_pte_at)
KHS_RENAME(huge_pte_alloc)
KHS_RENAME(huge_pte_offset)
KHS_RENAME(hugetlb_mask_last_page)
KHS_RENAME(arch_make_huge_pte)
KHS_RENAME(huge_pte_clear)
KHS_RENAME(huge_ptep_get_and_clear)
KHS_RENAME(huge_ptep_set_access_flags)
KHS_RENAME(huge_ptep_set_wrprotect)
KHS_RENAME(huge_ptep_clear_flush)
KHS_RENAME(arch_hugetlb_valid_size)
KHS_RENAME(huge_ptep_modify_prot_start)
KHS_RENAME(huge_ptep_modify_prot_commit)

#endif /* PTEDIFF_KHS_RENAME_H_ */
