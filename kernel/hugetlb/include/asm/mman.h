/* ptediff kernel hugetlb shim: <asm/mman.h>. Nothing of it is used by
 * hugetlbpage.c beyond what <linux/mm.h> gives. */
#ifndef PTEDIFF_KHS_ASM_MMAN_H_
#define PTEDIFF_KHS_ASM_MMAN_H_

#include <linux/mm.h>

#endif
