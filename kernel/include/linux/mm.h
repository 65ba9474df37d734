/* ptediff kernel shim: <linux/mm.h> for contpte.c: the kernel types and the
 * arm64 arch layer with the extracted contpte wrappers (kshim/arch.h). */
#ifndef PTEDIFF_KSHIM_LINUX_MM_H_
#define PTEDIFF_KSHIM_LINUX_MM_H_

#include "kshim/arch.h"

#endif /* PTEDIFF_KSHIM_LINUX_MM_H_ */
