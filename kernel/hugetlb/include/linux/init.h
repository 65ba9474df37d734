/* ptediff kernel hugetlb shim: <linux/init.h>. Nothing of it is used by what
 * the harness runs of hugetlbpage.c (__init is kshim/types.h's); the kernel
 * types come with it as with the real header. */
#ifndef PTEDIFF_KHS_LINUX_INIT_H_
#define PTEDIFF_KHS_LINUX_INIT_H_

#include <linux/mm.h>

#endif
