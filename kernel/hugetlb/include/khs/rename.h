/* ptediff kernel hugetlb shim: one granule's copy of the kernel world.
 *
 * hugetlbpage.c is compiled once per granule (KSHIM_PAGE_SHIFT 12, 14, 16: its
 * sizes are compile-time constants it switches on) into the one library;
 * this header, forced in front of it (-include), gives each copy's external
 * functions a granule suffix so the three never meet at link time. The
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

#define huge_ptep_get KHS_G(huge_ptep_get)
#define set_huge_pte_at KHS_G(set_huge_pte_at)
#define huge_pte_alloc KHS_G(huge_pte_alloc)
#define huge_pte_offset KHS_G(huge_pte_offset)
#define hugetlb_mask_last_page KHS_G(hugetlb_mask_last_page)
#define arch_make_huge_pte KHS_G(arch_make_huge_pte)
#define huge_pte_clear KHS_G(huge_pte_clear)
#define huge_ptep_get_and_clear KHS_G(huge_ptep_get_and_clear)
#define huge_ptep_set_access_flags KHS_G(huge_ptep_set_access_flags)
#define huge_ptep_set_wrprotect KHS_G(huge_ptep_set_wrprotect)
#define huge_ptep_clear_flush KHS_G(huge_ptep_clear_flush)
#define arch_hugetlb_valid_size KHS_G(arch_hugetlb_valid_size)
#define huge_ptep_modify_prot_start KHS_G(huge_ptep_modify_prot_start)
#define huge_ptep_modify_prot_commit KHS_G(huge_ptep_modify_prot_commit)

#endif /* PTEDIFF_KHS_RENAME_H_ */
