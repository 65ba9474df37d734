/* ptediff kernel hugetlb shim: <asm/tlb.h>. Nothing of it is used by
 * hugetlbpage.c beyond what <linux/mm.h> gives. */
#ifndef PTEDIFF_KHS_ASM_TLB_H_
#define PTEDIFF_KHS_ASM_TLB_H_

#include <linux/mm.h>

#endif
